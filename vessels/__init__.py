"""vessels: maritime vessel anomaly detection from AIS and satellite detections.

A notebook API over the library (each imported on first use, so ``import vessels`` stays light
and the core imports nothing above it)::

    import vessels as vs
    result = vs.read(["traffic.nmea"])                         # ingest.read_inputs
    events = vs.detect(result.positions, result.static)        # detectors.run_detectors
    report = vs.investigate(["traffic.nmea"], "out/")          # vessels.pipeline.investigate
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
    from detectors import run_detectors as detect
    from ingest import read_inputs as read
    from vessels.pipeline.investigate import investigate

__version__ = "0.1.0"

__getattr__ = lazy_attributes(
    __name__,
    {
        "read": "ingest:read_inputs",
        "detect": "detectors:run_detectors",
        "investigate": "vessels.pipeline.investigate",
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
]
