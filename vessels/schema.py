"""The canonical Arrow tables every stage reads and writes (see DESIGN.md).

Positions and static reports come out of ``ingest``; events come out of ``detectors`` and
fusion. Units are in the column docs; unavailable values are null (or NaN for float32 speed and
course, -1 for heading) and never the AIS "not available" sentinels (lat 91, lon 181, ...).
"""

from __future__ import annotations

import pyarrow as pa

__all__ = [
    "EVENTS_SCHEMA",
    "EVENT_TYPES",
    "POSITIONS_SCHEMA",
    "STATIC_SCHEMA",
    "TIME_TYPE",
    "empty_table",
]

TIME_TYPE = pa.timestamp("ms", tz="UTC")

#: One row per accepted position report.
POSITIONS_SCHEMA = pa.schema(
    [
        pa.field("mmsi", pa.uint32(), nullable=False),
        pa.field("t", TIME_TYPE, nullable=False),  # receive time, UTC
        pa.field("lat", pa.float64(), nullable=False),  # degrees WGS84
        pa.field("lon", pa.float64(), nullable=False),  # degrees WGS84, [-180, 180)
        pa.field("sog", pa.float32()),  # knots, NaN when not available
        pa.field("cog", pa.float32()),  # degrees true, NaN when not available
        pa.field("heading", pa.int16()),  # degrees true, -1 when not available
        pa.field("nav_status", pa.int8()),  # ITU-R M.1371 navigational status, 15 = undefined
        pa.field("msg_type", pa.uint8()),  # AIS message type (1,2,3,18,19,27) or 0 for CSV input
        pa.field(
            "receiver", pa.dictionary(pa.int32(), pa.string())
        ),  # tag block s:, provider or file
        pa.field("is_sat", pa.bool_()),  # satellite receiver when known, else null
        pa.field(
            "ais_second", pa.int8()
        ),  # UTC second field of the report (60-63 = n/a), -1 unknown
    ]
)

#: One row per static/voyage report (types 5, 19, 24A/24B) or CSV vessel row.
STATIC_SCHEMA = pa.schema(
    [
        pa.field("mmsi", pa.uint32(), nullable=False),
        pa.field("t", TIME_TYPE, nullable=False),
        pa.field("msg_type", pa.uint8()),
        pa.field("imo", pa.uint32()),  # null when 0 or not given
        pa.field("callsign", pa.string()),
        pa.field("name", pa.string()),
        pa.field("ship_type", pa.uint8()),  # ITU ship and cargo type, null when 0
        pa.field("to_bow", pa.uint16()),  # metres
        pa.field("to_stern", pa.uint16()),
        pa.field("to_port", pa.uint8()),
        pa.field("to_starboard", pa.uint8()),
        pa.field("destination", pa.string()),
        pa.field("receiver", pa.dictionary(pa.int32(), pa.string())),
    ]
)

EVENT_TYPES = (
    "gap",
    "encounter",
    "loitering",
    "identity",
    "dark_detection",
    "dark_rendezvous",
)

#: One row per event, for every detector and every output format.
EVENTS_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),  # stable: same input, same id
        pa.field("type", pa.string(), nullable=False),  # one of EVENT_TYPES
        pa.field("mmsi", pa.uint32()),  # null only for dark detections (no AIS identity)
        pa.field("other_mmsi", pa.uint32()),  # the partner in pair events, else null
        pa.field("start", TIME_TYPE, nullable=False),
        pa.field("end", TIME_TYPE, nullable=False),
        pa.field("duration_h", pa.float64(), nullable=False),
        pa.field("lat", pa.float64()),  # representative position
        pa.field("lon", pa.float64()),
        pa.field("score", pa.float64(), nullable=False),  # [0, 1]
        pa.field("reasons", pa.list_(pa.string()), nullable=False),  # human sentences
        pa.field("evidence", pa.string(), nullable=False),  # JSON object with the numbers
    ]
)


def empty_table(schema: pa.Schema) -> pa.Table:
    """A table with ``schema`` and no rows."""
    return schema.empty_table()
