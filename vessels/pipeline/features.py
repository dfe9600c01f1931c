"""Vessel features: how each vessel lives, for ranking and for a model learned from known cases.

The indicators follow McDonald et al. 2021 (PNAS, "Satellite monitoring reveals forced labor
risks on fishing vessels"; docs/references.md): long voyages without port calls, time on the
high seas, fishing far from home, encounters with carriers (transshipment), loitering and AIS
disabling. Every column is documented in docs/vessel-features.md and computed here from the
tracks, the events and the port calls of one run, so a value can be traced to its evidence.

What AIS alone cannot give is approximated and says so in its name and documentation:
``high_seas_share`` counts positions more than 200 nm from any shore (no EEZ polygons ship with
the project's packages), and ``flag_port_km_median`` measures distance from the nearest listed
port of the flag state (a proxy for home waters; flags of convenience have few home ports).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from vessels.errors import ConfigError
from vessels.geo import PortIndex, distance_to_shore_km
from vessels.registry import Registry
from vessels.tracks import Tracks

__all__ = [
    "FEATURE_COLUMNS",
    "VOYAGE_FEATURE_COLUMNS",
    "FeatureParams",
    "vessel_features",
    "voyage_features",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
HOUR_MS = 3_600_000
NM_KM = 1.852


@dataclass(frozen=True)
class FeatureParams:
    """``high_seas_nm``: 200 nm, the outer limit of an EEZ (UNCLOS art. 57). ``slow_min_kn``-``slow_max_kn``: the
    1-5 kn band in which trawlers and longliners fish (the speed band GFW's fishing models and
    McDonald et al. rely on); ``slow_min_shore_nm`` keeps harbour manoeuvres out. ``max_step_h``:
    a longer silence is not counted as time spent moving at any speed. ``min_score``: events
    below it (context, coverage gaps) do not count as loitering, dark or encounter hours."""

    high_seas_nm: float = 200.0
    slow_min_kn: float = 1.0
    slow_max_kn: float = 5.0
    slow_min_shore_nm: float = 5.0
    max_step_h: float = 1.0
    min_score: float = 0.5

    def __post_init__(self) -> None:
        if not 0 <= self.slow_min_kn < self.slow_max_kn:
            raise ConfigError("features.slow_min_kn must be >= 0 and below slow_max_kn")
        for name in ("high_seas_nm", "slow_min_shore_nm", "max_step_h", "min_score"):
            if not getattr(self, name) >= 0:
                raise ConfigError(f"features.{name} must be >= 0")


#: (column, type, meaning) in output order; docs/vessel-features.md repeats the meanings.
FEATURE_COLUMNS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("mmsi", pa.uint32(), "the vessel"),
    ("flag", pa.string(), "ISO 3166 alpha-2 of the flag state from the MMSI's MID"),
    ("ship_type", pa.int32(), "AIS ship type last broadcast (null when never)"),
    ("is_fishing", pa.bool_(), "a fishing vessel by its AIS ship type (30)"),
    ("is_carrier", pa.bool_(), "carrier by the --carriers list (or inferred, where the run did)"),
    ("positions", pa.int64(), "position reports kept after cleaning"),
    ("observed_days", pa.float64(), "days from the first to the last report"),
    ("port_visits", pa.int64(), "port visits (port_visits.parquet)"),
    (
        "longest_voyage_days",
        pa.float64(),
        "longest time at sea between port calls (open voyages: at least)",
    ),
    ("median_voyage_days", pa.float64(), "median time at sea between port calls"),
    (
        "days_since_port",
        pa.float64(),
        "days from the last port call to the last report; null when no call was seen",
    ),
    (
        "no_port_call_seen",
        pa.bool_(),
        "no port visit in the data: the time at sea is at least observed_days",
    ),
    (
        "high_seas_share",
        pa.float64(),
        "share of reports more than 200 nm from any shore (beyond any EEZ)",
    ),
    (
        "flag_port_km_median",
        pa.float64(),
        "median distance from the nearest listed port of the flag state, km",
    ),
    ("encounters", pa.int64(), "encounters scored >= min_score"),
    ("encounter_partners", pa.int64(), "distinct vessels met in those encounters"),
    ("carrier_encounters", pa.int64(), "of those, encounters with a carrier"),
    ("loitering_hours", pa.float64(), "hours of loitering scored >= min_score"),
    ("dark_hours", pa.float64(), "hours of AIS gaps scored >= min_score (coverage gaps excluded)"),
    (
        "slow_at_sea_hours",
        pa.float64(),
        "hours moving at 1-5 kn more than 5 nm from shore: fishing-like movement",
    ),
    ("identity_events", pa.int64(), "identity events scored >= min_score"),
    ("names_seen", pa.int64(), "distinct names broadcast"),
)


def _per_vessel(
    mmsi_of_row: npt.NDArray[np.uint32], values: F64, vessels: npt.NDArray[np.uint32]
) -> F64:
    """Sum of ``values`` per vessel of ``vessels`` (sorted, unique); rows of other MMSIs
    (a detection that belongs to no tracked vessel) count for none."""
    if vessels.size == 0:
        return np.zeros(0)
    idx = np.minimum(np.searchsorted(vessels, mmsi_of_row), vessels.size - 1)
    ok = vessels[idx] == mmsi_of_row
    sums = np.bincount(idx[ok], weights=values[ok], minlength=vessels.size)[: vessels.size]
    return np.asarray(sums, dtype=np.float64)


def _flag_port_km(
    tracks: Tracks,
    row_ok: npt.NDArray[np.bool_],
    ports: PortIndex,
    flags: dict[int, str | None],
) -> dict[int, float]:
    """Median over each vessel's reports of the distance to the nearest port of its flag: one
    nearest-port query per flag state over all its vessels' reports."""
    by_country: dict[str, list[int]] = {}
    for k, code in enumerate(ports.code):
        if len(code) >= 2:
            by_country.setdefault(code[:2].upper(), []).append(k)
    fleets: dict[str, list[int]] = {}
    for m, flag in flags.items():
        if flag and flag.upper() in by_country:
            fleets.setdefault(flag.upper(), []).append(m)
    out: dict[int, float] = {}
    for country, mmsis in fleets.items():
        rows = np.flatnonzero(np.isin(tracks.mmsi, np.asarray(mmsis, dtype=np.uint32)) & row_ok)
        if rows.size == 0:
            continue
        sel = by_country[country]
        sub = PortIndex(ports.lat[sel], ports.lon[sel], tuple(ports.name[k] for k in sel), ())
        dist = sub.nearest(tracks.lat[rows], tracks.lon[rows])[0]
        order = np.argsort(tracks.mmsi[rows], kind="stable")
        mm, dd = tracks.mmsi[rows][order], dist[order]
        cuts = np.flatnonzero(np.r_[True, mm[1:] != mm[:-1]])
        for m, part in zip(mm[cuts], np.split(dd, cuts[1:]), strict=True):
            out[int(m)] = float(np.median(part))
    return out


