"""``detect_distributed``: the detectors of ``detectors.run_detectors`` on a dask.distributed
cluster, with the same events (ids, times, scores, evidence) as the single-process run.

Plan (docs/references.md, "Dask": dask.distributed, never a home-made scheduler):

1. Sources are read on the workers (Parquet by row groups, other files one per task) and split
   by an MMSI hash into partitions; each partition builds its tracks (``build_tracks``) and
   keeps them in worker memory.
2. What the detectors consult about *all* vessels is reduced globally: reception and proximity
   counts (a tree of ``CellHourCounts.merged``), derived anchorages (distinct MMSIs per cell add
   up across partitions) and the global segment numbering. The context is built once on a
   worker and shared by every task.
3. Per-vessel detectors (gap, loitering, identity) run on each partition.
4. Cross-vessel detectors (encounter) run on time windows x longitude bands gathered from every
   partition. Windows have margins long enough that the events a window owns (by start time)
   are exact; a window whose owned event runs into its right margin is rerun reaching further,
   so any event length works. A band gets every segment whose positions in the window, widened
   by a halo, touch it, whole: two vessels that come close share a band and their pair is
   computed there exactly as on the whole window (copies from two bands are identical).
5. Events are merged: deduplicated by ``event_id`` (the longest, most complete copy kept).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
from distributed import Client

from detectors import EventCounts, detector_specs
from detectors.base import ContextParams, DetectorSpec
from detectors.carriers import mark_likely_carriers
from detectors.encounter import EncounterParams
from detectors.encounter.twins import drop_twin_encounters
from detectors.groups import mark_meetings
from detectors.loitering import LoiteringParams
from vessels.anchorages import read_anchorages_csv
from vessels.config import Config, load_config
from vessels.errors import ConfigError, InputError, NoDataError
from vessels.events import Event
from vessels.geo import PortIndex, port_index
from vessels.registry import build_registry
from vessels.scale import vessel_tasks
from vessels.scale.local import LocalClient
from vessels.scale.params import ScaleParams
from vessels.scale.partition import (
    PARQUET_SUFFIXES,
    concat_tables,
    parquet_batches,
    read_parquet_split,
    read_raw_split,
    split_table,
)
from vessels.scale.quantiles import merge_minutes, slice_edges
from vessels.scale.spill import spill_sources
from vessels.scale.windows import item, n_workers, run_windows
from vessels.tracks import TrackParams

__all__ = [
    "CROSS_VESSEL",
    "PER_VESSEL",
    "DistributedResult",
    "detect_distributed",
    "detect_distributed_full",
    "detect_out_of_core",
]

#: Detectors that only look at one vessel's own segments (plus the shared context).
PER_VESSEL = ("gap", "loitering", "identity")
#: Detectors that compare vessels with each other: run on time windows.
CROSS_VESSEL = ("encounter",)

PositionsSource: TypeAlias = pa.Table | str | Path | Sequence[pa.Table | str | Path]
#: distributed.Future; the client is used as Any because distributed is untyped here.
Future: TypeAlias = Any


@dataclass
class DistributedResult(EventCounts):
    """Events plus what the run did (for reports and the benchmark)."""

    events: list[Event]
    removed: dict[str, int]
    types: list[str]
    n_positions: int
    n_rows: int
    n_partitions: int
    n_segments: int
    n_mmsi: int
    n_windows: int
    n_bands: int
    window_reruns: int
    timings_s: dict[str, float] = field(default_factory=dict)


def _specs(types: Sequence[str] | None, cfg: Config, serial: bool = True) -> list[DetectorSpec]:
    """The detectors asked for (:func:`detectors.detector_specs`, as ``run_detectors`` resolves
    them), with serial kernels unless ``serial`` is False (tasks in this one thread): Numba
    parallel regions inside dask worker threads abort the process."""
    specs = []
    for spec in detector_specs(types, cfg):
        if spec.name not in PER_VESSEL + CROSS_VESSEL:
            raise ConfigError(f"detector {spec.name!r} has no distributed form yet")
        if serial and isinstance(spec.params, EncounterParams) and spec.params.parallel:
            spec = dataclasses.replace(
                spec, params=dataclasses.replace(spec.params, parallel=False)
            )
        specs.append(spec)
    return specs


def _as_client(client: Client | LocalClient | str) -> tuple[Any, bool]:
    if isinstance(client, Client | LocalClient):
        return client, False
    if isinstance(client, str) and client:
        try:
            return Client(client, timeout="30s"), True  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise ConfigError(f"cannot reach the dask scheduler at {client!r}: {exc}") from exc
    raise ConfigError("detect_distributed needs a distributed.Client or a scheduler address")


def _plan(
    source: PositionsSource, sp: ScaleParams
) -> tuple[list[pa.Table | str | Path], list[tuple[str, Any]], int]:
    """The sources as a list, how each is read, and about how many positions they hold."""
    items: list[pa.Table | str | Path] = (
        [source] if isinstance(source, pa.Table | str | Path) else list(source)
    )
    if not items:
        raise NoDataError("no positions to detect events in")
    n_known = 0
    plans: list[tuple[str, Any]] = []
    for it in items:
        if isinstance(it, pa.Table):
            plans.append(("table", it))
            n_known += it.num_rows
            continue
        p = Path(it)
        if not p.is_file():
            raise InputError("no such input file", str(p))
        if p.suffix.lower() in PARQUET_SUFFIXES:
            batches, rows = parquet_batches(p, sp.rows_per_read)
            plans += [("parquet", (str(p), b)) for b in batches]
            n_known += rows
        else:
            plans.append(("raw", str(p)))
            n_known += max(1, p.stat().st_size // 60)  # about 60 bytes per NMEA/CSV line
    if n_known == 0:
        raise NoDataError("no positions to detect events in")
    return items, plans, n_known


def _n_parts(client: Any, n_known: int, sp: ScaleParams, n_parts: int | None) -> int:
    return n_parts or max(2 * n_workers(client), math.ceil(n_known / sp.rows_per_partition))


def _load(
    client: Any,
    source: PositionsSource,
    sp: ScaleParams,
    n_parts: int | None,
    columns: str | dict[str, str] | None,
    track_params: TrackParams,
) -> tuple[list[Future], list[Future], int, int]:
    """Read and split the sources, build each partition's tracks; returns the partitions'
    futures, the futures of static tables read from raw files, the number of positions (an
    estimate for raw files) and the number of partitions."""
    _, plans, n_known = _plan(source, sp)
    n = _n_parts(client, n_known, sp, n_parts)
    read: list[Future] = []
    statics: list[Future] = []
    pieces: list[list[Future]] = [[] for _ in range(n)]
    for kind, arg in plans:
        if kind == "table":
            futs = client.scatter(
                split_table(arg, n), hash=False
            )  # slices of one table: hash=True may alias them
            for k in range(n):
                pieces[k].append(futs[k])
            continue
        if kind == "parquet":
            f = client.submit(read_parquet_split, arg[0], arg[1], n, pure=False)
        else:
            whole = client.submit(read_raw_split, arg, n, columns, pure=False)
            statics.append(client.submit(_second, whole, pure=False))
            f = client.submit(_first, whole, pure=False)
        read.append(f)
        for k in range(n):
            pieces[k].append(client.submit(item, f, k, pure=False))
    parts = [
        client.submit(vessel_tasks.build_part, track_params, *pieces[k], pure=False)
        for k in range(n)
    ]
    return parts, statics, n_known, n


def _load_spilled(
    client: Any,
    source: PositionsSource,
    sp: ScaleParams,
    n_parts: int | None,
    columns: str | dict[str, str] | None,
    track_params: TrackParams,
    folder: Path,
) -> tuple[list[Future], list[pa.Table], int, int]:
    """:func:`_load` through the disk: the sources are split into one positions file per
    partition here, as they are read (:func:`vessels.scale.spill.spill_sources`), and each
    partition's tracks are built from its file and saved beside it."""
    items, _, n_known = _plan(source, sp)
    n = _n_parts(client, n_known, sp, n_parts)
    files, statics = spill_sources(items, n, folder / "positions", sp.rows_per_read, columns)
    parts = [
        client.submit(
            vessel_tasks.build_spilled_part,
            track_params,
            files[k],
            str(folder / "tracks" / f"part-{k:05d}"),
            pure=False,
        )
        for k in range(n)
    ]
    return parts, statics, n_known, n


