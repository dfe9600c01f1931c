"""Parameter file (TOML): one table per detector or step, keys = its Params field names.

```toml
[gap]
min_gap_h = 12.0
naive = true

[loitering]
carriers_only = true

[tracks]        # vessels.tracks.TrackParams
max_speed_kn = 30.0

[context]       # detectors.base.ContextParams
anchorage_min_vessels = 20
```

Unknown tables and unknown keys are errors (a typo must not silently fall back to a default).
Tables read by other parts of the project (``[scoring]``, ``[fusion]``, ...) are passed through.
"""

from __future__ import annotations

import dataclasses
import importlib
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vessels.errors import ConfigError

__all__ = ["OTHER_TABLES", "Config", "load_config", "make_params"]

#: Tables that belong to other commands of the project and are not checked here.
OTHER_TABLES = (
    "scoring",
    "fusion",
    "dark",
    "report",
    "grids",
    "watch",
    "serve",
    "ingest",
    "port_visits",
    "features",
    "risk",
)


@dataclasses.dataclass
class Config:
    """Parsed parameters: ``params[name]`` is a Params instance; ``other`` the pass-through tables."""

    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    other: dict[str, Any] = dataclasses.field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


def _step_classes(detector_names: tuple[str, ...]) -> dict[str, type]:
    from detectors.base import ContextParams, params_class
    from vessels.tracks import TrackParams

    out: dict[str, type] = {"tracks": TrackParams, "context": ContextParams}
    for name in detector_names:
        try:
            module = importlib.import_module(f"detectors.{name}")
            out[name] = params_class(module, name)
        except (ImportError, AttributeError):
            continue
    return out


def make_params(cls: type, values: Mapping[str, Any], table: str) -> Any:
    """An instance of the frozen dataclass ``cls`` from ``values``, type-checked."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
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
        elif want is str and not isinstance(v, str):
            raise ConfigError(f"[{table}] {key} must be a string, got {v!r}")
        kwargs[key] = v
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[{table}]: {exc}") from exc


def load_config(
    source: str | Path | Mapping[str, Any] | Config | None,
    detector_names: tuple[str, ...] | None = None,
) -> Config:
    """Parse a TOML file (or an already-parsed mapping) into a :class:`Config`."""
    if source is None:
        return Config()
    if isinstance(source, Config):
        return source
    if isinstance(source, Mapping):
        data: Mapping[str, Any] = source
    else:
        path = Path(source)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: no such parameter file") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
        try:
            return _parse(data, detector_names)
        except ConfigError as exc:  # "[gap] unknown key" alone does not say which file
            raise ConfigError(f"{path}: {exc}") from exc
    return _parse(data, detector_names)


def _parse(data: Mapping[str, Any], detector_names: tuple[str, ...] | None) -> Config:
    """The :class:`Config` of parsed TOML ``data``; ConfigError for unknown tables or keys."""
    if detector_names is None:
        from detectors import DETECTOR_MODULES

        detector_names = DETECTOR_MODULES
    classes = _step_classes(detector_names)
    cfg = Config()
    for table, values in data.items():
        if table in OTHER_TABLES:
            cfg.other[table] = values
            continue
        if table not in classes:
            raise ConfigError(
                f"unknown table [{table}]; known: {sorted(classes)} (and {list(OTHER_TABLES)})"
            )
        if not isinstance(values, Mapping):
            raise ConfigError(f"[{table}] must be a table of key = value pairs")
        cfg.params[table] = make_params(classes[table], values, table)
    return cfg