def vessel_features(
    tracks: Tracks,
    events: pa.Table,
    visits: pa.Table,
    voyages: pa.Table,
    registry: Registry,
    ports: PortIndex,
    params: FeatureParams = FeatureParams(),
) -> pa.Table:
    """One row per vessel (MMSI) of ``tracks`` with the columns of :data:`FEATURE_COLUMNS`."""
    vessels = np.unique(tracks.seg_mmsi)
    n = vessels.size
    col: dict[str, Any] = {}
    col["mmsi"] = vessels
    flags = {int(m): registry.flag(int(m)) for m in vessels}
    col["flag"] = [flags[int(m)] for m in vessels]
    col["ship_type"] = [registry.latest.get(int(m), {}).get("ship_type") for m in vessels]
    col["is_fishing"] = [registry.is_fishing(int(m)) for m in vessels]
    col["is_carrier"] = [registry.is_carrier(int(m)) for m in vessels]

    ones = np.ones(tracks.n)
    col["positions"] = _per_vessel(tracks.mmsi, ones, vessels).astype(np.int64)
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    vi = np.searchsorted(vessels, tracks.mmsi)
    np.minimum.at(first, vi, tracks.t)
    np.maximum.at(last, vi, tracks.t)
    col["observed_days"] = np.where(col["positions"] > 0, (last - first) / (24 * HOUR_MS), 0.0)

    # port calls and voyages
    v_mmsi = visits.column("mmsi").to_numpy().astype(np.uint32)
    col["port_visits"] = _per_vessel(v_mmsi, np.ones(v_mmsi.size), vessels).astype(np.int64)
    y_mmsi = voyages.column("mmsi").to_numpy().astype(np.uint32)
    y_days = voyages.column("duration_h").to_numpy() / 24.0
    longest = np.zeros(n)
    median = np.full(n, np.nan)
    yi = np.searchsorted(vessels, y_mmsi)
    np.maximum.at(longest, yi, y_days)
    for k in np.unique(yi):
        median[k] = float(np.median(y_days[yi == k]))
    col["longest_voyage_days"] = longest
    col["median_voyage_days"] = median
    since = np.full(n, np.nan)
    v_end = visits.column("end").cast(pa.int64()).to_numpy()
    if v_mmsi.size:
        last_call = np.full(n, np.iinfo(np.int64).min)
        np.maximum.at(last_call, np.searchsorted(vessels, v_mmsi), v_end)
        seen = last_call > np.iinfo(np.int64).min
        since[seen] = np.maximum(last[seen] - last_call[seen], 0) / (24 * HOUR_MS)
    col["days_since_port"] = since
    col["no_port_call_seen"] = col["port_visits"] == 0

    # where the reports lie and how the vessel moves
    shore_km = distance_to_shore_km(tracks.lat, tracks.lon)
    high = (shore_km > params.high_seas_nm * NM_KM).astype(np.float64)
    col["high_seas_share"] = _per_vessel(tracks.mmsi, high, vessels) / np.maximum(
        col["positions"], 1
    )
    fp = _flag_port_km(tracks, np.isfinite(shore_km), ports, flags)
    col["flag_port_km_median"] = np.array([fp.get(int(m), np.nan) for m in vessels])
    col["slow_at_sea_hours"] = _slow_hours(tracks, shore_km, params, vessels)

    # events
    ev = events.filter(pa.compute.greater_equal(events.column("score"), params.min_score))
    e_type = np.asarray(ev.column("type").to_pylist(), dtype=object)
    e_mmsi = np.asarray(ev.column("mmsi").fill_null(0).to_numpy(), dtype=np.int64)
    e_other = np.asarray(ev.column("other_mmsi").fill_null(0).to_numpy(), dtype=np.int64)
    e_hours = ev.column("duration_h").to_numpy()
    col["encounters"] = np.zeros(n, np.int64)
    col["encounter_partners"] = np.zeros(n, np.int64)
    col["carrier_encounters"] = np.zeros(n, np.int64)
    partners: dict[int, set[int]] = {}
    for k in np.flatnonzero(e_type == "encounter"):
        for a, b in ((e_mmsi[k], e_other[k]), (e_other[k], e_mmsi[k])):
            i = int(np.searchsorted(vessels, a))
            if i < n and vessels[i] == a:
                col["encounters"][i] += 1
                partners.setdefault(i, set()).add(int(b))
                col["carrier_encounters"][i] += int(registry.is_carrier(int(b)))
    for i, ps in partners.items():
        col["encounter_partners"][i] = len(ps)
    for name, typ in (("loitering_hours", "loitering"), ("dark_hours", "gap")):
        sel = e_type == typ
        col[name] = _per_vessel(e_mmsi[sel].astype(np.uint32), e_hours[sel], vessels)
    sel = e_type == "identity"
    col["identity_events"] = _per_vessel(
        e_mmsi[sel].astype(np.uint32), np.ones(int(sel.sum())), vessels
    ).astype(np.int64)
    col["names_seen"] = np.array(
        [
            len({c.get("name") for c in registry.changes.get(int(m), []) if c.get("name")})
            for m in vessels
        ],
        dtype=np.int64,
    )
    arrays = [pa.array(col[name], typ, from_pandas=True) for name, typ, _ in FEATURE_COLUMNS]
    return pa.Table.from_arrays(arrays, names=[name for name, _, _ in FEATURE_COLUMNS])


