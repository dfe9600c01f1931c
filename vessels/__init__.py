"""vessels: maritime vessel anomaly detection from AIS and satellite detections."""

from __future__ import annotations

from vessels.errors import (
    ConfigError,
    InputError,
    NoDataError,
    OutputError,
    SchemaError,
    VesselsError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "InputError",
    "NoDataError",
    "OutputError",
    "SchemaError",
    "VesselsError",
    "__version__",
]
