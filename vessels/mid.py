"""Maritime Identification Digits (ITU-R M.585): MMSI -> flag state, and MMSI kinds.

The MID table is the ITU list of 290 allocations (201 Albania .. 775 Venezuela) as shipped in
pyais (``pyais.constants.COUNTRY_MAPPING``), a runtime dependency, so the project keeps one
copy of it. ITU-R M.585 also fixes the MMSI formats decoded by :func:`mmsi_kind`.
"""

from __future__ import annotations

from types import MappingProxyType

from pyais.constants import COUNTRY_MAPPING

__all__ = ["MID_TABLE", "flag_of", "mid_of", "mmsi_kind"]

#: MID -> (ISO 3166 alpha-2, country or territory name)
MID_TABLE: MappingProxyType[int, tuple[str, str]] = MappingProxyType(
    {int(k): (str(v[0]), str(v[1])) for k, v in COUNTRY_MAPPING.items()}
)


def mmsi_kind(mmsi: int) -> str:
    """What an MMSI identifies, from its digit pattern (ITU-R M.585-9 annex 1).

    ``ship`` (MIDxxxxxx), ``group`` (0MIDxxxxx), ``coast_station`` (00MIDxxxx),
    ``sar_aircraft`` (111MIDxxx), ``aton`` (99MIDxxxx, aids to navigation), ``craft`` (98MIDxxxx,
    craft associated with a parent ship), ``handheld`` (8MIDxxxxx), ``sart`` / ``mob`` /
    ``epirb`` (970/972/974xxxxxx), ``invalid`` (anything else, e.g. not 9 digits).
    """
    if mmsi <= 0 or mmsi > 999_999_999:
        return "invalid"
    s = f"{mmsi:09d}"
    if s.startswith("970"):
        return "sart"
    if s.startswith("972"):
        return "mob"
    if s.startswith("974"):
        return "epirb"
    if s.startswith("111"):
        return "sar_aircraft"
    if s.startswith("99"):
        return "aton"
    if s.startswith("98"):
        return "craft"
    if s.startswith("00"):
        return "coast_station"
    if s.startswith("0"):
        return "group"
    if s.startswith("8"):
        return "handheld"
    if s[0] in "234567":
        return "ship"
    return "invalid"


def mid_of(mmsi: int) -> int | None:
    """The MID inside an MMSI, or None when the MMSI carries none (or is invalid)."""
    kind = mmsi_kind(mmsi)
    s = f"{mmsi:09d}" if 0 < mmsi <= 999_999_999 else ""
    offsets = {"ship": 0, "group": 1, "coast_station": 2, "sar_aircraft": 3, "aton": 2}
    offsets |= {"craft": 2, "handheld": 1}
    if kind not in offsets:
        return None
    o = offsets[kind]
    return int(s[o : o + 3])


def flag_of(mmsi: int) -> tuple[str, str] | None:
    """(ISO alpha-2, name) of the flag state from the MMSI's MID, or None when unallocated."""
    mid = mid_of(mmsi)
    if mid is None:
        return None
    return MID_TABLE.get(mid)
