"""Time columns of decoded-AIS tables: epoch numbers, ISO 8601, strptime formats, and
day-first or month-first dates (``20/03/2021 00:22``) told apart from the data.

A slash date is ambiguous until some value has a first field above 12 (day first, as the Danish
Maritime Authority and most of the world write it) or a second field above 12 (month first, US
style). When every value of the first block could be either, the reader refuses to guess and
asks for ``--time-format``: a silent day/month swap would shift tracks by weeks.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt
import pandas as pd

from vessels.errors import InputError

__all__ = ["BAD_TIME", "parse_times", "resolve_time_format"]

BAD_TIME = np.iinfo(np.int64).min

_SLASH = re.compile(
    r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?:([ T])(\d{1,2}):(\d{2})(:\d{2})?(\.\d+)?)?\s*$"
)


def _slash_format(values: pd.Series, source: str) -> str | None:
    """A strptime format for ``dd/mm/yyyy[ HH:MM[:SS[.f]]]`` text, or None when the values are
    not written so. Raises InputError when day and month cannot be told apart."""
    text = values.dropna().astype(str)
    if text.empty:
        return None
    parts = text.str.extract(_SLASH)
    ok = parts[0].notna()
    if ok.mean() < 0.5:
        return None
    parts = parts[ok]
    first = parts[0].astype(int)
    second = parts[2].astype(int)
    sep = str(parts[1].iloc[0])
    if first.max() > 12 and second.max() <= 12:
        date = f"%d{sep}%m{sep}%Y"
    elif second.max() > 12 and first.max() <= 12:
        date = f"%m{sep}%d{sep}%Y"
    elif first.max() <= 12 and second.max() <= 12:
        sample = str(text.iloc[0])
        raise InputError(
            f"dates such as {sample!r} could be day-first or month-first (no day above 12 in "
            f"the first block); give the format, e.g. --time-format '%d{sep}%m{sep}%Y %H:%M' "
            f"or '%m{sep}%d{sep}%Y %H:%M'",
            source,
        )
    else:
        return None  # neither field is a month: not a date of this kind
    row = parts.iloc[0]
    if isinstance(row[4], str):
        date += ("T" if row[4] == "T" else " ") + "%H:%M"
        if isinstance(row[7], str):
            date += ":%S"
        if isinstance(row[8], str):
            date += ".%f"
    return date


def resolve_time_format(values: pd.Series, fmt: str, source: str) -> str:
    """The format to read a time column with: ``fmt`` unless it is ``"auto"``, then ``"epoch"``
    for numbers, a day-first/month-first strptime format for slash dates, else ``"ISO8601"``."""
    if fmt != "auto" or pd.api.types.is_datetime64_any_dtype(values):
        return fmt
    num = pd.to_numeric(values, errors="coerce")
    if num.notna().mean() > 0.5:
        return "epoch"
    iso = pd.to_datetime(values.astype("string"), utc=True, errors="coerce", format="ISO8601")
    if iso.notna().mean() > 0.5:
        return "ISO8601"
    return _slash_format(values, source) or "ISO8601"


def _ms(ts: pd.Series) -> npt.NDArray[np.int64]:
    """Parsed times (any unit) to ms since the epoch; BAD_TIME where not parsed."""
    ms = ts.to_numpy(dtype="datetime64[ms]").astype(np.int64)
    return np.where(ts.isna().to_numpy(), BAD_TIME, ms)


_UTC_WORD = re.compile(r"\s*(?:UTC|GMT|[zZ])$")


def parse_times(values: pd.Series, fmt: str) -> npt.NDArray[np.int64]:
    """Milliseconds since the epoch (UTC; naive times are taken as UTC); BAD_TIME where a value
    cannot be read. ``fmt``: ``"epoch"`` (seconds or ms by magnitude), ``"ISO8601"`` or a
    strptime format (``resolve_time_format`` turns ``"auto"`` into one of these). A value the
    format cannot read is tried as ISO 8601 (with ``Z``, ``UTC`` or an offset) before it counts
    as unreadable: a provider's format is a hint, and a column written
    ``2023-01-01T00:00:00Z`` or ``...+02:00`` must not be dropped."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return _ms(pd.to_datetime(values, utc=True))
    if fmt == "epoch":
        v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        big = np.nanmax(v) if np.isfinite(v).any() else 0.0
        ms = v if big > 1e11 else v * 1000.0  # epoch ms have 13 digits, seconds 10
        out = np.where(np.isfinite(ms), np.round(ms), 0).astype(np.int64)
        return np.where(np.isfinite(ms), out, BAD_TIME)
    text = values.astype("string")
    out = _ms(pd.to_datetime(text, utc=True, errors="coerce", format=fmt))
    miss = (out == BAD_TIME) & text.notna().to_numpy()
    if miss.any():
        retry = text[miss].str.strip().str.replace(_UTC_WORD, "+00:00", regex=True)
        iso = pd.to_datetime(retry, utc=True, errors="coerce", format="ISO8601")
        out[miss] = _ms(iso)
    return out
