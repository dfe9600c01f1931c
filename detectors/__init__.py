"""Detectors: one module (or package) per event type over :class:`vessels.tracks.Tracks`.

``DETECTORS`` lists the detectors ``run_detectors`` knows, in run order; each is a
:class:`detectors.base.Detector` (its parameter class, ``detect`` and its stream form). Every
one is imported here: a detector that fails to import is an import error, never a detector
silently left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from detectors import encounter, gap, identity, loitering
from detectors.base import (
    ContextParams,
    DetectContext,
    Detector,
    DetectorSpec,
    build_context,
    run_bounded,
    run_chunked,
)
from detectors.carriers import mark_likely_carriers
from detectors.encounter.twins import drop_twin_encounters
from detectors.groups import mark_meetings
from detectors.loitering import LoiteringParams
from vessels.config import Config, load_config
from vessels.errors import ConfigError, NoDataError
from vessels.events import Event, events_to_table
from vessels.registry import Registry, build_registry, class_b_mmsis
from vessels.tracks import TrackParams, Tracks, build_tracks

__all__ = [
    "DETECTORS",
    "DETECTOR_TYPES",
    "SLICE_ROWS",
    "DetectResult",
    "EventCounts",
    "detect_stream",
    "detect_tracks",
    "detector_specs",
    "load_spec",
    "run_detectors",
    "run_detectors_full",
]

#: The detectors in run order, by event type.
DETECTORS: dict[str, Detector[Any]] = {
    d.name: d for d in (gap.DETECTOR, loitering.DETECTOR, encounter.DETECTOR, identity.DETECTOR)
}
DETECTOR_TYPES: tuple[str, ...] = tuple(DETECTORS)

#: Detectors with a stream form get big inputs in time slices of about this many rows: the
#: same events (their streaming contract), a fraction of the peak memory (on 10 million
#: positions the encounter search drops from +2.3 GB to nothing measurable) and less time.
SLICE_ROWS = 1_000_000


def load_spec(name: str, params: Any = None) -> DetectorSpec:
    """Detector ``name`` bound to ``params`` (its defaults when None)."""
    if name not in DETECTORS:
        raise ConfigError(f"unknown detector type {name!r}; choose from {', '.join(DETECTORS)}")
    d = DETECTORS[name]
    return DetectorSpec(d, d.params() if params is None else params)


def detector_specs(types: Sequence[str] | None, cfg: Config) -> list[DetectorSpec]:
    """The detectors asked for (all by default, in run order; names stripped, repeats dropped)
    bound to the parameters of ``cfg``. The one resolution of ``--types`` for every runner."""
    names: list[str] = []
    for t in DETECTOR_TYPES if types is None else types:
        t = t.strip()
        if t and t not in names:
            names.append(t)
    return [load_spec(n, cfg.get(n)) for n in names]


class EventCounts:
    """``table`` and ``counts()`` of a run's events (single-process and distributed runs)."""

    events: list[Event]
    types: list[str]

    @property
    def table(self) -> pa.Table:
        return events_to_table(self.events)

    def counts(self) -> dict[str, int]:
        out = {t: 0 for t in self.types}
        for e in self.events:
            out[e.type] = out.get(e.type, 0) + 1
        return out


class DetectResult(EventCounts):
    """Events plus what was built on the way (for reports and summaries)."""

    def __init__(
        self,
        events: list[Event],
        tracks: Tracks,
        ctx: DetectContext,
        removed: dict[str, int],
        types: list[str],
    ) -> None:
        self.events = events
        self.tracks = tracks
        self.ctx = ctx
        self.removed = removed
        self.types = types


def detect_tracks(
    tracks: Tracks,
    registry: Registry,
    *,
    types: Sequence[str] | None = None,
    config: Config | None = None,
    anchorages: str | None = None,
    class_b: set[int] | None = None,
) -> tuple[list[Event], DetectContext]:
    """Run the detectors on already-built tracks (``class_b``: MMSIs seen sending class B
    position reports, besides those the registry knows)."""
    cfg = config or Config()
    specs = detector_specs(types, cfg)
    ctx = build_context(
        tracks, registry, anchorages=anchorages, params=cfg.params("context", ContextParams)
    )
    ctx.class_b |= class_b or set()
    events: list[Event] = []
    for spec in specs:
        events += run_bounded(spec, tracks, ctx, SLICE_ROWS)
    loit = cfg.params("loitering", LoiteringParams)
    events = drop_twin_encounters(events)
    return mark_likely_carriers(mark_meetings(events), registry, loitering=loit), ctx


def run_detectors_full(
    positions: pa.Table,
    static: pa.Table | None,
    *,
    types: Sequence[str] | None = None,
    config: str | Path | Config | Mapping[str, Any] | None = None,
    carriers: str | Path | None = None,
    anchorages: str | None = None,
) -> DetectResult:
    """Tracks, context and events, for callers that want more than the table."""
    cfg = load_config(config)
    specs = detector_specs(types, cfg)
    if positions.num_rows == 0:
        raise NoDataError("no positions to detect events in")
    tracks, removed = build_tracks(positions, cfg.params("tracks", TrackParams))
    if tracks.n == 0:
        raise NoDataError(
            f"every position was removed while building tracks ({removed}); nothing to detect"
        )
    registry = build_registry(static, carriers)
    events, ctx = detect_tracks(
        tracks,
        registry,
        types=[s.name for s in specs],
        config=cfg,
        anchorages=anchorages,
        class_b=class_b_mmsis(positions),
    )
    return DetectResult(events, tracks, ctx, removed, [s.name for s in specs])


def run_detectors(
    positions: pa.Table,
    static: pa.Table | None,
    *,
    types: Sequence[str] | None = None,
    config: str | Path | Config | Mapping[str, Any] | None = None,
    carriers: str | Path | None = None,
    anchorages: str | None = None,
) -> pa.Table:
    """Events table (EVENTS_SCHEMA) of the chosen detector types (all available by default).

    ``config``: a TOML path, a parsed mapping or a :class:`Config`; ``carriers``: a CSV of
    carrier MMSIs/IMOs; ``anchorages``: a CSV of anchorages added to the derived ones.
    """
    res = run_detectors_full(
        positions, static, types=types, config=config, carriers=carriers, anchorages=anchorages
    )
    return res.table


def detect_stream(
    chunks: Iterable[pa.Table],
    static: pa.Table | None,
    *,
    types: Sequence[str] | None = None,
    config: str | Path | Config | Mapping[str, Any] | None = None,
    carriers: str | Path | None = None,
    anchorages: str | None = None,
    removed: dict[str, int] | None = None,
) -> Iterator[list[Event]]:
    """Streaming form of :func:`run_detectors`: time-ordered position chunks in, the events
    that became final after each chunk out (the last item: those still open at the end).

    Anchorages come from ``anchorages`` and the port list only (deriving them needs all data).
    """
    cfg = load_config(config)
    specs = detector_specs(types, cfg)
    registry = build_registry(static, carriers)
    ports = build_context(
        None, registry, anchorages=anchorages, params=ContextParams(derive_anchorages=False)
    ).ports
    yield from run_chunked(
        chunks,
        specs,
        registry,
        ports,
        track_params=cfg.params("tracks", TrackParams),
        params=cfg.params("context", ContextParams),
        removed=removed,
    )
