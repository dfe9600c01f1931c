"""Scenarios made independently of ``vessels.sim`` and of every detector, for quality checks.

Plain numpy. Tracks are simulated minute by minute in several open seas (the Indian Ocean, the
North Pacific across the antimeridian, the Gulf of Guinea, the North Atlantic, the South
Pacific), then *heard*
the way receivers hear them (satellite passes, class A/B rates, two terrestrial receivers near
ports, duplicates, out-of-order rows, sog missing on some rows) and written in formats other
tools write: NMEA with tag blocks, NMEA with trailing epochs, MarineCadastre CSV, a
self-describing CSV and Parquet.

Truth is labelled from the *true* minute tracks by the published definitions, not by the
detectors' code:
- encounter (GFW): two vessels within 500 m for >= 2 h with median speed < 2 kn, >= 10 km from
  any port, away from shore;
- loitering (RFMO / GFW): a carrier under 2 kn for >= 4 h at >= 20 nm from shore; other
  vessels slow that long are "don't care" (carriers are listed in ``carriers.csv``, the way
  GFW's ``transshipment-vessels.csv`` lists them);
- gap (Welch et al. 2022): transponder off >= 12 h, starting > 50 nm from shore, while other
  vessels around are heard.
Hard negatives: ships anchored near a port side by side, pair trawlers 200-400 m apart under
way at 3-4 kn, two slow ships crossing (within 500 m for about an hour), a receiver outage in
one sea where nobody is heard for 14-20 h, short silences of 3-9 h. The only geography used
is ``vessels.geo`` (distance to shore, the port list), to put the scene really at sea.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vessels.geo import distance_to_shore_km, port_index

START_MS = int(datetime(2024, 6, 1, tzinfo=UTC).timestamp() * 1000)
HOURS = 96
N_MIN = HOURS * 60
M_PER_DEG = 111_195.0
KN = 1852.0 / 3600.0  # m/s per knot
MIDS = (
    201,
    211,
    224,
    232,
    244,
    257,
    273,
    311,
    338,
    352,
    370,
    412,
    413,
    416,
    431,
    440,
    441,
    477,
    503,
    512,
    525,
    533,
    538,
    563,
    574,
    576,
    601,
    613,
    636,
    657,
    710,
    725,
    730,
)

# (name, centre lat, lon, writer, port near which ships anchor (lat, lon, bearing to sea deg))
SEAS = {
    "indian": (-15.0, 80.0, "nmea_tag", (-20.15, 57.49, 300.0)),  # off Port Louis
    "pacific": (40.5, 179.8, "marinecadastre", (51.86, -176.65, 0.0)),  # Adak, Aleutians
    "guinea": (-1.5, 2.0, "named_csv", (0.35, 6.73, 45.0)),  # Sao Tome
    "atlantic": (30.0, -40.0, "parquet", (38.53, -28.63, 90.0)),  # Horta, Azores
    "south_pacific": (-32.0, -125.0, "nmea_epoch", (-17.53, -149.57, 0.0)),  # off Papeete
}


@dataclass
class Vessel:
    mmsi: int
    kind: str  # fishing, carrier, cargo, unknown
    cls: str  # A or B
    sea: str
    lat: np.ndarray
    lon: np.ndarray
    sog: np.ndarray
    on: np.ndarray  # transponder transmitting, per minute
    name: str = ""


@dataclass
class Truth:
    type: str
    vessels: frozenset[int]
    start_ms: int
    end_ms: int
    care: bool = True  # False: a detection matching it is neither right nor wrong


@dataclass
class Scenario:
    vessels: list[Vessel]
    truth: list[Truth]
    negatives: list[Truth]
    files: list[Path] = field(default_factory=list)


def _step(lat: float, lon: float, dist_m: float, bearing_deg: float) -> tuple[float, float]:
    b = math.radians(bearing_deg)
    lat2 = lat + dist_m * math.cos(b) / M_PER_DEG
    lon2 = lon + dist_m * math.sin(b) / (M_PER_DEG * math.cos(math.radians(lat)))
    return lat2, (lon2 + 180.0) % 360.0 - 180.0


def _wander(
    rng: np.random.Generator,
    lat: float,
    lon: float,
    speeds: np.ndarray,
    centre: tuple[float, float],
    radius_km: float,
) -> tuple[np.ndarray, np.ndarray]:
    """A minute track at ``speeds`` (kn) turning slowly, steered back inside the circle."""
    n = speeds.size
    la, lo = np.empty(n), np.empty(n)
    h = rng.uniform(0, 360)
    for i in range(n):
        la[i], lo[i] = lat, lon
        dy = (centre[0] - lat) * M_PER_DEG
        dx = ((centre[1] - lon + 540) % 360 - 180) * M_PER_DEG * math.cos(math.radians(lat))
        if math.hypot(dx, dy) > radius_km * 1000:
            home = math.degrees(math.atan2(dx, dy)) % 360
            h += ((home - h + 540) % 360 - 180) * 0.1
        h += rng.normal(0, 2.0)
        lat, lon = _step(lat, lon, speeds[i] * KN * 60, h)
    return la, lo


def _legs(
    rng: np.random.Generator,
    la: np.ndarray,
    lo: np.ndarray,
    sp: np.ndarray,
    t0: int,
    t1: int,
    c: tuple[float, float],
) -> None:
    """Fill a track before ``t0`` and after ``t1`` with wandering legs at ``sp``."""
    a_la, a_lo = _wander(rng, la[t1 - 1], lo[t1 - 1], sp[t1 - 1 :], c, 90)
    la[t1 - 1 :], lo[t1 - 1 :] = a_la, a_lo
    b_la, b_lo = _wander(rng, la[t0], lo[t0], sp[: t0 + 1][::-1], c, 90)
    la[: t0 + 1], lo[: t0 + 1] = b_la[::-1], b_lo[::-1]


def _offset(lat: np.ndarray, lon: np.ndarray, dist_m: np.ndarray, bearing: np.ndarray):  # type: ignore[no-untyped-def]
    b = np.radians(bearing)
    la = lat + dist_m * np.cos(b) / M_PER_DEG
    lo = lon + dist_m * np.sin(b) / (M_PER_DEG * np.cos(np.radians(lat)))
    return la, (lo + 180.0) % 360.0 - 180.0


def _dist_m(la1, lo1, la2, lo2):  # type: ignore[no-untyped-def]
    dx = ((lo2 - lo1 + 540) % 360 - 180) * M_PER_DEG * np.cos(np.radians((la1 + la2) / 2))
    return np.hypot(dx, (la2 - la1) * M_PER_DEG)


class _Maker:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[int] = set()
        self.vessels: list[Vessel] = []
        self.negatives: list[Truth] = []

    def mmsi(self) -> int:
        while True:
            m = int(self.rng.choice(MIDS)) * 1_000_000 + int(self.rng.integers(100_000, 999_999))
            if m not in self.used:
                self.used.add(m)
                return m

    def add(self, kind: str, cls: str, sea: str, lat, lon, sog) -> Vessel:  # type: ignore[no-untyped-def]
        names = {"fishing": "FV", "carrier": "REEFER", "cargo": "MV", "unknown": ""}
        v = Vessel(
            self.mmsi(),
            kind,
            cls,
            sea,
            np.asarray(lat),
            np.asarray(lon),
            np.asarray(sog, dtype=float),
            np.ones(N_MIN, bool),
        )
        v.name = f"{names[kind]} {chr(65 + len(self.vessels) % 26)}{len(self.vessels)}".strip()
        self.vessels.append(v)
        return v


def _sea_point(
    rng: np.random.Generator, c: tuple[float, float], r_km: float
) -> tuple[float, float]:
    a, d = rng.uniform(0, 360), rng.uniform(0, r_km * 1000)
    return _step(c[0], c[1], d, a)


def _make_sea(mk: _Maker, sea: str) -> None:
    rng = mk.rng
    clat, clon, _, port = SEAS[sea]
    c = (clat, clon)
    hole0 = int(rng.uniform(68, 74) * 60)
    hole1 = hole0 + int(rng.uniform(14, 20) * 60)

    def speeds(lo: float, hi: float) -> np.ndarray:
        return np.clip(rng.uniform(lo, hi) + np.cumsum(rng.normal(0, 0.02, N_MIN)), lo, hi)

    # background: fishing and cargo under way (others heard around every event)
    for _ in range(7):
        kind = str(rng.choice(["fishing", "cargo", "unknown"]))
        sp = speeds(3.0, 5.0) if kind == "fishing" else speeds(9.0, 13.0)
        la, lo = _wander(rng, *_sea_point(rng, c, 60), sp, c, 90)
        mk.add(kind, str(rng.choice(["A", "B"], p=[0.7, 0.3])), sea, la, lo, sp)
    # encounters: carrier and fishing vessel drift together, arrive and leave under way
    for _ in range(2):
        # durations and distances as in GFW's 11,681 carrier encounters 2012-2017
        # (../shared/data/gfw_transshipment_events_2012_2017: duration median 7.3 h, IQR
        # 3.5-16.5 h; median distance 40 m, IQR 29-56 m; median speed 0.55 kn)
        t0 = int(rng.uniform(6, 30) * 60)
        dur = int(np.clip(rng.lognormal(math.log(7.0), 0.8), 2.3, 64 - t0 / 60) * 60)
        m = _sea_point(rng, c, 80)
        car_sp = np.full(N_MIN, rng.uniform(10, 12))
        drift = rng.uniform(0.0, 1.2)
        car_sp[t0 : t0 + dur] = np.clip(drift + rng.normal(0, 0.15, dur), 0.05, 1.8)
        # carrier: drift from m during the meeting, under way (steered at sea) before and after
        la, lo = np.empty(N_MIN), np.empty(N_MIN)
        la[t0], lo[t0] = m
        hd = rng.uniform(0, 360)
        for i in range(t0 + 1, t0 + dur):
            hd += rng.normal(0, 1.0)
            la[i], lo[i] = _step(la[i - 1], lo[i - 1], car_sp[i - 1] * KN * 60, hd)
        _legs(rng, la, lo, car_sp, t0, t0 + dur, c)
        mk.add("carrier", "A", sea, la, lo, car_sp)
        fv_sp = np.full(N_MIN, rng.uniform(7, 9))
        sep0 = float(np.clip(rng.lognormal(math.log(42.0), 0.45), 12, 300))
        sep = np.clip(sep0 + np.cumsum(rng.normal(0, 1, dur)), 10, 400)
        fla, flo = np.empty(N_MIN), np.empty(N_MIN)
        fla[t0 : t0 + dur], flo[t0 : t0 + dur] = _offset(
            la[t0 : t0 + dur], lo[t0 : t0 + dur], sep, rng.uniform(0, 360) + np.zeros(dur)
        )
        fv_sp[t0 : t0 + dur] = car_sp[t0 : t0 + dur]
        _legs(rng, fla, flo, fv_sp, t0, t0 + dur, c)
        mk.add("fishing", str(rng.choice(["A", "B"])), sea, fla, flo, fv_sp)
    # a carrier loitering alone, under way before and after
    for _ in range(1):
        t0, dur = int(rng.uniform(4, 30) * 60), int(rng.uniform(5, 26) * 60)
        sp = speeds(9, 12)
        sp[t0 : t0 + dur] = np.clip(rng.uniform(0.2, 1.5) + rng.normal(0, 0.2, dur), 0.0, 1.9)
        la, lo = _wander(rng, *_sea_point(rng, c, 40), sp, c, 70)
        mk.add(str(rng.choice(["carrier", "unknown"])), "A", sea, la, lo, sp)
    # dark: a fishing vessel or cargo under way switches off 12-40 h, > 50 nm out (checked later)
    for _ in range(2):
        kind = str(rng.choice(["fishing", "cargo"]))
        sp = speeds(3.5, 5.0) if kind == "fishing" else speeds(9, 12)
        la, lo = _wander(rng, *_sea_point(rng, c, 60), sp, c, 90)
        v = mk.add(kind, "A", sea, la, lo, sp)
        off0 = int(rng.uniform(8, 30) * 60)
        v.on[off0 : off0 + int(rng.uniform(12.5, 36) * 60)] = False
    # hard negative: short silences offshore
    for _ in range(2):
        sp = speeds(3.0, 11.0)
        la, lo = _wander(rng, *_sea_point(rng, c, 60), sp, c, 90)
        v = mk.add(str(rng.choice(["fishing", "cargo", "unknown"])), "A", sea, la, lo, sp)
        off0, off = int(rng.uniform(8, 50) * 60), int(rng.uniform(3, 9) * 60)
        v.on[off0 : off0 + off] = False
        mk.negatives.append(Truth("gap", frozenset({v.mmsi}), _ms(off0), _ms(off0 + off)))
    # hard negative: pair trawlers side by side under way at 3-4 kn for the whole period
    sp = speeds(3.0, 4.0)
    la, lo = _wander(rng, *_sea_point(rng, c, 40), sp, c, 70)
    a = mk.add("fishing", "A", sea, la, lo, sp)
    sep = np.clip(rng.uniform(200, 400) + np.cumsum(rng.normal(0, 1, N_MIN)), 150, 450)
    pla, plo = _offset(la, lo, sep, np.full(N_MIN, rng.uniform(0, 360)))
    b = mk.add("fishing", "A", sea, pla, plo, sp + rng.normal(0, 0.05, N_MIN))
    mk.negatives.append(Truth("encounter", frozenset({a.mmsi, b.mmsi}), _ms(0), _ms(N_MIN)))
    # hard negative: two slow ships crossing at a small angle (about an hour within 500 m)
    t0 = int(rng.uniform(10, 50) * 60)
    m = _sea_point(rng, c, 50)
    hd = rng.uniform(0, 360)
    for sgn in (-1, 1):  # slow (1.8 kn) for 3 h around the crossing only: not loitering
        sp = np.full(N_MIN, 10.0)
        sp[t0 - 90 : t0 + 90] = 1.8
        la, lo = np.empty(N_MIN), np.empty(N_MIN)
        for i in range(t0 - 90, t0 + 90):
            la[i], lo[i] = _step(m[0], m[1], (i - t0) * 1.8 * KN * 60, hd + sgn * 8.0)
        _legs(rng, la, lo, sp, t0 - 90, t0 + 90, c)
        mk.add("cargo", "A", sea, la, lo, sp)
    pair = frozenset(v.mmsi for v in mk.vessels[-2:])
    mk.negatives.append(Truth("encounter", pair, _ms(t0 - 120), _ms(t0 + 120)))
    # hard negative: two ships anchored 2-3 km off a port, 150-300 m apart
    plat, plon, sea_b = _anchorage(port)
    for k in range(2):
        alat, alon = _step(plat, plon, 4000 + 250 * k, sea_b)
        la = alat + rng.normal(0, 30, N_MIN).cumsum().clip(-60, 60) / M_PER_DEG
        lo = alon + rng.normal(0, 30, N_MIN).cumsum().clip(-60, 60) / M_PER_DEG
        mk.add(
            str(rng.choice(["cargo", "unknown"])),
            "A",
            sea + ":port",
            la,
            lo,
            rng.uniform(0, 0.3, N_MIN),
        )
    pair = frozenset(v.mmsi for v in mk.vessels[-2:])
    mk.negatives.append(Truth("encounter", pair, _ms(0), _ms(N_MIN)))
    # receiver outage over this sea: nobody heard (coverage hole, not dark)
    for v in mk.vessels:
        if v.sea == sea:
            v.on[hole0:hole1] &= False  # unheard: mark in a separate mask below
            v.__dict__.setdefault("hole", (hole0, hole1))
            mk.negatives.append(Truth("gap", frozenset({v.mmsi}), _ms(hole0), _ms(hole1)))


def _anchorage(guess: tuple[float, float, float]) -> tuple[float, float, float]:
    """The listed port nearest ``guess`` and the bearing that leads to open water from it."""
    ports = port_index()
    _, idx = ports.nearest(guess[0], guess[1])
    plat, plon = float(ports.lat[idx[0]]), float(ports.lon[idx[0]])
    bearings = np.arange(0.0, 360.0, 15.0)
    pts = [_step(plat, plon, 4000, b) for b in bearings]
    d = distance_to_shore_km([p[0] for p in pts], [p[1] for p in pts])
    return plat, plon, float(bearings[int(np.argmax(d))])


def _ms(minute: int) -> int:
    return START_MS + int(minute) * 60_000


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    d = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


def label(vessels: list[Vessel]) -> list[Truth]:
    """Truth from the true minute tracks by the published definitions."""
    out: list[Truth] = []
    shore_nm = {v.mmsi: distance_to_shore_km(v.lat, v.lon) / 1.852 for v in vessels}
    ports = port_index()
    for v in vessels:
        hole = v.__dict__.get("hole", (0, 0))
        on = v.on.copy()
        on[hole[0] : hole[1]] = True  # the outage is not the transponder's doing
        for a, b in _runs(~on):
            if b - a >= 12 * 60 and shore_nm[v.mmsi][a] > 50 and a > 0 and b < N_MIN:
                out.append(Truth("gap", frozenset({v.mmsi}), _ms(a), _ms(b)))
        slow = v.sog < 2.0
        for a, b in _runs(slow & (shore_nm[v.mmsi] >= 20)):
            if b - a >= 4 * 60:
                care = v.kind == "carrier"  # RFMO carrier loitering; others: don't care
                out.append(Truth("loitering", frozenset({v.mmsi}), _ms(a), _ms(b), care))
    offshore = [v for v in vessels if not v.sea.endswith(":port")]
    for i, v in enumerate(offshore):
        for w in offshore[i + 1 :]:
            d = _dist_m(v.lat, v.lon, w.lat, w.lon)
            for a, b in _runs(d <= 500):
                if b - a < 120:
                    continue
                med = np.median(np.r_[v.sog[a:b], w.sog[a:b]])
                pk = ports.nearest(v.lat[a:b], v.lon[a:b])[0].min()
                if med < 2.0 and pk >= 10 and shore_nm[v.mmsi][a:b].min() > 3:
                    out.append(Truth("encounter", frozenset({v.mmsi, w.mmsi}), _ms(a), _ms(b)))
    return out


def make(seed: int, seas: tuple[str, ...] = tuple(SEAS)) -> Scenario:
    rng = np.random.default_rng(seed)
    mk = _Maker(rng)
    for sea in seas:
        _make_sea(mk, sea)
    for v in mk.vessels:  # every position really at sea
        d = distance_to_shore_km(v.lat, v.lon)
        floor = -6.0 if v.sea.endswith(":port") else 60.0  # 0.1-degree grid at ports
        assert d.min() > floor, (v.sea, v.kind, float(d.min()))
    return Scenario(mk.vessels, label(mk.vessels), mk.negatives)


# ---------------------------------------------------------------- reception


def hear(sc: Scenario, seed: int) -> dict[str, list[dict[str, object]]]:
    """Reports per sea as receivers deliver them: rows with t in ms (unsorted, duplicates)."""
    rng = np.random.default_rng(seed + 1)
    rows: dict[str, list[dict[str, object]]] = {}
    for sea in SEAS:
        passes, t = [], rng.uniform(0, 0.5)
        while t < HOURS:
            passes.append(t)
            t += rng.uniform(0.15, 1.2) if rng.random() < 0.85 else rng.uniform(1.0, 6.0)
        rows[sea] = []
        for v in (v for v in sc.vessels if v.sea.split(":")[0] == sea):
            hole = v.__dict__.get("hole", (0, 0))
            on = v.on.copy()
            on[hole[0] : hole[1]] = False
            if v.sea.endswith(":port"):  # two terrestrial receivers, 2 s to 3 min apart
                ts = np.cumsum(rng.uniform(2, 180, int(HOURS * 3600 / 60)))
                ts = ts[ts < HOURS * 3600]
                recv = ["TERR-1"] * ts.size
                dup = rng.random(ts.size) < 0.3
                ts = np.r_[ts, ts[dup] + rng.integers(0, 2, dup.sum())]
                recv += ["TERR-2"] * int(dup.sum())
            else:
                p = 0.9 if v.cls == "A" else 0.4
                ts_l, recv = [], []
                for ph in passes:
                    if rng.random() > p:
                        continue
                    n = int(rng.integers(1, 6 if v.cls == "A" else 3))
                    gap_s = 10 if v.cls == "A" else 30
                    t0 = ph * 3600 + rng.uniform(0, 300)
                    for k in range(n):
                        ts_l.append(t0 + k * gap_s * rng.uniform(1, 3))
                        recv.append(f"SAT-{1 + int(ph * 7) % 3}")
                    if rng.random() < 0.1:  # a second satellite hears the same message
                        ts_l.append(t0 + 1)
                        recv.append("SAT-9")
                ts = np.asarray(ts_l)
            keep = (ts < HOURS * 3600 - 1) & on[np.minimum((ts // 60).astype(int), N_MIN - 1)]
            ts = ts[keep]
            recv = [r for r, k in zip(recv, keep, strict=True) if k]
            mins = np.arange(N_MIN) * 60.0
            lo_un = np.degrees(np.unwrap(np.radians(v.lon)))
            la = np.interp(ts, mins, v.lat) + rng.normal(0, 5, ts.size) / M_PER_DEG
            lo = (np.interp(ts, mins, lo_un) + 180) % 360 - 180
            sog = np.interp(ts, mins, v.sog) + rng.normal(0, 0.1, ts.size)
            sog = np.round(np.clip(sog, 0, 102), 1)
            sog[rng.random(ts.size) < 0.03] = np.nan
            i = np.clip((ts // 60).astype(int), 0, N_MIN - 2)
            dy = v.lat[i + 1] - v.lat[i]
            dx = ((v.lon[i + 1] - v.lon[i] + 540) % 360 - 180) * np.cos(np.radians(v.lat[i]))
            cog = np.round(np.degrees(np.arctan2(dx, dy)) % 360, 1)
            for k in range(ts.size):
                rows[sea].append(
                    {
                        "v": v,
                        "t": START_MS + int(ts[k] * 1000),
                        "lat": float(la[k]),
                        "lon": float(lo[k]),
                        "sog": float(sog[k]),
                        "cog": float(cog[k]),
                        "recv": recv[k],
                    }
                )
        # delivery order: mostly by time, satellite rows delayed and out of order
        delay = np.array(
            [
                rng.exponential(20 * 60_000) if str(r["recv"]).startswith("SAT") else 0
                for r in rows[sea]
            ]
        )
        order = np.argsort(np.array([r["t"] for r in rows[sea]]) + delay, kind="stable")
        rows[sea] = [rows[sea][j] for j in order]
    return rows


# ---------------------------------------------------------------- writers

SHIP_TYPE = {"fishing": 30, "carrier": 70, "cargo": 70, "unknown": 0}


def _bits(fields: list[tuple[int, int]]) -> str:
    return "".join(format(val & ((1 << n) - 1), f"0{n}b") for val, n in fields)


def _text(s: str, n: int) -> list[tuple[int, int]]:
    s = (s.upper() + "@" * n)[:n]
    return [((ord(ch) - 64) if ord(ch) >= 64 else ord(ch), 6) for ch in s]


def _armour(bits: str) -> tuple[str, int]:
    fill = (-len(bits)) % 6
    bits += "0" * fill
    chars = []
    for i in range(0, len(bits), 6):
        v = int(bits[i : i + 6], 2)
        chars.append(chr(v + 48 if v < 40 else v + 56))
    return "".join(chars), fill


def _cs(s: str) -> str:
    x = 0
    for ch in s:
        x ^= ord(ch)
    return f"{x:02X}"


def _position_bits(v: Vessel, r: dict[str, object]) -> str:
    sog = r["sog"]
    s = 1023 if isinstance(sog, float) and math.isnan(sog) else int(round(float(sog) * 10))  # type: ignore[arg-type]
    lon, lat = int(round(float(r["lon"]) * 600000)), int(round(float(r["lat"]) * 600000))  # type: ignore[arg-type]
    cog, sec = int(round(float(r["cog"]) * 10)) % 3600, (int(r["t"]) // 1000) % 60  # type: ignore[call-overload]
    if v.cls == "A":
        return _bits(
            [
                (1, 6),
                (0, 2),
                (v.mmsi, 30),
                (0, 4),
                (-128, 8),
                (s, 10),
                (0, 1),
                (lon, 28),
                (lat, 27),
                (cog, 12),
                (511, 9),
                (sec, 6),
                (0, 6),
                (0, 19),
            ]
        )
    return _bits(
        [
            (18, 6),
            (0, 2),
            (v.mmsi, 30),
            (0, 8),
            (s, 10),
            (0, 1),
            (lon, 28),
            (lat, 27),
            (cog, 12),
            (511, 9),
            (sec, 6),
            (0, 2),
            (1, 1),
            (0, 5),
            (1, 1),
            (0, 20),
        ]
    )


def _static5_bits(v: Vessel) -> str:
    return _bits(
        [
            (5, 6),
            (0, 2),
            (v.mmsi, 30),
            (0, 2),
            (0, 30),
            *_text("", 7),
            *_text(v.name, 20),
            (SHIP_TYPE[v.kind], 8),
            (60, 9),
            (20, 9),
            (6, 6),
            (6, 6),
            (1, 4),
            (0, 4),
            (0, 5),
            (24, 5),
            (60, 6),
            (0, 8),
            *_text("", 20),
            (0, 1),
            (0, 1),
        ]
    )


def write_nmea(path: Path, rows: list[dict[str, object]], tag_blocks: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    lines: list[str] = []
    seen_static: set[int] = set()
    grp = 0

    def emit(
        payload: str, fill: int, t_ms: int, recv: str, part: tuple[int, int, int] | None
    ) -> None:
        n, k, sid = part or (1, 1, 0)
        ch = "AB"[grp % 2] if part else "AB"[int(rng.integers(2))]  # both parts on one channel
        body = f"AIVDM,{n},{k},{sid if part else ''},{ch},{payload},{fill}"
        nmea = f"!{body}*{_cs(body)}"
        if tag_blocks:
            tag = f"s:{recv},c:{t_ms // 1000}" + (f",g:{k}-{n}-{grp}" if part else "")
            lines.append(f"\\{tag}*{_cs(tag)}\\{nmea}")
        else:
            lines.append(f"{nmea},{t_ms // 1000}")

    for r in rows:
        v: Vessel = r["v"]  # type: ignore[assignment]
        t_ms = int(r["t"])  # type: ignore[call-overload]
        if (
            v.cls == "A"
            and v.kind != "unknown"
            and (v.mmsi not in seen_static or rng.random() < 0.01)
        ):
            seen_static.add(v.mmsi)
            grp += 1
            payload, fill = _armour(_static5_bits(v))
            emit(payload[:60], 0, t_ms, str(r["recv"]), (2, 1, grp % 10))
            emit(payload[60:], fill, t_ms, str(r["recv"]), (2, 2, grp % 10))
        payload, fill = _armour(_position_bits(v, r))
        emit(payload, fill, t_ms, str(r["recv"]), None)
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


def _iso(t_ms: int, z: bool) -> str:
    s = datetime.fromtimestamp(t_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return s + ("Z" if z else "")


def write_marinecadastre(path: Path, rows: list[dict[str, object]]) -> None:
    head = (
        "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,"
        "Status,Length,Width,Draft,Cargo,TransceiverClass"
    )
    out = [head]
    for r in rows:
        v: Vessel = r["v"]  # type: ignore[assignment]
        sog = "" if math.isnan(float(r["sog"])) else f"{r['sog']:.1f}"  # type: ignore[arg-type]
        vt = SHIP_TYPE[v.kind] or ""
        out.append(
            f"{v.mmsi},{_iso(int(r['t']), False)},{r['lat']:.5f},{r['lon']:.5f},{sog},"  # type: ignore[call-overload]
            f"{r['cog']:.1f},511.0,{v.name},,,{vt},0.0,80.0,12.0,,,{v.cls}"
        )
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _named_columns(rows: list[dict[str, object]]) -> dict[str, list[object]]:
    cols: dict[str, list[object]] = {
        k: []
        for k in (
            "mmsi",
            "timestamp_utc",
            "lat",
            "lon",
            "sog_knots",
            "cog_deg",
            "shipname",
            "ship_type",
        )
    }
    for r in rows:
        v: Vessel = r["v"]  # type: ignore[assignment]
        cols["mmsi"].append(v.mmsi)
        cols["timestamp_utc"].append(_iso(int(r["t"]), True))  # type: ignore[call-overload]
        cols["lat"].append(round(float(r["lat"]), 6))  # type: ignore[arg-type]
        cols["lon"].append(round(float(r["lon"]), 6))  # type: ignore[arg-type]
        sog = float(r["sog"])  # type: ignore[arg-type]
        cols["sog_knots"].append(None if math.isnan(sog) else sog)
        cols["cog_deg"].append(r["cog"])
        cols["shipname"].append(v.name)
        cols["ship_type"].append(SHIP_TYPE[v.kind] or None)
    return cols


def write_named_csv(path: Path, rows: list[dict[str, object]]) -> None:
    cols = _named_columns(rows)
    keys = list(cols)
    out = [",".join(keys)]
    for i in range(len(rows)):
        out.append(",".join("" if cols[k][i] is None else str(cols[k][i]) for k in keys))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def write_parquet(path: Path, rows: list[dict[str, object]]) -> None:
    cols = _named_columns(rows)
    pq.write_table(pa.table(cols), path)


def write(sc: Scenario, out: Path, seed: int) -> list[Path]:
    """Each sea in its own format: NMEA with tag blocks, MarineCadastre CSV, self-describing
    CSV, Parquet (and NMEA with trailing epochs for any further sea); the input files are
    returned, ``out/carriers.csv`` lists the carriers."""
    out.mkdir(parents=True, exist_ok=True)
    rows = hear(sc, seed)
    files = []
    for sea, (_, _, fmt, _) in SEAS.items():
        if not rows[sea]:
            continue
        if fmt == "nmea_tag":
            p = out / f"{sea}.nmea"
            write_nmea(p, rows[sea], True, seed)
        elif fmt == "marinecadastre":
            p = out / f"{sea}_AIS_2024_06_01.csv"
            write_marinecadastre(p, rows[sea])
        elif fmt == "named_csv":
            p = out / f"{sea}.csv"
            write_named_csv(p, rows[sea])
        elif fmt == "parquet":
            p = out / f"{sea}.parquet"
            write_parquet(p, rows[sea])
        else:
            p = out / f"{sea}.txt"
            write_nmea(p, rows[sea], False, seed)
        files.append(p)
    sc.files = files
    carriers = out / "carriers.csv"
    carriers.write_text(
        "mmsi,shipname\n"
        + "".join(f"{v.mmsi},{v.name}\n" for v in sc.vessels if v.kind == "carrier"),
        encoding="utf-8",
    )
    _mark_unobservable(sc, rows)
    return files


def _mark_unobservable(sc: Scenario, rows: dict[str, list[dict[str, object]]]) -> None:
    """Encounters and loitering that reception left unobservable become "don't care": the
    span in which every vessel of the event was heard inside it is shorter than the rule's
    minimum (2 h, 4 h), e.g. a satellite hole that hid a pair's whole meeting."""
    heard: dict[int, list[int]] = {}
    for sea_rows in rows.values():
        for r in sea_rows:
            heard.setdefault(r["v"].mmsi, []).append(int(r["t"]))  # type: ignore[attr-defined,call-overload]
    times = {m: np.sort(np.asarray(t)) for m, t in heard.items()}
    need_h = {"encounter": 2.0, "loitering": 4.0}
    for tr in sc.truth:
        if tr.type not in need_h:
            continue
        first, last = [], []
        for m in tr.vessels:
            t = times.get(m, np.zeros(0, np.int64))
            t = t[(t >= tr.start_ms) & (t <= tr.end_ms)]
            first.append(t[0] if t.size else tr.end_ms)
            last.append(t[-1] if t.size else tr.start_ms)
        if (min(last) - max(first)) / 3.6e6 < need_h[tr.type] * 0.75:
            tr.care = False