def _slow_hours(
    tracks: Tracks, shore_km: F64, p: FeatureParams, vessels: npt.NDArray[np.uint32]
) -> F64:
    """Hours per vessel spent on steps at ``slow_kn`` speeds far enough from shore."""
    if tracks.n < 2:
        return np.zeros(vessels.size)
    from kernels.geo import step_distance_speed

    same = tracks.seg[1:] == tracks.seg[:-1]
    dt_h = (tracks.t[1:] - tracks.t[:-1]) / HOUR_MS
    speed = step_distance_speed(tracks.lat, tracks.lon, tracks.t)[1][:-1]
    ok = same & (dt_h <= p.max_step_h) & (speed >= p.slow_min_kn) & (speed <= p.slow_max_kn)
    ok &= shore_km[:-1] > p.slow_min_shore_nm * NM_KM
    return _per_vessel(tracks.mmsi[:-1][ok], dt_h[ok], vessels)


#: Columns :func:`voyage_features` adds to each voyage (docs/vessel-features.md).
VOYAGE_FEATURE_COLUMNS: tuple[tuple[str, pa.DataType, str], ...] = (
    (
        "high_seas_share",
        pa.float64(),
        "share of the voyage's reports more than 200 nm from any shore",
    ),
    ("encounters", pa.int64(), "encounters scored >= min_score that began on the voyage"),
    ("carrier_encounters", pa.int64(), "of those, encounters with a carrier"),
    ("loitering_hours", pa.float64(), "hours of loitering scored >= min_score on the voyage"),
    ("dark_hours", pa.float64(), "hours of AIS gaps scored >= min_score on the voyage"),
)


