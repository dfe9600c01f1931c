"""The distributed run's tasks in this one process, one at a time, for out-of-core detection.

:class:`LocalClient` offers the few calls of ``distributed.Client`` that
:mod:`vessels.scale.detect` makes (``submit``, ``gather``, ``scatter``, ``scheduler_info``).
A task runs when a result needs it, and forgets its inputs once it has run, so a value lives
only while a later task still needs it: with partitions spilled to disk
(:mod:`vessels.scale.spill`) the process holds about one partition or one time window at a
time, and computes exactly what the cluster computes (the same functions on the same pieces).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = ["LocalClient", "LocalFuture"]


class LocalFuture:
    """A task's result, computed on first use; its inputs are dropped after it ran."""

    __slots__ = ("_args", "_done", "_fn", "_value")

    def __init__(self, fn: Callable[..., Any] | None, args: tuple[Any, ...], value: Any = None):
        self._fn = fn
        self._args: tuple[Any, ...] | None = args
        self._done = fn is None
        self._value = value

    def result(self) -> Any:
        if not self._done:
            assert self._fn is not None and self._args is not None
            args = [a.result() if isinstance(a, LocalFuture) else a for a in self._args]
            self._value = self._fn(*args)
            self._fn, self._args, self._done = None, None, True
        return self._value


class LocalClient:
    """In-process stand-in for ``distributed.Client`` (see the module docstring)."""

    def submit(self, fn: Callable[..., Any], *args: Any, **_options: Any) -> LocalFuture:
        return LocalFuture(fn, args)

    def gather(self, futures: Iterable[LocalFuture]) -> list[Any]:
        return [f.result() for f in futures]

    def scatter(self, data: Sequence[Any], **_options: Any) -> list[LocalFuture]:
        return [LocalFuture(None, (), x) for x in data]

    def scheduler_info(self) -> dict[str, Any]:
        return {"workers": {"this process": {}}}

    def close(self) -> None:
        pass
