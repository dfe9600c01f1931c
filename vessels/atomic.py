"""Atomic file output: a crash or a kill never leaves a half-written file that looks complete.

Everything is written to a temporary file in the destination folder, flushed to disk, then
renamed over the destination (``os.replace`` is atomic on POSIX and Windows). An output that
cannot be written (read-only or missing folder, a folder in the way, a full disk) raises
:class:`~vessels.errors.OutputError` naming the destination, never a bare ``OSError``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from vessels.errors import OutputError

__all__ = ["atomic_bytes", "atomic_path", "atomic_write", "output_error"]

# errors of the destination, not of the program: reported to the user with the path
_OUTPUT_ERRNOS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EEXIST,
        errno.ENAMETOOLONG,
        errno.EXDEV,
        errno.EINVAL,
    }
)


def output_error(exc: OSError, dest: str | os.PathLike[str]) -> OutputError:
    """The user-facing error for an output that cannot be written, naming ``dest``."""
    reason = exc.strerror or type(exc).__name__
    return OutputError(
        f"cannot write this output ({reason}); choose a writable folder with enough free space",
        str(dest),
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_dest(dest: Path) -> None:
    if dest.is_dir():
        raise OutputError("is a folder; give a file name for this output", str(dest))
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, dest) from exc


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; on success it is renamed to ``dest``.

    For writers that want a path (pyarrow, xarray). On error the temporary file is removed and
    ``dest`` is left as it was.
    """
    dest = Path(dest)
    _check_dest(dest)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    except OSError as exc:
        raise output_error(exc, dest) from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
        except OSError as exc:
            # the writer failed on the temporary file: a full disk or a vanished folder
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS):
                raise output_error(exc, dest) from exc
            raise
        try:
            with open(tmp_path, "rb") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are for sharing
            os.replace(tmp_path, dest)
        except OSError as exc:
            if exc.errno in _OUTPUT_ERRNOS:
                raise output_error(exc, dest) from exc
            raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def atomic_write(dest: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """A UTF-8 text file that replaces ``dest`` only when the block ends cleanly."""
    with atomic_path(dest) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        yield fh


@contextlib.contextmanager
def atomic_bytes(dest: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file that replaces ``dest`` only when the block ends cleanly."""
    with atomic_path(dest) as tmp, open(tmp, "wb") as fh:
        yield fh
