"""Differential test: the Numba decoder against pyais on every NMEA file in ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.nmea import decode_nmea_bytes
from tests.naive_ingest import DELIBERATE, project_keys, pyais_keys, read_lines

NMEA_DIRS = (
    "amsa_risky_nmea",
    "aisdb_nmea_tagblock_20211101",
    "libais_testdata",
    "gpsd_sample_aivdm_v3.4",
    "gfw_ais_tools_edgecases",
    "pyais_nmea_data_sample",
    "pyais_small_examples",
)
FIXED_T = 1_600_000_000_000  # dates sentences without a time so none is dropped here


def nmea_files(root: Path) -> list[Path]:
    return sorted(
        f for d in NMEA_DIRS for f in (root / d).iterdir() if f.is_file() and f.name != "SOURCE.txt"
    )


def test_every_nmea_file_is_covered(shared_data: Path) -> None:
    files = nmea_files(shared_data)
    assert len(files) >= 25
    assert any(f.suffix == ".gz" for f in files)


@pytest.mark.parametrize("name", [d for d in NMEA_DIRS])
def test_positions_and_static_match_pyais(shared_data: Path, name: str) -> None:
    """Every valid position/static report pyais decodes is in our output with the same MMSI,
    type, position (1e-6 deg), speed, course, heading, name and ship type. The only
    exceptions are the DELIBERATE ones, counted by the reference and asserted small."""
    total_pos = 0
    left_out_total = 0
    for f in nmea_files(shared_data):
        if f.parent.name != name:
            continue
        ref_pos, ref_sta, left_out = pyais_keys(f)
        assert set(left_out) <= set(DELIBERATE)
        res = decode_nmea_bytes([b"\n".join(read_lines(f))], fixed_time_ms=FIXED_T)
        our_pos, our_sta = project_keys(res)
        missing_pos = ref_pos - our_pos
        missing_sta = ref_sta - our_sta
        assert not missing_pos, (f.name, list(missing_pos)[:5])
        assert not missing_sta, (f.name, list(missing_sta)[:5])
        # We may assemble more (several sentences on one line, relabelled talkers) but we never
        # invent positions: extra rows are at most the messages pyais failed to read.
        extra = sum((our_pos - ref_pos).values())
        assert extra <= max(2, sum(ref_pos.values()) // 50), (f.name, extra)
        total_pos += sum(ref_pos.values())
        left_out_total += sum(left_out.values())
    assert total_pos > 0 or name in ("gfw_ais_tools_edgecases",)
    assert left_out_total <= max(10, total_pos // 100)