def voyage_features(
    tracks: Tracks,
    events: pa.Table,
    voyages: pa.Table,
    registry: Registry,
    params: FeatureParams = FeatureParams(),
) -> pa.Table:
    """``voyages`` with the columns of :data:`VOYAGE_FEATURE_COLUMNS`: the events each voyage
    holds (by ``evidence.voyage.id``, set by :mod:`vessels.pipeline.port_calls`) and where its
    reports lie."""
    import json

    n = voyages.num_rows
    index = {v: k for k, v in enumerate(voyages.column("voyage_id").to_pylist())}
    enc = np.zeros(n, np.int64)
    carrier = np.zeros(n, np.int64)
    loiter = np.zeros(n)
    dark = np.zeros(n)
    ev = events.filter(pa.compute.greater_equal(events.column("score"), params.min_score))
    for r in ev.select(["type", "other_mmsi", "duration_h", "evidence"]).to_pylist():
        voyage = (json.loads(r["evidence"]).get("voyage") or {}).get("id")
        k = index.get(voyage) if voyage else None
        if k is None:
            continue
        if r["type"] == "encounter":
            enc[k] += 1
            carrier[k] += int(r["other_mmsi"] is not None and registry.is_carrier(r["other_mmsi"]))
        elif r["type"] == "loitering":
            loiter[k] += r["duration_h"]
        elif r["type"] == "gap":
            dark[k] += r["duration_h"]
    # reports of each voyage: its vessel's rows between its start and end
    share = np.full(n, np.nan)
    if n and tracks.n:
        order = np.lexsort((tracks.t, tracks.mmsi))
        mm, tt = tracks.mmsi[order], tracks.t[order]
        far = (
            distance_to_shore_km(tracks.lat[order], tracks.lon[order]) > params.high_seas_nm * NM_KM
        )
        cum = np.r_[0, np.cumsum(far)]
        v_mmsi = voyages.column("mmsi").to_numpy().astype(np.int64)
        v_start = voyages.column("start").cast(pa.int64()).to_numpy()
        v_end = voyages.column("end").cast(pa.int64()).to_numpy()
        first = np.searchsorted(mm, v_mmsi, side="left")
        last = np.searchsorted(mm, v_mmsi, side="right")
        lo = np.empty(n, np.int64)
        hi = np.empty(n, np.int64)
        for k in range(n):
            a, b = int(first[k]), int(last[k])
            lo[k] = a + int(np.searchsorted(tt[a:b], v_start[k], side="left"))
            hi[k] = a + int(np.searchsorted(tt[a:b], v_end[k], side="right"))
        count = hi - lo
        share = np.where(count > 0, (cum[hi] - cum[lo]) / np.maximum(count, 1), np.nan)
    out = voyages
    for (name, typ, _), values in zip(
        VOYAGE_FEATURE_COLUMNS, (share, enc, carrier, loiter, dark), strict=True
    ):
        out = out.append_column(name, pa.array(values, typ, from_pandas=True))
    return out
