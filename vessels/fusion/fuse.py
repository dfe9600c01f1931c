"""The fusion job, one path for ``vessels fuse`` and ``vessels investigate``.

AIS positions are merged across receivers (:func:`merge_receivers`:
:func:`ingest.merge.merge_positions`, duplicates once, clock offsets found), built into tracks
and the AIS detectors run on them; then :func:`fuse_events` matches the SAR detections to the
tracks (:func:`vessels.fusion.matching.match_detections`) and makes the dark events
(:func:`vessels.fusion.dark.detect`): ``dark_detection``, ``dark_rendezvous`` and the gaps
enriched with imagery. :func:`fuse_tables` / :func:`fuse` are the whole job for ``vessels fuse``;
:func:`vessels.pipeline.run.run_pipeline` calls :func:`merge_receivers` and :func:`fuse_events`
between its own stages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ingest.merge import MergeParams, MergeResult, merge_positions
from ingest.sar import SarInput, read_detections
from vessels.config import Config, load_config
from vessels.events import Event
from vessels.fusion.dark import DarkParams
from vessels.fusion.dark import detect as dark_events
from vessels.fusion.matching import MatchParams, MatchResult, match_detections
from vessels.tracks import Tracks

__all__ = [
    "FuseOutput",
    "fuse",
    "fuse_events",
    "fuse_tables",
    "merge_receivers",
    "vessel_lengths",
]


@dataclass
class FuseOutput:
    events: list[Event]  # dark_detection, dark_rendezvous, and (enriched) gaps or all events
    match: MatchResult
    merge: MergeResult | None  # None: one receiver (nothing to merge)
    sar: SarInput
    tracks: Tracks
    detector_types: list[str]
    notes: list[str]


def merge_receivers(
    positions: pa.Table, params: MergeParams | None = None
) -> tuple[pa.Table, MergeResult | None, str | None]:
    """Positions with one row per message heard by several receivers and receiver clock offsets
    corrected, the merge's result, and a note when it was skipped: with fewer than two receivers
    there is nothing to merge (duplicates still go when tracks are built). It runs at any size
    (about 1 us a row, benchmarks/bench_fusion.py): results must not change with input size."""
    if "receiver" not in positions.column_names:
        return positions, None, None
    if len(pc.unique(positions.column("receiver").cast(pa.string()))) < 2:
        return positions, None, None
    res = merge_positions(positions, params)
    return res.positions, res, None


def fuse_events(
    sar: SarInput,
    tracks: Tracks,
    static: pa.Table | None,
    events: Sequence[Event],
    *,
    is_carrier: Callable[[int], bool] | None,
    match_params: MatchParams | None = None,
    dark_params: DarkParams | None = None,
) -> tuple[list[Event], list[Event], MatchResult]:
    """Match ``sar`` to ``tracks`` and make the dark events. Returns the fusion's events
    (``dark_detection``, ``dark_rendezvous`` and the gaps of ``events`` enriched by imagery),
    the other events of ``events`` unchanged, and the match."""
    match = match_detections(sar, tracks, lengths=vessel_lengths(static), params=match_params)
    gaps = [e for e in events if e.type == "gap"]
    others = [e for e in events if e.type != "gap"]
    fused = dark_events(match, tracks, dark_params, gaps=gaps, is_carrier=is_carrier)
    return fused, others, match


def vessel_lengths(static: pa.Table | None) -> dict[int, float]:
    """Latest AIS length overall (to_bow + to_stern, metres) per MMSI from a static table."""
    if static is None or static.num_rows == 0 or "to_bow" not in static.column_names:
        return {}
    tb = static.select(["mmsi", "t", "to_bow", "to_stern"]).sort_by([("t", "ascending")])
    out: dict[int, float] = {}
    mm = tb.column("mmsi").to_pylist()
    bow = tb.column("to_bow").to_pylist()
    stern = tb.column("to_stern").to_pylist()
    for m, b, s in zip(mm, bow, stern, strict=True):
        if b and s and 0 < b + s < 511:  # 511 m: the AIS field maximum means "not available"
            out[int(m)] = float(b + s)
    return out


def fuse_tables(
    positions: pa.Table,
    static: pa.Table | None,
    sar: SarInput,
    *,
    carriers: str | Path | None = None,
    config: str | Path | Mapping[str, Any] | Config | None = None,
    merge_params: MergeParams | None = None,
    match_params: MatchParams | None = None,
    dark_params: DarkParams | None = None,
    all_events: bool = False,
) -> FuseOutput:
    """Fusion on tables already read (positions in POSITIONS_SCHEMA). Parameters not given
    come from the ``[fusion]`` and ``[dark]`` tables of ``config``."""
    from detectors import DETECTOR_TYPES, run_detectors_full

    cfg = load_config(config)
    positions, merged, note = merge_receivers(positions, merge_params)
    types = list(DETECTOR_TYPES) if all_events else ["gap", "loitering"]
    res = run_detectors_full(positions, static, types=types, config=cfg, carriers=carriers)
    events, others, match = fuse_events(
        sar,
        res.tracks,
        static,
        res.events,
        is_carrier=res.ctx.registry.is_carrier,
        match_params=match_params or cfg.params("fusion", MatchParams),
        dark_params=dark_params or cfg.params("dark", DarkParams),
    )
    if all_events:
        events += others
    return FuseOutput(events, match, merged, sar, res.tracks, types, [note] if note else [])


def fuse(
    ais_paths: Sequence[str | Path],
    sar_paths: Sequence[str | Path],
    *,
    columns: str | None = None,
    sar_columns: str | None = None,
    quiet: bool = True,
    **kwargs: Any,
) -> FuseOutput:
    """Read the AIS and detection files, then :func:`fuse_tables` (same keyword options)."""
    from ingest import read_inputs

    data = read_inputs([str(p) for p in ais_paths], columns=columns, quiet=quiet)
    sar = read_detections(sar_paths, sar_columns)
    return fuse_tables(data.positions, data.static, sar, **kwargs)