def _first(x: tuple[Any, Any]) -> Any:
    return x[0]


def _second(x: tuple[Any, Any]) -> Any:
    return x[1]


def _tree_reduce(client: Any, futs: list[Future]) -> Future:
    while len(futs) > 1:
        nxt = [
            client.submit(vessel_tasks.merge_counts, a, b, pure=False)
            for a, b in zip(futs[::2], futs[1::2], strict=False)
        ]
        if len(futs) % 2:
            nxt.append(futs[-1])
        futs = nxt
    return futs[0]


def _ports(
    summaries: list[vessel_tasks.PartSummary], cparams: ContextParams, anchorages: str | None
) -> tuple[PortIndex, int]:
    """Ports plus derived anchorages (cells with at least N distinct MMSIs over all partitions,
    in the single-process order: by cell, i.e. by latitude then longitude) plus user ones."""
    ports = port_index()
    n = 0
    lat = np.concatenate([s.anch_lat for s in summaries]) if summaries else np.zeros(0)
    if cparams.derive_anchorages and lat.size:
        lon = np.concatenate([s.anch_lon for s in summaries])
        ves = np.concatenate([s.anch_vessels for s in summaries])
        names = [x for s in summaries for x in s.anch_names]
        order = np.lexsort((lon, lat))
        lat, lon, ves = lat[order], lon[order], ves[order]
        new = np.r_[True, (lat[1:] != lat[:-1]) | (lon[1:] != lon[:-1])]
        starts = np.flatnonzero(new)
        total = np.add.reduceat(ves, starts)
        good = starts[total >= cparams.anchorage_min_vessels]
        if good.size:
            ports = ports.extended(lat[good], lon[good], [names[order[i]] for i in good])
            n += good.size
    if anchorages is not None:
        u = read_anchorages_csv(anchorages)
        ports = ports.extended(u.lat, u.lon, [x or "anchorage" for x in u.name])
        n += u.lat.size
    return ports, n


