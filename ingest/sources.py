"""Input files: expansion (folders, zip members), decompression and format sniffing.

Compressed inputs (.gz, .xz, .bz2, .zip) are read as streams, never unpacked to disk. The format
is told by the content (an ``!xxVDM`` sentence, a CSV header, the Parquet magic), the extension
only breaks ties, so a ``.txt`` CSV or an ``.log`` NMEA capture both work.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from vessels.errors import InputError

__all__ = [
    "READ_ERRORS",
    "Source",
    "expand_inputs",
    "iter_chunks",
    "one_line",
    "open_binary",
    "read_errors_named",
    "sniff_format",
]

_COMPRESSION = {".gz": "gzip", ".gzip": "gzip", ".xz": "xz", ".lzma": "xz", ".bz2": "bz2"}
_SNIFF_BYTES = 64 * 1024
#: What reading a damaged input raises: truncated or corrupt gzip (zlib.error, EOFError,
#: gzip.BadGzipFile), xz, bz2 (OSError) and zip (BadZipFile, a bad CRC) streams, a vanished file.
#: A damaged zip header may also name an unknown compression method (NotImplementedError) or
#: claim encryption (RuntimeError: a password is required); zipfile raises those only so.
READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    lzma.LZMAError,
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)
_ZIP_OPEN_ERRORS: tuple[type[BaseException], ...] = (
    *READ_ERRORS,
    ValueError,
)  # a damaged central directory: bad offsets too


@dataclass(frozen=True)
class Source:
    """One logical input: a file, or a member of a zip archive (``member`` set)."""

    path: Path
    member: str | None = None
    in_folder: bool = False  # found by walking a folder: an unusable file is skipped, counted

    @property
    def name(self) -> str:
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    @property
    def compression(self) -> str | None:
        name = self.member or self.path.name
        return _COMPRESSION.get(Path(name).suffix.lower())

    @property
    def size(self) -> int | None:
        """Size on disk (compressed); None for archive members."""
        if self.member is not None:
            return None
        try:
            return self.path.stat().st_size
        except OSError:
            return None


def expand_inputs(paths: list[Path]) -> list[Source]:
    """Files as given; folders by their files (sorted); zip archives by their members."""
    out: list[Source] = []
    for p in paths:
        if not p.exists():
            raise InputError("no such file or directory", str(p))
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        if p.is_dir() and not files:
            raise InputError("the folder holds no files", str(p))
        for f in files:
            if f.suffix.lower() == ".zip":
                try:
                    with zipfile.ZipFile(f) as zf:
                        members = [i.filename for i in zf.infolist() if not i.is_dir()]
                except _ZIP_OPEN_ERRORS as exc:
                    raise InputError(
                        f"not a readable zip archive ({one_line(exc)})", str(f)
                    ) from exc
                if not members:
                    raise InputError("the zip archive is empty", str(f))
                out.extend(Source(f, m, p.is_dir()) for m in members)
            else:
                out.append(Source(f, None, p.is_dir()))
    return out


def open_binary(src: Source) -> IO[bytes]:
    """A binary stream of the decompressed bytes of ``src``."""
    try:
        if src.member is not None:
            zf = zipfile.ZipFile(src.path)
            raw: IO[bytes] = zf.open(src.member)
        else:
            raw = open(src.path, "rb")  # noqa: SIM115 - the caller closes the stream
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", src.name) from exc
    comp = src.compression
    if comp == "gzip":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if comp == "xz":
        return lzma.LZMAFile(raw)  # type: ignore[return-value]
    if comp == "bz2":
        return bz2.BZ2File(raw)  # type: ignore[return-value]
    return raw


@contextmanager
def read_errors_named(src: Source) -> Iterator[None]:
    """Turn what a damaged or truncated input raises while it is read (``READ_ERRORS``) into
    one InputError naming it; every reader of input bytes runs inside this."""
    try:
        yield
    except READ_ERRORS as exc:
        what = "cannot be decompressed or read" + (
            ": it is truncated" if isinstance(exc, EOFError) else ""
        )
        kind = "zlib" if isinstance(exc, zlib.error) else type(exc).__name__
        raise InputError(f"{what} ({kind}: {one_line(exc)})", src.name) from exc


def one_line(exc: BaseException) -> str:
    """An exception's text on one line (Arrow and thrift messages span several)."""
    return " ".join(str(exc).split())


def iter_chunks(src: Source, chunk_bytes: int) -> Iterator[bytes]:
    """The decompressed bytes of ``src`` in chunks; corrupt archives raise InputError."""
    with read_errors_named(src), open_binary(src) as fh:
        while True:
            chunk = fh.read(chunk_bytes)
            if not chunk:
                return
            yield chunk


def head_bytes(src: Source, n: int = _SNIFF_BYTES) -> bytes:
    with read_errors_named(src), open_binary(src) as fh:
        return fh.read(n)


def sniff_format(src: Source) -> str:
    """``"parquet"``, ``"nmea"`` or ``"csv"``; InputError for an empty or binary file."""
    head = head_bytes(src)
    if head.startswith(b"PAR1"):
        return "parquet"
    if not head.strip():
        raise InputError("the file is empty: no AIS sentences, CSV rows or Parquet data", src.name)
    if b"VDM," in head or b"VDO," in head or b"$PGHP" in head:
        return "nmea"
    text = head.decode("utf-8", "replace")
    if head.count(b"\x00") > len(head) // 100 or text.count("\ufffd") > len(text) // 20:
        raise InputError(
            "binary content that is neither NMEA text, CSV nor Parquet "
            "(compressed? name it .gz, .xz, .bz2 or .zip)",
            src.name,
        )
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = lines[0] if lines else ""
    # NMEA of other talkers (GPS $GPGGA...) or JSON would reach the CSV parser and fail there with
    # a pandas column-count message that does not say what the file really is
    nmea_like = sum(1 for ln in lines if ln[0] in "$!\\")
    whole = len(head) < _SNIFF_BYTES
    if first and (first[0] in "{[" or (first[0] in "$!\\" and whole)):
        raise InputError(
            f"no !AIVDM/!AIVDO sentences ({nmea_like} other NMEA sentences) and not a CSV table",
            src.name,
        )
    if "," in first or ";" in first or "\t" in first:
        return "csv"
    return "nmea"  # text without sentences: the decoder counts every line as a reject
