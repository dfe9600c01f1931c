"""Vessel ids that are not MMSIs (anonymised datasets, tracker ids) to pseudo-MMSIs.

The canonical tables key vessels by a ``uint32`` MMSI. A table whose vessels are named by other
ids (``--columns id=COL``) gets one pseudo-MMSI per distinct id in ``PSEUDO_MMSI_MIN ..
PSEUDO_MMSI_MAX`` = 1073741824-1173741823: above 2**30 - 1, the largest number the 30-bit
MMSI field of an AIS message can carry, so no transmitter can ever send one, and below 2**31 so
every int32/uint32 consumer holds it. The number is a hash of the id
text (the same id gets the same pseudo-MMSI in every run and every file); two ids of one input
that collide take the next free number in sorted-id order. The mapping is kept in
``IngestStats.id_map`` (``vessels ingest --id-map FILE`` writes it) so a report can name the
original id.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["PSEUDO_MMSI_MAX", "PSEUDO_MMSI_MIN", "is_pseudo_mmsi", "pseudo_mmsis"]

PSEUDO_MMSI_MIN = 1 << 30  # one past the largest 30-bit AIS MMSI
PSEUDO_MMSI_MAX = PSEUDO_MMSI_MIN + 99_999_999
_SPAN = PSEUDO_MMSI_MAX - PSEUDO_MMSI_MIN + 1


def is_pseudo_mmsi(mmsi: int) -> bool:
    """True for a number this module hands out for a non-MMSI id."""
    return PSEUDO_MMSI_MIN <= mmsi <= PSEUDO_MMSI_MAX


def _hash(text: str) -> int:
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return PSEUDO_MMSI_MIN + int.from_bytes(digest, "big") % _SPAN


def pseudo_mmsis(values: pd.Series, id_map: dict[str, int]) -> npt.NDArray[np.float64]:
    """Pseudo-MMSIs of the ids in ``values`` (NaN where the id is empty), extending ``id_map``
    (id text -> pseudo-MMSI, shared by every block of an input) with the new ids."""
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    taken = {v: k for k, v in id_map.items()}
    for ident in sorted(set(text.dropna().unique()) - set(id_map)):
        m = _hash(ident)
        while m in taken:  # a collision: the next free number, deterministic by sorted ids
            m = PSEUDO_MMSI_MIN + (m - PSEUDO_MMSI_MIN + 1) % _SPAN
        id_map[ident] = m
        taken[m] = ident
    mapped = text.map(id_map)
    return pd.to_numeric(mapped, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