def _slice_edges(
    client: Any,
    parts: list[Future],
    summaries: list[vessel_tasks.PartSummary],
    n_rows: int,
    slice_rows: int,
) -> np.ndarray | None:
    """The single-process run's time slices (exact global quantiles of the track times)."""
    keys, counts = merge_minutes([(s.minute_keys, s.minute_counts) for s in summaries])

    def fetch(minutes: np.ndarray) -> np.ndarray:
        got = client.gather(
            [
                client.submit(vessel_tasks.part_times_in_minutes, p, minutes, pure=False)
                for p in parts
            ]
        )
        return np.sort(np.concatenate(got))

    t_max = max(s.t_max for s in summaries if s.n_rows)
    return slice_edges(n_rows, slice_rows, keys, counts, fetch, t_max)


def _dedupe(events: list[Event], order: list[str]) -> list[Event]:
    """One event per id (the longest, then the one with most evidence), in a fixed order."""
    best: dict[str, Event] = {}
    for e in events:
        cur = best.get(e.event_id)
        key = (e.end_ms - e.start_ms, len(e.evidence), e.score)
        if cur is None or key > (cur.end_ms - cur.start_ms, len(cur.evidence), cur.score):
            best[e.event_id] = e
    rank = {t: i for i, t in enumerate(order)}
    return sorted(
        best.values(),
        key=lambda e: (rank.get(e.type, len(rank)), e.start_ms, e.mmsi or 0, e.event_id),
    )


