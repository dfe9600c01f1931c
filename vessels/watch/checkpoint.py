"""Atomic snapshots of a watch's state in ``--state DIR``.

``state.pkl`` holds the whole engine (per-vessel recent rows, count indexes, open alerts, the
alert book), each source's reader state (decoder, file offset) and the alerts the webhook had
not delivered. It is written to a temporary file and renamed, so a kill at any moment leaves
the previous snapshot or the new one, never half of one. It is a pickle: only load a state
folder you wrote yourself.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from vessels.atomic import atomic_bytes
from vessels.errors import InputError

__all__ = ["FORMAT", "load_state", "save_state"]

FORMAT = 1
FILE = "state.pkl"


def save_state(folder: str | Path, state: dict[str, Any]) -> int:
    """Write ``state`` atomically; returns its size in bytes."""
    data = pickle.dumps({"format": FORMAT, **state}, protocol=pickle.HIGHEST_PROTOCOL)
    with atomic_bytes(Path(folder) / FILE) as fh:
        fh.write(data)
    return len(data)


def load_state(folder: str | Path, fingerprint: str) -> dict[str, Any] | None:
    """The saved state, None when there is none; an error when it belongs to other sources or
    options (``fingerprint``) or cannot be read."""
    path = Path(folder) / FILE
    if not path.exists():
        return None
    try:
        state: dict[str, Any] = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise InputError(
            f"cannot read the saved state ({exc}); move it away to start afresh", str(path)
        ) from exc
    if state.get("format") != FORMAT or state.get("fingerprint") != fingerprint:
        raise InputError(
            "the saved state was written for other sources or options; give the same "
            "sources and options, or another --state folder",
            str(path),
        )
    return state
