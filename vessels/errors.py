"""One root exception for the whole project; narrow subclasses carry the data.

Only the command line turns these into exit messages; library code raises them with a message
that says what was received and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "InputError",
    "NoDataError",
    "OutputError",
    "SchemaError",
    "VesselsError",
]


class VesselsError(Exception):
    """Root of every error this project raises on purpose."""


class InputError(VesselsError):
    """An input file is missing, unreadable or of an unknown format."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class OutputError(VesselsError):
    """An output cannot be written (read-only or missing folder, a folder in the way, full disk)."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class SchemaError(VesselsError):
    """A table does not have the columns or types a step needs."""


class NoDataError(VesselsError):
    """The inputs were read but held nothing usable (for example no positions at all)."""


class ConfigError(VesselsError):
    """A parameter file or option has an unknown name or an invalid value."""
