"""The parameter file (TOML): one table per detector or step, keys = the fields of its frozen
parameter dataclass.

```toml
[gap]
min_gap_h = 12.0
naive = true

[loitering]
carriers_only = true

[tracks]        # vessels.tracks.TrackParams
max_speed_kn = 30.0

[scoring]       # vessels.pipeline.scoring.ScoringParams
weight_gap = 0.9
```

One loader for every table (:func:`load_config`): an unknown table, an unknown key or a value of
the wrong type is a :class:`ConfigError` that names the file and the table, raised before any
work starts (a typo must never fall back to a default silently).

A table exists once a feature reads it: the feature adds one line to :data:`TABLES` (table name
-> ``"module:Class"`` of its frozen parameter dataclass) and reads its parameters with
``config.params("name", Class)``. A class is imported only when its table is in the file being
read, so importing this module imports nothing above the core.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import os
import tomllib
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from vessels.errors import ConfigError

__all__ = ["TABLES", "Config", "check_numbers", "load_config", "make_params", "table_class"]

#: Every table a parameter file may hold: name -> "module:Class" of its parameter dataclass.
TABLES: dict[str, str] = {
    "tracks": "vessels.tracks:TrackParams",
    "context": "detectors.base:ContextParams",
    "gap": "detectors.gap:GapParams",
    "loitering": "detectors.loitering:LoiteringParams",
    "encounter": "detectors.encounter.params:EncounterParams",
    "identity": "detectors.identity:IdentityParams",
    "fusion": "vessels.fusion.matching:MatchParams",
    "dark": "vessels.fusion.dark:DarkParams",
    "scoring": "vessels.pipeline.scoring:ScoringParams",
    "grids": "vessels.pipeline.grids:GridParams",
    "report": "dashboards.report:ReportParams",
    "port_visits": "vessels.voyages:PortVisitParams",
    "features": "vessels.pipeline.features:FeatureParams",
    "risk": "vessels.pipeline.risk:RiskModelParams",
    "watch": "vessels.watch.params:WatchParams",
}

P = TypeVar("P")


@dataclasses.dataclass(frozen=True)
class Config:
    """A checked parameter file: ``tables[name]`` is the parameter instance of each table given;
    ``raw`` the tables as written (for summary.json); ``source`` the file, if any."""

    tables: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    raw: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    source: str | None = None

    def params(self, name: str, cls: type[P]) -> P:
        """The parameters of table ``name`` (an instance of ``cls``): as given, else defaults."""
        value = self.tables.get(name)
        if value is None:
            return cls()
        if not isinstance(value, cls):
            raise TypeError(f"[{name}] holds {type(value).__name__}, not {cls.__name__}")
        return value

    def replaced(self, name: str, params: Any) -> Config:
        """This configuration with table ``name`` set to ``params`` (e.g. a command-line
        option that overrides one parameter)."""
        if not isinstance(params, table_class(name)):
            raise TypeError(f"[{name}] takes {table_class(name).__name__}")
        return dataclasses.replace(self, tables={**self.tables, name: params})

    def get(self, name: str) -> Any:
        """The parameters of table ``name`` if the file gave it, else None."""
        return self.tables.get(name)


def table_class(name: str) -> type:
    """The parameter dataclass of table ``name``; ConfigError for an unknown table."""
    where = TABLES.get(name)
    if where is None:
        raise ConfigError(f"unknown table [{name}]; known tables: {', '.join(sorted(TABLES))}")
    module, _, attr = where.partition(":")
    cls = getattr(importlib.import_module(module), attr)
    assert isinstance(cls, type)
    return cls


def make_params(cls: type[P], values: Mapping[str, Any], table: str) -> P:
    """An instance of the frozen dataclass ``cls`` from ``values``, type-checked."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"[{table}] has unknown key(s) {unknown}; valid keys: {sorted(names)}")
    kwargs: dict[str, Any] = {}
    for key, v in values.items():
        want = hints.get(key)
        if want is bool:
            if not isinstance(v, bool):
                raise ConfigError(f"[{table}] {key} must be true or false, got {v!r}")
        elif want is float:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ConfigError(f"[{table}] {key} must be a number, got {v!r}")
            v = float(v)
        elif want is int:
            if isinstance(v, bool) or not isinstance(v, int):
                raise ConfigError(f"[{table}] {key} must be an integer, got {v!r}")
        elif want is str:
            if not isinstance(v, str):
                raise ConfigError(f"[{table}] {key} must be a string, got {v!r}")
        else:
            raise ConfigError(f"[{table}] {key} cannot be set from a parameter file")
        kwargs[key] = v
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[{table}]: {exc}") from exc


def load_config(
    source: str | os.PathLike[str] | Mapping[str, Any] | Config | None,
) -> Config:
    """Read and check a TOML file (or an already-parsed mapping) into a :class:`Config`."""
    if source is None:
        return Config()
    if isinstance(source, Config):
        return source
    if isinstance(source, Mapping):
        return _parse(source, None)
    path = Path(source)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such parameter file") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path}: is a folder, not a parameter file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
    return _parse(data, str(path))


def _parse(data: Mapping[str, Any], source: str | None) -> Config:
    """The :class:`Config` of parsed TOML ``data``; ConfigError for unknown tables or keys."""
    tables: dict[str, Any] = {}
    try:
        for table, values in data.items():
            cls = table_class(table)
            if not isinstance(values, Mapping):
                raise ConfigError(f"[{table}] must be a table of key = value pairs")
            tables[table] = make_params(cls, values, table)
    except ConfigError as exc:  # "[gap] unknown key" alone does not say which file
        if source is None:
            raise
        raise ConfigError(f"{source}: {exc}") from exc
    return Config(tables, dict(data), source)


def check_numbers(
    params: object,
    table: str,
    names: Iterable[str],
    *,
    minimum: float = 0.0,
    strict: bool = False,
    integer: bool = False,
) -> None:
    """For a parameter dataclass's ``__post_init__``: a :class:`ConfigError` unless each field in
    ``names`` is a finite number (an integer when ``integer``) at least ``minimum`` (above it
    when ``strict``), named ``[table].name`` in the message."""
    kind = "an integer" if integer else "a number"
    bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
    for name in names:
        v = getattr(params, name)
        ok = (
            isinstance(v, int if integer else int | float)
            and not isinstance(v, bool)
            and math.isfinite(v)
            and (v > minimum if strict else v >= minimum)
        )
        if not ok:
            raise ConfigError(f"{table}.{name} must be {kind} {bound}, got {v!r}")
