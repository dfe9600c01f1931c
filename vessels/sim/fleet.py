"""Who is at sea: MMSIs with real flag prefixes (MIDs), names, ITU ship types and dimensions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vessels.sim.motion import Track

__all__ = ["KINDS", "Vessel", "make_identity"]

# kind: (ITU ship type, AIS class, length range m, MIDs of flags seen in the trade)
KINDS: dict[str, tuple[int, str, tuple[float, float], tuple[int, ...]]] = {
    "fishing": (30, "A", (25.0, 90.0), (701, 412, 440, 416, 224, 725)),
    "carrier": (70, "A", (90.0, 160.0), (352, 373, 576, 636, 412)),  # reefers / fish carriers
    "cargo": (70, "A", (120.0, 300.0), (636, 538, 352, 477, 710)),
    "tanker": (80, "A", (150.0, 330.0), (636, 538, 352, 311)),
    "tug": (52, "A", (25.0, 40.0), (701,)),
    "pleasure": (37, "B", (8.0, 20.0), (701,)),
    "buoy": (0, "B", (1.0, 3.0), (0,)),  # gear buoys: 99 + MID-like digits, names with %
    "dark": (30, "-", (20.0, 70.0), (0,)),  # no AIS at all: seen only from space
}
# speeds in knots the motion plans keep within (tests check them)
SPEED_RANGE_KN: dict[str, tuple[float, float]] = {
    "fishing": (0.0, 12.0),
    "carrier": (0.0, 14.5),
    "cargo": (0.0, 16.0),
    "tanker": (0.0, 16.0),
    "tug": (0.0, 12.0),
    "pleasure": (0.0, 20.0),
    "buoy": (0.0, 1.6),
    "dark": (0.0, 12.0),
}

_SYL = (
    "HAI",
    "YU",
    "LONG",
    "SHENG",
    "MAR",
    "DEL",
    "SUR",
    "AUSTRAL",
    "ORION",
    "POLAR",
    "KAI",
    "FENG",
    "STAR",
    "NOVA",
    "ATLAN",
    "PESCA",
    "SAN",
    "JIN",
    "DONG",
    "FU",
    "REEFER",
    "FROST",
)


@dataclass
class Vessel:
    """One physical ship (or buoy) and the identity its transponder broadcasts."""

    vid: int
    kind: str
    mmsi: int  # 0: no AIS
    name: str
    callsign: str
    imo: int  # 0: none
    ship_type: int
    length_m: float
    beam_m: float
    ais_class: str  # "A", "B" or "-"
    flag_mid: int
    track: Track
    roles: list[str] = field(default_factory=list)
    clone_of: int | None = None  # vid of the ship whose MMSI this one also broadcasts
    twin_of: int | None = None  # vid of the ship this second transponder (own MMSI) sits on
    registered: bool = True  # carriers: on carriers.csv (the registry the detectors get)

    @property
    def is_carrier(self) -> bool:
        return self.kind == "carrier"


def make_identity(
    kind: str, vid: int, rng: np.random.Generator, used: set[int]
) -> tuple[int, str, str, int, int, float, float, str, int]:
    """A fresh identity: (mmsi, name, callsign, imo, ship_type, length, beam, class, mid)."""
    ship_type, cls, (lmin, lmax), mids = KINDS[kind]
    mid = int(mids[int(rng.integers(len(mids)))])
    while True:
        if kind == "buoy":
            mmsi = 990_000_000 + int(rng.integers(100_000, 999_999))
        elif kind == "dark":
            mmsi = 0
            break
        else:
            mmsi = mid * 1_000_000 + int(rng.integers(1, 999_999))
        if mmsi not in used:
            used.add(mmsi)
            break
    length = float(np.round(rng.uniform(lmin, lmax)))
    beam = float(np.round(max(2.0, length * rng.uniform(0.14, 0.18))))
    if kind == "buoy":
        name = f"NET{int(rng.integers(1, 99)):02d}%{int(rng.integers(10, 99))}V"
        return mmsi, name, "", 0, 0, length, 1.0, cls, 0
    words = [_SYL[int(i)] for i in rng.integers(0, len(_SYL), 2)]
    name = f"{words[0]} {words[1]} {int(rng.integers(1, 999))}"
    callsign = "".join(chr(65 + int(c)) for c in rng.integers(0, 26, 2)) + str(
        int(rng.integers(1000, 9999))
    )
    imo = (
        0
        if kind in ("pleasure", "dark") or rng.random() < 0.2
        else int(rng.integers(7_000_000, 9_999_999))
    )
    # a valid IMO has a check digit: sum of the first six digits weighted 7..2, mod 10
    if imo:
        head = imo // 10
        digits = [int(c) for c in f"{head:06d}"]
        imo = head * 10 + sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=False)) % 10
    return mmsi, name, callsign, imo, ship_type, length, beam, cls, mid
