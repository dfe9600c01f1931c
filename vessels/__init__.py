"""vessels: maritime vessel anomaly detection from AIS and satellite detections.

A notebook API (:mod:`vessels.api`; each name imported on first use, so ``import vessels``
stays light and the core imports nothing above it)::

    import vessels as vs
    pos = vs.read(["traffic.nmea"])                 # positions + static, rejects by reason
    res = vs.detect(pos)                            # res.events, res.to_geodataframe()
    gdf = vs.tracks_geodataframe(pos)               # LineStrings, never across silences
    inv = vs.investigate(["traffic.nmea"], out="out/")  # the tables the CLI writes

See docs/notebook.md for a walkthrough.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vessels.errors import (
    ConfigError,
    InputError,
    NoDataError,
    OutputError,
    SchemaError,
    VesselsError,
)
from vessels.lazy import lazy_attributes

if TYPE_CHECKING:  # for type checkers; at run time each name is imported on first use
    from vessels.api import detect, investigate, read, tracks_geodataframe

__version__ = "0.1.0"

__getattr__ = lazy_attributes(
    __name__,
    {
        "read": "vessels.api",
        "detect": "vessels.api",
        "investigate": "vessels.api",
        "tracks_geodataframe": "vessels.api",
    },
)

__all__ = [
    "ConfigError",
    "InputError",
    "NoDataError",
    "OutputError",
    "SchemaError",
    "VesselsError",
    "__version__",
    "detect",
    "investigate",
    "read",
    "tracks_geodataframe",
]
