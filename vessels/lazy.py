"""Names of a package imported on first use (PEP 562).

A package's ``__init__`` that re-exports its submodules' names would import them all, and every
command pays for what any command might use: ``vessels ingest`` would start dask.distributed and
the simulator. With ``__getattr__ = lazy_attributes(__name__, {...})`` each name is imported when
first used; type checkers read the same names from an ``if TYPE_CHECKING:`` import block.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_attributes(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``name`` from the module ``where[name]``
    (``"module:attribute"`` when the attribute has another name there)."""

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attr = where[name].partition(":")
        value = getattr(importlib.import_module(module), attr or name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    return __getattr__
