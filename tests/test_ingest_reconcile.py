"""Every line or row read lands in exactly one count, on every real AIS file in ../shared/data.

The number of lines is checked independently (newlines in the decompressed bytes for NMEA,
rows by Python's csv module for tables), so a decoder that skipped lines without counting them
could not pass by also leaving them out of ``lines``.
"""

from __future__ import annotations

import csv
import gzip
import io
import lzma
from pathlib import Path

import pytest

from ingest import read_inputs
from vessels.cli import main
from vessels.errors import NoDataError

FIXED_T = 1_600_000_000_000  # dates the decoder test vectors that carry no time

NMEA = [
    "aisdb_nmea_tagblock_20211101/test_data_20211101.nm4",
    "amsa_risky_nmea/ais.txt.gz",
    "amsa_risky_nmea/exact-earth-augmented.txt",
    "amsa_risky_nmea/exact-earth-augmented-2.txt",
    "amsa_risky_nmea/exact-earth-with-tag-block.txt",
    "amsa_risky_nmea/nmea-timestamped.txt",
    "gfw_ais_tools_edgecases/bad-tagblock-group.nmea",
    "gfw_ais_tools_edgecases/bad-type5.nmea",
    "gfw_ais_tools_edgecases/ee-multiline.nmea",
    "gfw_ais_tools_edgecases/errors.nmea",
    "gfw_ais_tools_edgecases/mixed_types.nmea",
    "gfw_ais_tools_edgecases/multi-part.nmea",
    "gfw_ais_tools_edgecases/sample.nmea",
    "gfw_ais_tools_edgecases/single-message-type-5.nmea",
    "gfw_ais_tools_edgecases/spire-test.nmea",
    "gfw_ais_tools_edgecases/type1-bad-bitcount.nmea",
    "gfw_ais_tools_edgecases/type8.nmea",
    "gpsd_sample_aivdm_v3.4/sample.aivdm",
    "libais_testdata/tagblock.nmea",
    "libais_testdata/test.aivdm",
    "libais_testdata/typeexamples.nmea",
    "pyais_nmea_data_sample/nmea_data_sample.txt",
    "pyais_small_examples/gatehouse.nmea",
    "pyais_small_examples/mixed.txt",
]
TABLES = [
    "aisdb_noaa_marinecadastre_20230111/test_data_noaa_20230101.csv",
    "aisdb_spire_csv_20210701/test_data_20210701.csv",
    "marinecadastre_20220103_vesselsummaryais/AISdata_2022-01-03.csv.xz",
    "mobiml_schema_samples/test_aisdk_20180208_sample.csv",
    "mobiml_schema_samples/test_nari_dynamic.csv",
]


def _raw(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz":
        return gzip.decompress(data)
    if path.suffix == ".xz":
        return lzma.decompress(data)
    return data


def _physical_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _csv_lines(data: bytes) -> int:
    """Lines after the header (empty ones too); every row is one line in these files."""
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert _physical_lines(data) == len(rows)  # no quoted line breaks
    return len(rows) - 1


@pytest.mark.parametrize("name", NMEA)
def test_every_nmea_line_is_counted_once(shared_data: Path, name: str) -> None:
    path = shared_data / name
    n = _physical_lines(_raw(path))
    try:
        stats = read_inputs([path], fixed_time_ms=FIXED_T).stats
    except NoDataError as exc:  # only messages without rows (type 21, 8, ...): the summary
        line = next(ln for ln in str(exc).splitlines() if ln.startswith("lines/rows:"))
        assert line.startswith(f"lines/rows: {n:,} ") and line.endswith("(every one counted)")
        return
    assert stats.lines == n
    assert stats.accounted() == stats.lines + stats.shared_lines, stats.reconciliation()


#: Tables whose columns must be named (the Suez queue: vessel ids that are not MMSIs).
COLUMNS = {
    "movingpandas_evergiven_suez/boat-positions.csv": (
        "id=ID,t=ais_pos_timestamp,lat=latitude,lon=longitude"
    )
}


@pytest.mark.parametrize("name", [*TABLES, *COLUMNS])
def test_every_table_row_is_counted_once(shared_data: Path, name: str) -> None:
    path = shared_data / name
    stats = read_inputs([path], columns=COLUMNS.get(name)).stats
    assert stats.lines == _csv_lines(_raw(path))
    assert stats.accounted() == stats.lines, stats.reconciliation()


def test_the_cli_prints_the_reconciliation(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The AMSA exactEarth capture has $PGHP lines and static reports that repeat, the aisdb
    tag-block file two-part type 5 messages: each kind has its own count, and the sum is the
    lines read."""
    paths = [
        shared_data / "amsa_risky_nmea" / "exact-earth-augmented-2.txt",
        shared_data / "aisdb_nmea_tagblock_20211101" / "test_data_20211101.nm4",
    ]
    assert main(["ingest", *map(str, paths), "-o", str(tmp_path / "p.parquet")]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("lines/rows:"))
    assert line.endswith("(every one counted)")
    for kind in ("position", "pghp", "joined_fragment", "static", "static_duplicate"):
        assert f" {kind} " in line, (kind, line)
    n = sum(_physical_lines(p.read_bytes()) for p in paths)
    assert line.startswith(f"lines/rows: {n:,} ")
