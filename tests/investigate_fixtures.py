"""Hand-made inputs for the investigate, scoring, grid and report tests (seeded, small)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from vessels.events import Event, events_to_table
from vessels.schema import POSITIONS_SCHEMA, STATIC_SCHEMA

T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z
HOUR = 3_600_000
EVIL_HTML = "<IMG SRC=X ONERROR=ALERT(1)>"
EVIL_CSV = '=HYPERLINK("X")'


def positions_table(
    n_vessels: int = 6, hours: int = 30, seed: int = 1, gap_mmsi: int | None = None
) -> pa.Table:
    """Vessels steaming east off West Africa, one report every 10 minutes; ``gap_mmsi`` goes
    silent for 12 hours in the middle."""
    rng = np.random.default_rng(seed)
    cols: dict[str, list[Any]] = {f.name: [] for f in POSITIONS_SCHEMA}
    for v in range(n_vessels):
        mmsi = 224_000_001 + v
        lat0 = 4.0 + v * 0.3 + rng.uniform(-0.05, 0.05)
        lon0 = -8.0 + rng.uniform(-0.2, 0.2)
        for k in range(hours * 6):
            t = T0 + k * 600_000
            if mmsi == gap_mmsi and 9 * HOUR <= t - T0 <= 21 * HOUR:
                continue
            cols["mmsi"].append(mmsi)
            cols["t"].append(t)
            cols["lat"].append(lat0 + 0.001 * k * np.sin(v))
            cols["lon"].append(lon0 + 0.02 * k)
            cols["sog"].append(10.0)
            cols["cog"].append(90.0)
            cols["heading"].append(90)
            cols["nav_status"].append(0)
            cols["msg_type"].append(1)
            cols["receiver"].append("sat" if k % 3 == 0 else "shore")
            cols["is_sat"].append(k % 3 == 0)
            cols["ais_second"].append(-1)
    return pa.table(
        {f.name: pa.array(cols[f.name], type=f.type) for f in POSITIONS_SCHEMA},
        schema=POSITIONS_SCHEMA,
    )


def static_table(names: dict[int, list[str]], imo: dict[int, int] | None = None) -> pa.Table:
    """Static reports: each name in the list at a later time (name changes); ``imo`` overrides
    the IMO number of some MMSIs (to share one hull's IMO between MMSIs)."""
    cols: dict[str, list[Any]] = {f.name: [] for f in STATIC_SCHEMA}
    for mmsi, seq in sorted(names.items()):
        for k, name in enumerate(seq):
            row = {
                "mmsi": mmsi,
                "t": T0 + k * 5 * HOUR,
                "msg_type": 5,
                "imo": (imo or {}).get(mmsi, 9_000_000 + mmsi % 1000),
                "callsign": f"CS{mmsi % 100}",
                "name": name,
                "ship_type": 30,
                "to_bow": 20,
                "to_stern": 10,
                "to_port": 4,
                "to_starboard": 4,
                "destination": "=CMD|' /C CALC'!A0" if "HYPER" in name else "ABIDJAN",
                "receiver": "shore",
            }
            for f in STATIC_SCHEMA:
                cols[f.name].append(row[f.name])
    return pa.table(
        {f.name: pa.array(cols[f.name], type=f.type) for f in STATIC_SCHEMA}, schema=STATIC_SCHEMA
    )


def events_for(gap_mmsi: int, pair: tuple[int, int], loiter_mmsi: int) -> pa.Table:
    evs = [
        Event(
            "gap",
            gap_mmsi,
            T0 + 9 * HOUR,
            T0 + 21 * HOUR,
            4.3,
            -7.0,
            0.9,
            ["AIS off for 12.0 h, 60 nm from shore <b>bold</b>"],
            {"points_before": 30, "points_after": 40, "sat_positions_per_day": 25.0},
        ),
        Event(
            "encounter",
            pair[0],
            T0 + 2 * HOUR,
            T0 + 6 * HOUR,
            4.9,
            -7.5,
            0.8,
            ["Within 300 m for 4.0 h at 0.8 kn"],
            {"median_distance_m": 300.0, "median_speed_kn": 0.8},
            other_mmsi=pair[1],
        ),
        Event(
            "loitering",
            loiter_mmsi,
            T0 + 10 * HOUR,
            T0 + 16 * HOUR,
            5.2,
            -6.5,
            0.6,
            ["Below 2 kn for 6.0 h, 40 nm from shore"],
            {"mean_speed_kn": 1.1},
        ),
        Event(
            "dark_detection",
            None,
            T0 + 12 * HOUR,
            T0 + 12 * HOUR,
            5.0,
            -6.0,
            0.7,
            ["SAR detection with no AIS within 5 km"],
            {"detection_id": "d1", "length_m": 60.0},
            id_key="d1",
        ),
        Event(  # below the default minimum score: must not flag anyone
            "loitering",
            224_000_006,
            T0 + 20 * HOUR,
            T0 + 24 * HOUR,
            5.5,
            -6.2,
            0.3,
            ["weak"],
            {},
        ),
    ]
    return events_to_table(evs)