# ---------------------------------------------------------------- scoring


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    fragments: int = 0
    missed: list[Truth] = field(default_factory=list)
    false: list[tuple[frozenset[int], int, int, float]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    inter = min(a1, b1) - max(a0, b0)
    return inter > 0 and inter >= 0.3 * min(a1 - a0, b1 - b0)


def score(
    events: pa.Table, truth: list[Truth], types: tuple[str, ...], min_score: float = 0.5
) -> dict[str, Score]:
    """Plain one-to-one matcher: same type, same vessel set, overlapping in time (30 % of the
    shorter interval). Detections matching a don't-care truth are not counted; further pieces
    of a true event already matched count as ``fragments``, not as false."""
    ev = events.to_pylist()
    out: dict[str, Score] = {}
    for typ in types:
        s = Score()
        dets = [e for e in ev if e["type"] == typ and e["score"] >= min_score]
        used: set[int] = set()
        for tr in (x for x in truth if x.type == typ):
            hit = None
            for j, e in enumerate(dets):
                vs = frozenset(x for x in (e["mmsi"], e["other_mmsi"]) if x is not None)
                t0, t1 = _t(e["start"]), _t(e["end"])
                if j not in used and vs == tr.vessels and _overlaps(t0, t1, tr.start_ms, tr.end_ms):
                    hit = j
                    break
            if hit is not None:
                used.add(hit)
                s.tp += tr.care
            elif tr.care:
                s.fn += 1
                s.missed.append(tr)
        for j, e in enumerate(dets):
            if j not in used:
                vs = frozenset(x for x in (e["mmsi"], e["other_mmsi"]) if x is not None)
                t0, t1 = _t(e["start"]), _t(e["end"])
                if any(tr.type == typ and tr.vessels == vs and _overlaps(t0, t1, tr.start_ms,
                       tr.end_ms) for tr in truth):  # fmt: skip
                    s.fragments += 1  # a second piece of a true event: split, not false
                    continue
                s.fp += 1
                vs = frozenset(x for x in (e["mmsi"], e["other_mmsi"]) if x is not None)
                s.false.append((vs, _t(e["start"]), _t(e["end"]), float(e["score"])))
        out[typ] = s
    return out


def _t(x: object) -> int:
    if isinstance(x, datetime):
        return int(x.timestamp() * 1000)
    return int(x)  # type: ignore[call-overload]
