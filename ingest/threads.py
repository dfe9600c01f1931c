"""Pipelining for ingest: a thread that reads ahead, and one that consumes behind.

The decoder's loops and file reads, decompression and Parquet encoding all release the GIL, so
the stages of an ingest overlap on two cores. Queues are short (``depth`` items), which bounds
memory by a few chunks whatever the input size. An error in a thread is raised again in the
caller, never lost; a caller that stops early stops the threads.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

__all__ = ["Behind", "prefetch"]

T = TypeVar("T")

_END = object()
_POLL_S = 0.1


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``items``, produced in a thread up to ``depth`` ahead of the consumer."""
    q: queue.Queue[object] = queue.Queue(depth)
    stop = threading.Event()

    def put(x: object) -> bool:
        while not stop.is_set():
            try:
                q.put(x, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for x in items:
                if not put(x):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            put(_Failure(exc))

    thread = threading.Thread(target=produce, name="ingest-read", daemon=True)
    thread.start()
    try:
        while True:
            x = q.get()
            if x is _END:
                return
            if isinstance(x, _Failure):
                raise x.exc
            yield x  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()


class Behind(Generic[T]):
    """``consume(item)`` for each :meth:`put` item, in order, in a thread behind the caller.

    :meth:`close` waits for the last item and raises the thread's error if it had one; a
    failed consumer makes the next :meth:`put` raise at once. Use as a context manager: leaving
    the block by an exception stops the thread without waiting for the items still queued.
    """

    def __init__(self, consume: Callable[[T], None], depth: int = 2, name: str = "ingest-write"):
        self._consume = consume
        self._q: queue.Queue[object] = queue.Queue(depth)
        self._error: BaseException | None = None
        self._abort = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            x = self._q.get()
            if x is _END or self._abort.is_set():
                return
            try:
                self._consume(x)  # type: ignore[arg-type]
            except BaseException as exc:
                self._error = exc
                self._abort.set()
                return

    def put(self, item: T) -> None:
        while True:
            if self._error is not None:
                raise self._error
            try:
                self._q.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    raise RuntimeError("the ingest writer thread stopped") from self._error

    def close(self) -> None:
        while self._thread.is_alive():
            try:
                self._q.put(_END, timeout=_POLL_S)
                break
            except queue.Full:
                continue
        self._thread.join()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> Behind[T]:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
            return
        self._abort.set()
        while self._thread.is_alive():  # unblock a full queue so the thread sees the abort
            with contextlib.suppress(queue.Full):
                self._q.put_nowait(_END)
            self._thread.join(_POLL_S)
