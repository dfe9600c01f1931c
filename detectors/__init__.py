"""Detectors: one module per event type over :class:`vessels.tracks.Tracks`.

``DETECTOR_MODULES`` lists the modules ``run_detectors`` knows, in run order. A module follows
the protocol in :mod:`detectors.base` (a ``<Type>Params`` dataclass and ``detect``). Modules that
are missing (not written yet) are skipped unless asked for by name.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from detectors.base import (
    ContextParams,
    DetectContext,
    DetectorSpec,
    build_context,
    load_spec,
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
from vessels.tracks import TrackParams, Tracks, build_tracks, take_rows

__all__ = [
    "DETECTOR_MODULES",
    "DetectResult",
    "available_detectors",
    "detect_stream",
    "detect_tracks",
    "run_detectors",
    "run_detectors_full",
]

#: Detector modules in run order (``detectors/<name>.py``).
DETECTOR_MODULES: tuple[str, ...] = ("gap", "loitering", "encounter", "identity")


def available_detectors() -> tuple[str, ...]:
    """The modules of DETECTOR_MODULES that import."""
    out = []
    for name in DETECTOR_MODULES:
        try:
            importlib.import_module(f"detectors.{name}")
        except ImportError:
            continue
        out.append(name)
    return tuple(out)


def _specs(types: Sequence[str] | None, cfg: Config) -> list[DetectorSpec]:
    if types is None:
        names = list(available_detectors())
    else:
        names = []
        for t in types:
            t = t.strip()
            if not t:
                continue
            if t not in DETECTOR_MODULES:
                raise ConfigError(
                    f"unknown detector type {t!r}; choose from {', '.join(DETECTOR_MODULES)}"
                )
            try:
                importlib.import_module(f"detectors.{t}")
            except ImportError as exc:
                raise ConfigError(f"detector {t!r} is not available: {exc}") from exc
            if t not in names:
                names.append(t)
    return [load_spec(n, cfg.get(n)) for n in names]


class DetectResult:
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

    @property
    def table(self) -> pa.Table:
        return events_to_table(self.events)

    def counts(self) -> dict[str, int]:
        out = {t: 0 for t in self.types}
        for e in self.events:
            out[e.type] = out.get(e.type, 0) + 1
        return out


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
    specs = _specs(types, cfg)
    ctx = build_context(
        tracks, registry, anchorages=anchorages, params=cfg.get("context", ContextParams())
    )
    ctx.class_b |= class_b or set()
    events: list[Event] = []
    for spec in specs:
        events += _detect_bounded(spec, tracks, ctx)
    loit = cfg.get("loitering") or LoiteringParams()
    events = drop_twin_encounters(events)
    return mark_likely_carriers(mark_meetings(events), registry, loitering=loit), ctx


#: Detectors with a stream form get big inputs in time slices of about this many rows: the
#: same events (their streaming contract), a fraction of the peak memory (on 10 million
#: positions the encounter search drops from +2.3 GB to nothing measurable) and less time.
SLICE_ROWS = 1_000_000


def _detect_bounded(spec: DetectorSpec, tracks: Tracks, ctx: DetectContext) -> list[Event]:
    factory = spec.stream_factory()
    if factory is None or tracks.n <= SLICE_ROWS:
        return spec.detect(tracks, ctx)
    n_slices = -(-tracks.n // SLICE_ROWS)
    edges = np.unique(np.quantile(tracks.t, np.linspace(0.0, 1.0, n_slices + 1)).astype(np.int64))
    edges[-1] = int(tracks.t.max()) + 1
    stream = factory(ctx, spec.params)
    out: list[Event] = []
    for a, b in itertools.pairwise(edges):
        rows = np.flatnonzero((tracks.t >= a) & (tracks.t < b))
        if rows.size:
            out += stream.update(take_rows(tracks, rows))
    out += stream.flush()
    return out


def run_detectors_full(
    positions: pa.Table,
    static: pa.Table | None,
    *,
    types: Sequence[str] | None = None,
    config: str | Path | Config | dict[str, Any] | None = None,
    carriers: str | Path | None = None,
    anchorages: str | None = None,
) -> DetectResult:
    """Tracks, context and events, for callers that want more than the table."""
    cfg = load_config(config)
    specs = _specs(types, cfg)
    if positions.num_rows == 0:
        raise NoDataError("no positions to detect events in")
    tracks, removed = build_tracks(positions, cfg.get("tracks", TrackParams()))
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
    config: str | Path | Config | dict[str, Any] | None = None,
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
    config: str | Path | Config | dict[str, Any] | None = None,
    carriers: str | Path | None = None,
    anchorages: str | None = None,
    removed: dict[str, int] | None = None,
) -> Iterator[list[Event]]:
    """Streaming form of :func:`run_detectors`: time-ordered position chunks in, the events
    that became final after each chunk out (the last item: those still open at the end).

    Anchorages come from ``anchorages`` and the port list only (deriving them needs all data).
    """
    cfg = load_config(config)
    specs = _specs(types, cfg)
    registry = build_registry(static, carriers)
    ports = build_context(
        None, registry, anchorages=anchorages, params=ContextParams(derive_anchorages=False)
    ).ports
    yield from run_chunked(
        chunks,
        specs,
        registry,
        ports,
        track_params=cfg.get("tracks", TrackParams()),
        params=cfg.get("context", ContextParams()),
        removed=removed,
    )
