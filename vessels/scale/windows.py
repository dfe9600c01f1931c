"""Cross-vessel detectors on time windows x longitude bands (see :mod:`vessels.scale.detect`).

A window owns the events that start in it; its data reaches a margin further on both sides
(:func:`vessels.scale.window_tasks.window_margin_ms`), and it is rerun reaching further when an
owned event runs into the right margin. Bands hold every track that comes within a halo of
them, whole, so each pair of vessels that come close is computed whole in a band they share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from detectors.base import DetectorSpec
from vessels.errors import NoDataError
from vessels.events import Event
from vessels.scale import window_tasks
from vessels.scale.params import ScaleParams

__all__ = ["item", "n_workers", "plan_bands", "plan_windows", "run_windows"]

#: distributed.Future (distributed is untyped here)
Future = Any


def n_workers(client: Any) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def item(x: Sequence[Any], k: int) -> Any:
    """Task: element ``k`` of a task's list result (so each consumer fetches only its part)."""
    return x[k]


def plan_windows(t_min: int, t_max: int, n_windows: int, min_width_ms: int) -> list[int]:
    """At most ``n_windows`` window edges over [t_min, t_max], windows at least
    ``min_width_ms`` wide."""
    span = t_max - t_min + 1
    n = max(1, min(n_windows, span // max(min_width_ms, 1)))
    edges = [t_min + (span * k) // n for k in range(n + 1)]
    edges[-1] = t_max + 1
    return edges


def plan_bands(lon_hist: np.ndarray, n_bands: int) -> tuple[float, ...]:
    """Longitude band edges (whole degrees, -180 to 180) holding about equal numbers of rows."""
    if n_bands <= 1 or lon_hist.sum() == 0:
        return (-180.0, 180.0)
    cum = np.cumsum(lon_hist) / lon_hist.sum()
    inner = np.searchsorted(cum, np.arange(1, n_bands) / n_bands, side="left") + 1 - 180
    edges = np.unique(np.r_[-180, inner, 180]).astype(float)
    return tuple(float(x) for x in edges)


def run_windows(
    client: Any,
    spec: DetectorSpec,
    parts: list[Future],
    ctx: Future,
    seg_f: Future,
    t_min: int,
    t_max: int,
    n_windows: int,
    n_bands: int | None,
    lon_hist: np.ndarray,
    sp: ScaleParams,
    one_at_a_time: bool = False,
) -> tuple[list[Event], int, int, int]:
    """Events of ``spec`` over every window and band; ``one_at_a_time`` (tasks run one at a
    time in one process, parts spilled): each part's pieces of a window go to disk by band, and
    each band's are read back when it is detected, so only one band is held."""
    margin = window_tasks.window_margin_ms(spec.params)
    halo_km = window_tasks.tile_halo_km(spec.params)
    edges = plan_windows(t_min, t_max, n_windows, int(margin * sp.min_window_margins))
    n = len(edges) - 1
    # Short data sets get few windows: bands then bound each task's rows (about
    # rows_per_partition; tracks crossing bands go to both, 1.3-1.9x rows on the scale
    # scenario) and give every worker a task.
    rows = int(lon_hist.sum())
    auto = max(math.ceil(n_workers(client) / n), math.ceil(rows / n / sp.rows_per_partition), 1)
    bands = plan_bands(lon_hist, n_bands or auto)
    n_bands = len(bands) - 1
    own = [
        (edges[k] if k else t_min - 1, edges[k + 1] if k < n - 1 else t_max + 1) for k in range(n)
    ]
    reach = {k: (own[k][0] - margin, own[k][1] + margin) for k in range(n)}
    events: list[Event] = []
    reruns = 0
    todo = list(range(n))
    for _ in range(sp.max_window_reruns + 1):
        futs: dict[tuple[int, int], Future] = {}
        for k in todo:
            lo, hi = reach[k]
            tiling = window_tasks.spill_tiles if one_at_a_time else window_tasks.window_tiles
            tiles = [
                client.submit(tiling, p, seg_f, lo, hi, bands, halo_km, pure=False) for p in parts
            ]
            for j in range(n_bands):
                if one_at_a_time:  # a band's pieces from disk: one band held at a time
                    pieces = [
                        client.submit(window_tasks.load_tile, f, j, pure=False) for f in tiles
                    ]
                else:
                    pieces = [client.submit(item, f, j, pure=False) for f in tiles]
                futs[k, j] = client.submit(
                    window_tasks.detect_window,
                    ctx,
                    spec,
                    own[k][0],
                    own[k][1],
                    hi,
                    t_max,
                    margin,
                    sp.slice_rows,
                    *pieces,
                    pure=False,
                )
        results = dict(zip(futs, client.gather(list(futs.values())), strict=True))
        need: dict[int, int] = {}
        for (k, _), r in results.items():
            if r.need_until_ms is not None:
                need[k] = max(need.get(k, r.need_until_ms), r.need_until_ms)
        for (k, _), r in results.items():
            if k not in need:
                events += r.events  # the same pair in two bands: identical copies, deduped
        todo = []
        for k, until in need.items():
            lo, hi = reach[k]
            reach[k] = (lo, max(until, hi + (hi - lo)))
            todo.append(k)
        reruns += len(todo)
        if not todo:
            return events, n, n_bands, reruns
    raise NoDataError(f"{spec.name}: windows still growing after {sp.max_window_reruns} reruns")
