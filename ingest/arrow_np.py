"""NumPy arrays to Arrow arrays and back through their buffers, without importing pandas.

``pa.array(ndarray)``, ``pa.array(list)`` and ``Array.to_numpy()`` import pandas when it is
installed (pyarrow asks it whether the object is a pandas one): half a second of every
``vessels ingest`` of NMEA, which needs no pandas at all. These helpers build the same arrays
from the buffers (numeric values zero-copy, as ``pa.array`` does).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

__all__ = ["from_numpy", "from_strings", "to_numpy"]


def _validity(mask: npt.NDArray[np.bool_] | None) -> tuple[pa.Buffer | None, int]:
    if mask is None:
        return None, 0
    nulls = int(np.count_nonzero(mask))
    if not nulls:
        return None, 0
    return pa.py_buffer(np.packbits(~mask, bitorder="little")), nulls


def from_numpy(
    values: npt.NDArray[Any], typ: pa.DataType, mask: npt.NDArray[np.bool_] | None = None
) -> pa.Array:
    """``pa.array(values, type=typ, mask=mask)`` for a fixed-width ``typ`` whose width is the
    values' (a timestamp from int64, uint32 from uint32, ...) or booleans from any 0/1 array."""
    n = int(values.shape[0])
    validity, nulls = _validity(mask)
    if pa.types.is_boolean(typ):
        data = pa.py_buffer(np.packbits(np.asarray(values, dtype=bool), bitorder="little"))
    else:
        a = np.ascontiguousarray(values)
        if a.dtype.itemsize * 8 != typ.bit_width:
            raise TypeError(f"{a.dtype} values cannot back an Arrow {typ} array")
        data = pa.py_buffer(a)
    return pa.Array.from_buffers(typ, n, [validity, data], null_count=nulls)


def from_strings(
    values: Sequence[str] | npt.NDArray[Any], mask: npt.NDArray[np.bool_] | None = None
) -> pa.Array:
    """A UTF-8 string array of ``values`` (``mask``: True where null)."""
    raw = [str(v).encode("utf-8") for v in values]
    offsets = np.zeros(len(raw) + 1, np.int32)
    np.cumsum([len(b) for b in raw], out=offsets[1:])
    validity, nulls = _validity(mask)
    buffers = [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(raw))]
    return pa.Array.from_buffers(pa.string(), len(raw), buffers, null_count=nulls)


def to_numpy(arr: pa.Array | pa.ChunkedArray, dtype: Any) -> npt.NDArray[Any]:
    """The values of a fixed-width Arrow array without nulls, or of a boolean array (nulls
    read as False), as ``dtype`` (a copy when chunked or boolean, else a view)."""
    if isinstance(arr, pa.ChunkedArray):
        parts = [to_numpy(c, dtype) for c in arr.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype)
    n, off = len(arr), arr.offset
    valid, data = arr.buffers()[0], arr.buffers()[1]
    if pa.types.is_boolean(arr.type):
        if data is None or n == 0:
            return np.zeros(n, dtype)
        bits = np.unpackbits(np.frombuffer(data, np.uint8), bitorder="little")[off : off + n]
        if arr.null_count and valid is not None:
            bits &= np.unpackbits(np.frombuffer(valid, np.uint8), bitorder="little")[off : off + n]
        return bits.astype(dtype)
    if arr.null_count:
        raise ValueError("to_numpy: the array has nulls")
    width = arr.type.bit_width // 8
    if data is None:
        return np.zeros(0, dtype)
    t = arr.type
    kind = "f" if pa.types.is_floating(t) else "u" if pa.types.is_unsigned_integer(t) else "i"
    raw = np.frombuffer(data, dtype=np.dtype(f"{kind}{width}"), count=off + n)[off:]
    return raw.view(np.dtype(dtype)) if np.dtype(dtype).itemsize == width else raw.astype(dtype)
