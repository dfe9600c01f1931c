"""Streamed ingest (``ingest.write_inputs``, ``vessels ingest``): the same rows as the in-memory
``read_inputs``, whatever the chunk size, with only a few decoded chunks held at a time."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest import read_inputs, write_inputs
from ingest.nmea import NmeaDecoder
from ingest.threads import Behind, prefetch
from vessels.errors import InputError

FILES = [
    # $PGHP lines re-date sentences decoded just before them, also across chunk edges
    ["amsa_risky_nmea/exact-earth-augmented.txt", "amsa_risky_nmea/exact-earth-augmented-2.txt"],
    ["aisdb_nmea_tagblock_20211101/test_data_20211101.nm4", "amsa_risky_nmea/ais.txt.gz"],
]


def _same(a: pa.Table, b: pa.Table) -> bool:
    """Equal values column by column (NaN equals NaN; receiver dictionaries differ between
    row groups, so their values are compared)."""
    if a.schema != b.schema or a.num_rows != b.num_rows:
        return False
    for name in a.column_names:
        x, y = a.column(name), b.column(name)
        if pa.types.is_floating(x.type):
            xs, ys = x.to_numpy(), y.to_numpy()
            if not np.array_equal(xs, ys, equal_nan=True):
                return False
        elif x.cast(pa.string()).to_pylist() != y.cast(pa.string()).to_pylist():
            return False
    return True


@pytest.mark.parametrize("names", FILES)
def test_streamed_output_equals_read_inputs(
    shared_data: Path, tmp_path: Path, names: list[str]
) -> None:
    paths = [shared_data / n for n in names]
    whole = read_inputs(paths)
    out, st = tmp_path / "p.parquet", tmp_path / "s.parquet"
    # 4 kB chunks: hundreds of chunk edges, each a chance for a $PGHP to date an earlier chunk
    got = write_inputs(paths, out, static_out=st, chunk_bytes=4096)
    written = pq.read_table(out)
    assert pq.ParquetFile(out).metadata.num_row_groups > 10  # written as it was decoded
    assert _same(written, whole.positions)
    assert _same(pq.read_table(st), whole.static)
    assert got.summary() == whole.summary()
    if "augmented" in names[0]:
        assert got.stats.time_sources.get("pghp", 0) > 1000


def test_decoder_holds_only_parts_a_pghp_can_still_reach(shared_data: Path) -> None:
    data = (shared_data / "amsa_risky_nmea/exact-earth-augmented.txt").read_bytes()
    dec = NmeaDecoder()
    handed = 0
    most_held = 0
    for i in range(0, len(data), 2048):
        dec.feed(data[i : i + 2048])
        handed += sum(p[2].shape[0] for p in dec.pop_positions())
        most_held = max(most_held, len(dec._pos_parts))
    res = dec.finish()
    assert handed > 0
    assert most_held <= 2  # the chunk just decoded and at most the one before it
    n_rest = res.positions["t"].shape[0]
    whole = NmeaDecoder()
    whole.feed(data)
    assert handed + n_rest == whole.finish().positions["t"].shape[0]


def test_damaged_archive_mid_stream_leaves_no_output(shared_data: Path, tmp_path: Path) -> None:
    raw = (shared_data / "aisdb_nmea_tagblock_20211101/test_data_20211101.nm4").read_bytes()
    bad = tmp_path / "cut.nmea.gz"
    whole = gzip.compress(raw * 20)
    bad.write_bytes(whole[: len(whole) * 3 // 4])  # a download cut short
    out = tmp_path / "p.parquet"
    with pytest.raises(InputError, match=r"cut\.nmea\.gz"):
        write_inputs([bad], out, chunk_bytes=65536)
    assert not out.exists()
    assert not list(tmp_path.glob(".*.part"))


def test_thread_errors_reach_the_caller() -> None:
    def items() -> Iterator[int]:
        yield 1
        raise ValueError("read failed")

    got = []
    with pytest.raises(ValueError, match="read failed"):
        for x in prefetch(items()):
            got.append(x)
    assert got == [1]

    seen: list[int] = []

    def consume(x: int) -> None:
        if x == 3:
            raise OSError("disk full")
        seen.append(x)

    with pytest.raises(OSError, match="disk full"), Behind(consume, depth=1) as behind:
        for x in range(100):
            behind.put(x)
    assert seen == [0, 1, 2]
    assert np.all(np.diff(seen) == 1)


def test_buffer_conversions_equal_pyarrows_own() -> None:
    from ingest.arrow_np import from_numpy, from_strings, to_numpy

    rng = np.random.default_rng(3)
    for dtype, typ in [
        (np.int16, pa.int16()),
        (np.uint32, pa.uint32()),
        (np.float32, pa.float32()),
    ]:
        v = (rng.random(1000) * 30000).astype(dtype)
        m = rng.random(1000) < 0.3
        assert from_numpy(v, typ, m).equals(pa.array(v, mask=m, type=typ))
        assert np.array_equal(to_numpy(from_numpy(v, typ).slice(7, 500), dtype), v[7:507])
    b = rng.random(1000) < 0.5
    m = rng.random(1000) < 0.2
    arr = from_numpy(b, pa.bool_(), m)
    assert arr.equals(pa.array(b, mask=m, type=pa.bool_()))
    assert np.array_equal(to_numpy(arr.slice(3), bool), (b & ~m)[3:])
    words = np.array(["", "ÅLESUND", "x", "MV ONE"])
    assert from_strings(words, words == "").equals(
        pa.array(words, mask=words == "", type=pa.string())
    )
