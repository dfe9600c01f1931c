"""Decoded-AIS table layouts of the common providers and their mapping to canonical names.

A layout maps canonical field names (``mmsi``, ``t``, ``lat``, ``lon``, ``sog``, ``cog``,
``heading``, ``nav_status``,
``id`` (a vessel id that is not an MMSI, mapped to a pseudo-MMSI by ``vessels.ids``), ``msg_type``, ``receiver``, ``name``, ``imo``, ``callsign``,
``ship_type``, ``length``, ``width``, ``to_bow``, ``to_stern``, ``to_port``,
``to_starboard``, ``destination``, ``ms``) to the provider's column names, plus how its time
column is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.result import IngestStats
from vessels.errors import InputError

__all__ = [
    "CANONICAL_FIELDS",
    "LAYOUTS",
    "SELF_DESCRIBING",
    "Layout",
    "detect_layout",
    "note_mapping",
    "parse_columns_option",
]

CANONICAL_FIELDS = (
    "mmsi",
    "id",
    "t",
    "lat",
    "lon",
    "sog",
    "cog",
    "heading",
    "nav_status",
    "msg_type",
    "receiver",
    "is_sat",
    "name",
    "imo",
    "callsign",
    "ship_type",
    "length",
    "width",
    "to_bow",
    "to_stern",
    "to_port",
    "to_starboard",
    "destination",
    "ms",
)
REQUIRED = ("mmsi", "t", "lat", "lon")  # or "id" instead of "mmsi"
SELF_DESCRIBING = "named"  # the layout of a table whose column names say what they hold


@dataclass(frozen=True)
class Layout:
    """One provider's columns. ``time_format``: a strptime format, ``"epoch"`` (seconds or
    milliseconds by magnitude) or ``"auto"`` (epoch if numeric, else ISO 8601)."""

    name: str
    columns: dict[str, str]
    time_format: str = "auto"
    signature: tuple[str, ...] = field(default=())

    def matches(self, header: set[str]) -> bool:
        return all(c in header for c in (self.signature or tuple(self.columns.values())[:4]))


LAYOUTS = (
    # NOAA / BOEM MarineCadastre daily files (2015+), https://marinecadastre.gov/ais/
    Layout(
        "marinecadastre",
        {
            "mmsi": "MMSI",
            "t": "BaseDateTime",
            "lat": "LAT",
            "lon": "LON",
            "sog": "SOG",
            "cog": "COG",
            "heading": "Heading",
            "name": "VesselName",
            "imo": "IMO",
            "callsign": "CallSign",
            "ship_type": "VesselType",
            "nav_status": "Status",
            "length": "Length",
            "width": "Width",
        },
        "%Y-%m-%dT%H:%M:%S",
        ("MMSI", "BaseDateTime", "LAT", "LON"),
    ),
    # Danish Maritime Authority aisdk (http://web.ais.dk/aisdata/), day first.
    Layout(
        "dma",
        {
            "mmsi": "MMSI",
            "t": "# Timestamp",
            "lat": "Latitude",
            "lon": "Longitude",
            "sog": "SOG",
            "cog": "COG",
            "heading": "Heading",
            "nav_status": "Navigational status",
            "name": "Name",
            "imo": "IMO",
            "callsign": "Callsign",
            "ship_type": "Ship type",
            "length": "Length",
            "width": "Width",
            "destination": "Destination",
        },
        "%d/%m/%Y %H:%M:%S",
        ("# Timestamp", "MMSI", "Latitude", "Longitude"),
    ),
    # Wide decoded satellite-provider CSV (exactEarth/Spire style, Region=66), time + ms.
    Layout(
        "spire_wide",
        {
            "mmsi": "MMSI",
            "msg_type": "Message_ID",
            "t": "Time",
            "ms": "Millisecond",
            "lat": "Latitude",
            "lon": "Longitude",
            "sog": "SOG",
            "cog": "COG",
            "heading": "Heading",
            "nav_status": "Navigational_status",
            "name": "Vessel_Name",
            "callsign": "Call_sign",
            "imo": "IMO",
            "ship_type": "Ship_Type",
            "to_bow": "Dimension_to_Bow",
            "to_stern": "Dimension_to_stern",
            "to_port": "Dimension_to_port",
            "to_starboard": "Dimension_to_starboard",
            "destination": "Destination",
        },
        "%Y%m%d_%H%M%S",
        ("MMSI", "Message_ID", "Time", "Millisecond", "Latitude", "Longitude"),
    ),
    # NARI Brest dataset (Ray et al. 2019, doi:10.5281/zenodo.1167595), epoch seconds.
    Layout(
        "nari",
        {
            "mmsi": "sourcemmsi",
            "t": "t",
            "lat": "lat",
            "lon": "lon",
            "sog": "speedoverground",
            "cog": "courseoverground",
            "heading": "trueheading",
            "nav_status": "navigationalstatus",
        },
        "epoch",
        ("sourcemmsi", "lon", "lat", "t"),
    ),
    # This project's own positions written as CSV.
    Layout(
        "canonical",
        {
            "mmsi": "mmsi",
            "t": "t",
            "lat": "lat",
            "lon": "lon",
            "sog": "sog",
            "cog": "cog",
            "heading": "heading",
            "nav_status": "nav_status",
            "msg_type": "msg_type",
            "receiver": "receiver",
            "is_sat": "is_sat",
        },
        "auto",
        ("mmsi", "t", "lat", "lon"),
    ),
)

COLUMNS_SYNTAX = (
    "--columns mmsi=COL,t=COL,lat=COL,lon=COL[,sog=COL,cog=COL,heading=COL,name=COL,...] "
    "(id=COL instead of mmsi=COL when the vessel ids are not MMSIs) "
    f"(fields: {', '.join(CANONICAL_FIELDS)})"
)


def parse_columns_option(text: str | dict[str, str]) -> dict[str, str]:
    """``"mmsi=ID,t=time,lat=y,lon=x"`` (or a dict) to a checked field -> column mapping."""
    if isinstance(text, dict):
        mapping = dict(text)
    else:
        mapping = {}
        for part in text.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise InputError(
                    f"--columns item {part!r} is not FIELD=COLUMN; use {COLUMNS_SYNTAX}"
                )
            k, v = part.split("=", 1)
            mapping[k.strip()] = v.strip()
    unknown = sorted(set(mapping) - set(CANONICAL_FIELDS))
    if unknown:
        raise InputError(f"--columns names unknown field(s) {unknown}; use {COLUMNS_SYNTAX}")
    if "id" in mapping and "mmsi" in mapping:
        raise InputError("--columns maps both mmsi and id; map the vessel column to one of them")
    missing = [f for f in REQUIRED if f not in mapping and not (f == "mmsi" and "id" in mapping)]
    if missing:
        raise InputError(f"--columns must map {missing} too; use {COLUMNS_SYNTAX}")
    return mapping


def check_time_format(fmt: str) -> str:
    """``--time-format``: ``epoch``, ``ISO8601``, ``auto`` or a strptime format with ``%``."""
    if fmt in ("epoch", "ISO8601", "auto") or "%" in fmt:
        return fmt
    raise InputError(
        f"--time-format {fmt!r} is not a strptime format (e.g. '%d/%m/%Y %H:%M'), "
        "'epoch', 'ISO8601' or 'auto'"
    )


def detect_layout(
    header: list[str],
    columns: dict[str, str] | None,
    source: str,
    time_format: str | None = None,
) -> Layout:
    """The layout for a header: the user's mapping first, else a known provider.
    ``time_format`` (the user's ``--time-format``) replaces the layout's own."""
    layout = _detect_layout(header, columns, source)
    if time_format is not None:
        layout = Layout(layout.name, layout.columns, time_format, layout.signature)
    return layout


def _detect_layout(header: list[str], columns: dict[str, str] | None, source: str) -> Layout:
    present = set(header)
    if columns:
        absent = sorted(v for v in columns.values() if v not in present)
        if absent:
            raise InputError(
                f"--columns names column(s) {absent} that the file does not have; "
                f"columns found: {header}",
                source,
            )
        key = ("id",) if "id" in columns else ("mmsi",)
        return Layout("user", dict(columns), "auto", tuple(columns[f] for f in key + REQUIRED[1:]))
    for layout in LAYOUTS:
        if layout.matches(present):
            cols = {k: v for k, v in layout.columns.items() if v in present}
            return Layout(layout.name, cols, layout.time_format, layout.signature)
    named = _self_describing(header, source)
    if named is not None:
        return named
    raise InputError(
        f"unknown table layout; columns found: {header}. Known layouts: "
        f"{', '.join(lay.name for lay in LAYOUTS)}, or self-describing names "
        f"(mmsi, timestamp/time/datetime, lat/latitude, lon/lng/longitude, ...). "
        f"Map the columns with {COLUMNS_SYNTAX}",
        source,
    )


#: Column names (normalised: lower case, words joined by "_", a unit suffix dropped) that say
#: which canonical field they hold, for tables of no known provider layout.
NAMES = {
    "mmsi": ("mmsi", "mmsi_number", "sourcemmsi"),
    "t": ("timestamp", "time", "datetime", "date_time", "basedatetime", "base_date_time", "ts"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "long", "longitude"),
    "sog": ("sog", "speed", "speed_over_ground", "speedoverground"),
    "cog": ("cog", "course", "course_over_ground", "courseoverground"),
    "heading": ("heading", "true_heading", "trueheading", "hdg"),
    "nav_status": ("nav_status", "navstatus", "status", "navigational_status"),
    "msg_type": ("msg_type", "message_type", "message_id", "msgtype"),
    "name": ("name", "shipname", "ship_name", "vessel_name", "vesselname"),
    "callsign": ("callsign", "call_sign"),
    "imo": ("imo", "imo_number", "imonumber"),
    "ship_type": ("ship_type", "shiptype", "vessel_type", "vesseltype"),
    "destination": ("destination",),
    "length": ("length",),
    "width": ("width",),
    "receiver": ("receiver",),
}
_FIELD_OF = {name: f for f, names in NAMES.items() for name in names}
_UNIT = re.compile(r"_(utc|z|knots|kn|kts|knt|deg|degs|degrees|m|metres|meters)$")


def normalise_name(column: str) -> str:
    """``"Timestamp (UTC)"`` -> ``"timestamp"``, ``"sog_knots"`` -> ``"sog"``."""
    s = re.sub(r"[^0-9a-z]+", "_", column.strip().lstrip("\ufeff#").lower()).strip("_")
    while (u := _UNIT.sub("", s)) != s and u:
        s = u
    return s


def _self_describing(header: list[str], source: str) -> Layout | None:
    """A layout from column names that say what they hold (``mmsi,timestamp_utc,lat,lon,
    sog_knots,...``); None when the four required fields are not all named; InputError when
    two columns could be the same field."""
    found: dict[str, list[str]] = {}
    for col in header:
        f = _FIELD_OF.get(normalise_name(col))
        if f is not None:
            found.setdefault(f, []).append(col)
    if any(f not in found for f in REQUIRED):
        return None
    twice = {f: cols for f, cols in found.items() if len(cols) > 1}
    if twice:
        which = "; ".join(f"{f}: {' or '.join(repr(c) for c in cols)}" for f, cols in twice.items())
        raise InputError(
            f"ambiguous columns, each could hold the same field ({which}); say which with "
            f"--columns, e.g. --columns {','.join(f'{f}={cols[0]}' for f, cols in twice.items())}"
            ",... (every field: " + COLUMNS_SYNTAX + ")",
            source,
        )
    cols = {f: found[f][0] for f in CANONICAL_FIELDS if f in found}
    return Layout(SELF_DESCRIBING, cols, "auto", tuple(cols[f] for f in REQUIRED))


def note_mapping(layout: Layout, source: str, stats: IngestStats) -> None:
    """Record, for the summary, which column a self-describing table's fields were read from
    (``mmsi=mmsi, t=timestamp_utc, ...``): a guess from names must be visible."""
    if layout.name == SELF_DESCRIBING:
        mapping = ", ".join(f"{f}={c}" for f, c in layout.columns.items())
        stats.columns_used.append(f"{source}: {mapping} (from the column names)")