def detect_distributed_full(
    positions_source: PositionsSource,
    static: pa.Table | None,
    *,
    client: Client | LocalClient | str,
    types: Sequence[str] | None = None,
    config: str | Path | Config | dict[str, Any] | None = None,
    carriers: str | Path | None = None,
    anchorages: str | None = None,
    n_partitions: int | None = None,
    n_windows: int | None = None,
    n_bands: int | None = None,
    columns: str | dict[str, str] | None = None,
    scale: ScaleParams | None = None,
    spill_dir: str | Path | None = None,
) -> DistributedResult:
    """Events of the chosen detectors computed on a dask cluster, plus run statistics.

    ``positions_source``: a positions table (POSITIONS_SCHEMA), a path (canonical Parquet,
    read by row groups on the workers; any other file ``vessels ingest`` reads, one task per
    file) or a list of these. ``client``: a ``distributed.Client`` or a scheduler address.
    ``n_partitions`` (MMSI hash partitions), ``n_windows`` and ``n_bands`` (time windows and
    longitude bands of the encounter search) default to sizes from :class:`ScaleParams` and
    the number of workers; ``columns`` is the CSV column mapping of ``ingest.read_inputs``.
    ``spill_dir``: split the sources into per-partition files there as they are read (in this
    process) and keep each partition's tracks on disk, loaded by the tasks that need them,
    instead of in worker memory (:mod:`vessels.scale.spill`): the workers must see the folder.
    With a :class:`vessels.scale.local.LocalClient` this is the out-of-core single-process run
    (:func:`detect_out_of_core`). The other arguments are those of
    :func:`detectors.run_detectors`.
    """
    scale = scale or ScaleParams()
    cfg = load_config(config)
    specs = _specs(types, cfg, serial=not isinstance(client, LocalClient))
    names = [s.name for s in specs]
    track_params = cfg.params("tracks", TrackParams)
    cparams = cfg.params("context", ContextParams)
    cl, own_client = _as_client(client)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        static_read: list[pa.Table] = []
        if spill_dir is None:
            parts, static_futs, n_pos, n = _load(
                cl, positions_source, scale, n_partitions, columns, track_params
            )
            static_read = cl.gather(static_futs)
        else:
            parts, static_read, n_pos, n = _load_spilled(
                cl, positions_source, scale, n_partitions, columns, track_params, Path(spill_dir)
            )
        summaries: list[vessel_tasks.PartSummary] = cl.gather(
            [cl.submit(vessel_tasks.part_summary, p, cparams, pure=False) for p in parts]
        )
        timings["read_and_tracks"] = time.perf_counter() - t0
        removed: dict[str, int] = {}
        for s in summaries:
            for k, v in s.removed.items():
                removed[k] = removed.get(k, 0) + v
        n_rows = sum(s.n_rows for s in summaries)
        if n_rows == 0:
            raise NoDataError(
                f"every position was removed while building tracks ({removed}); nothing to detect"
            )
        static_tabs = [static] if static is not None else []
        static_tabs += [t for t in static_read if t is not None and t.num_rows]
        registry = build_registry(concat_tables(static_tabs) if static_tabs else None, carriers)
        ports, n_anch = _ports(summaries, cparams, anchorages)
        counts = _tree_reduce(
            cl, [cl.submit(vessel_tasks.part_counts, p, cparams, pure=False) for p in parts]
        )
        reg_f, ports_f = cl.scatter([registry, ports], hash=False)
        class_b = frozenset().union(*(s.class_b for s in summaries))
        ctx = cl.submit(
            vessel_tasks.make_context, reg_f, ports_f, counts, n_anch, cparams, class_b, pure=False
        )
        seg_mmsi = np.sort(np.concatenate([s.seg_mmsi for s in summaries]))
        (seg_f,) = cl.scatter([seg_mmsi], broadcast=True, hash=False)
        t1 = time.perf_counter()
        timings["context"] = t1 - t0 - timings["read_and_tracks"]
        per = [s for s in specs if s.name in PER_VESSEL]
        edges = None
        if any(s.has_stream for s in per):
            edges = _slice_edges(cl, parts, summaries, n_rows, scale.slice_rows)
        futs = [
            cl.submit(vessel_tasks.detect_part, p, ctx, per, seg_f, edges, pure=False)
            for p in parts
        ]
        events: list[Event] = []
        n_win = reruns = n_b = 0
        t_min = min(s.t_min for s in summaries if s.n_rows)
        t_max = max(s.t_max for s in summaries if s.n_rows)
        lon_hist = np.sum([s.lon_hist for s in summaries], axis=0)
        for spec in (s for s in specs if s.name in CROSS_VESSEL):
            w = n_windows or max(n_workers(cl), math.ceil(n_rows / scale.rows_per_partition))
            evs, n_w, nb, r = run_windows(
                cl, spec, parts, ctx, seg_f, t_min, t_max, w, n_bands, lon_hist, scale,
                one_at_a_time=isinstance(cl, LocalClient),
            )  # fmt: skip
            n_b = max(n_b, nb)
            events += evs
            n_win, reruns = n_win + n_w, reruns + r
        for evs in cl.gather(futs):
            events += evs
        timings["detect"] = time.perf_counter() - t1
        return DistributedResult(
            events=mark_likely_carriers(
                mark_meetings(drop_twin_encounters(_dedupe(events, names))),
                registry,
                loitering=cfg.params("loitering", LoiteringParams),
            ),
            removed=removed,
            types=names,
            n_positions=n_pos,
            n_rows=n_rows,
            n_partitions=n,
            n_segments=int(seg_mmsi.size),
            n_mmsi=int(np.unique(seg_mmsi).size),
            n_windows=n_win,
            n_bands=n_b,
            window_reruns=reruns,
            timings_s=timings,
        )
    finally:
        if own_client:
            cl.close()


