"""`vessels serve`: the analyst's review desk over investigation outputs and the live store.

Modules: :mod:`cli` (the `vessels serve` command), :mod:`store` (SQLite schema, loading investigations), :mod:`reviews` (reviews, optimistic
locking, append-only audit, export), :mod:`queries` (API reads), :mod:`tracks` (a vessel's track
from tracks.parquet, simplified per zoom), :mod:`overview` (the first map view, shared with the
report), :mod:`dossier` (one-file vessel dossier), :mod:`alerts` (the watch store, SSE),
:mod:`security` (host, token, CSRF, CSP, size limits), :mod:`params` (query parsing) and
:mod:`app` (routes). The API is documented in docs/serve-api.md.
"""
