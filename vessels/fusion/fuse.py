"""The fusion pipeline as one library call: AIS inputs + satellite detections -> events.

AIS inputs are read (:func:`ingest.read_inputs`), merged across receivers
(:func:`ingest.merge.merge_positions`: duplicates once, clock offsets found), built into tracks
with the gap and loitering detectors run on them (:func:`detectors.run_detectors_full`), the
detections matched to the tracks (:func:`vessels.fusion.matching.match_detections`) and the dark events
made (:func:`vessels.fusion.dark.detect`): ``dark_detection``, ``dark_rendezvous`` and the gaps
enriched with imagery. ``vessels fuse`` and ``vessels investigate`` call this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingest.merge import MergeParams, MergeResult, merge_positions
from ingest.sar import SarInput, read_detections
from vessels.events import Event
from vessels.fusion.dark import DarkParams
from vessels.fusion.matching import MatchParams, MatchResult, match_detections
from vessels.tracks import Tracks

__all__ = ["FuseOutput", "fuse", "fuse_tables", "vessel_lengths"]


@dataclass
class FuseOutput:
    events: list[Event]  # dark_detection, dark_rendezvous, and (enriched) gaps or all events
    match: MatchResult
    merge: MergeResult
    sar: SarInput
    tracks: Tracks
    detector_types: list[str]


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
    config: str | Path | Mapping[str, Any] | None = None,
    merge_params: MergeParams | None = None,
    match_params: MatchParams | None = None,
    dark_params: DarkParams | None = None,
    all_events: bool = False,
) -> FuseOutput:
    """Fusion on tables already read (positions in POSITIONS_SCHEMA)."""
    from detectors import available_detectors, run_detectors_full
    from vessels.fusion.dark import detect

    merged = merge_positions(positions, merge_params)
    avail = available_detectors()
    types: list[str] = (
        list(avail) if all_events else [t for t in ("gap", "loitering") if t in avail]
    )
    res = run_detectors_full(
        merged.positions,
        static,
        types=types,
        config=config,  # type: ignore[arg-type]
        carriers=carriers,
    )
    match = match_detections(sar, res.tracks, lengths=vessel_lengths(static), params=match_params)
    gaps = [e for e in res.events if e.type == "gap"]
    others = [e for e in res.events if e.type != "gap"]
    events = detect(
        match, res.tracks, dark_params, gaps=gaps, is_carrier=res.ctx.registry.is_carrier
    )
    if all_events:
        events += others
    return FuseOutput(events, match, merged, sar, res.tracks, types)


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