def detect_distributed(
    positions_source: PositionsSource,
    static: pa.Table | None,
    *,
    client: Client | str,
    types: Sequence[str] | None = None,
    config: str | Path | Config | dict[str, Any] | None = None,
    carriers: str | Path | None = None,
    anchorages: str | None = None,
    n_partitions: int | None = None,
    n_windows: int | None = None,
    n_bands: int | None = None,
) -> pa.Table:
    """Events table (EVENTS_SCHEMA) equal to ``detectors.run_detectors`` on the same inputs,
    computed on the dask cluster of ``client``. See :func:`detect_distributed_full`."""
    return detect_distributed_full(
        positions_source,
        static,
        client=client,
        types=types,
        config=config,
        carriers=carriers,
        anchorages=anchorages,
        n_partitions=n_partitions,
        n_windows=n_windows,
        n_bands=n_bands,
    ).table


def detect_out_of_core(
    positions_source: PositionsSource,
    static: pa.Table | None,
    *,
    spill_root: str | Path | None = None,
    **options: Any,
) -> DistributedResult:
    """:func:`detect_distributed_full` in this process, one task at a time, with the
    partitions on disk (a temporary folder under ``spill_root``, by default the system's temp
    folder, removed afterwards): memory follows ``ScaleParams.rows_per_partition``, not the
    input size, and the events are those of the single-process run. ``options``: those of
    :func:`detect_distributed_full` but ``client`` and ``spill_dir``."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vessels-spill-", dir=spill_root) as folder:
        return detect_distributed_full(
            positions_source, static, client=LocalClient(), spill_dir=folder, **options
        )
