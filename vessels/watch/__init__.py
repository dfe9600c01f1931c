"""``vessels watch``: live alerts from AIS feeds (issue 14).

One concern per module:

- :mod:`vessels.watch.alert`: the alert record (an event plus its life) and its JSON form;
- :mod:`vessels.watch.sources`: byte sources (TCP client/listener, UDP, files, stdin) and the
  line framer; :mod:`ingest.live` turns lines into canonical rows through the NMEA decoder;
- :mod:`vessels.watch.dedup`: one row per message across sources (the batch merge's key);
- :mod:`vessels.watch.clock`: per-source watermarks and allowed lateness;
- :mod:`vessels.watch.engine`: the detectors' stream forms fed in time order, plus the fast
  path (areas, watchlists, silences) that needs no history;
- :mod:`vessels.watch.lifecycle`: versions and states (open, update, final, retracted);
- :mod:`vessels.watch.areas`: GeoJSON areas and watchlists;
- :mod:`vessels.watch.sinks` and :mod:`vessels.watch.store`: JSONL, stdout, webhook, SQLite;
- :mod:`vessels.watch.checkpoint`: atomic state snapshots for restarts;
- :mod:`vessels.watch.app`: the asyncio loop that ties them together.
"""
