"""`vessels ingest` end to end: files written atomically, summary printed, clear errors."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from vessels.cli import main
from vessels.cli.ingest import parse_time_ms
from vessels.errors import ConfigError
from vessels.schema import POSITIONS_SCHEMA, STATIC_SCHEMA


def test_ingest_writes_tables_and_prints_summary(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, st = tmp_path / "p.parquet", tmp_path / "s.parquet"
    rc = main(
        [
            "ingest",
            str(shared_data / "amsa_risky_nmea/exact-earth-with-tag-block.txt"),
            str(shared_data / "gpsd_sample_aivdm_v3.4/sample.aivdm"),
            "-o",
            str(out),
            "--static",
            str(st),
            "--time",
            "2012-04-13T17:00:00Z",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    pos = pq.read_table(out)
    assert pos.schema.names == POSITIONS_SCHEMA.names
    assert pq.read_table(st).schema.names == STATIC_SCHEMA.names
    assert pos.num_rows == 178 + 8
    for needle in (
        "lines",
        "messages by type: 1: ",
        "accepted: 186 positions",
        "time span",
        "tag_block 199",
        "fixed",
        "rejected:",
    ):
        assert needle in text, needle
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["missing.nmea"], "missing.nmea: no such file"),
        (["empty.nmea"], "empty.nmea: the file is empty"),
        (["plain.csv"], "columns found: ['a', 'b']"),
        (["nodate.nmea"], "no_time 1"),
    ],
)
def test_ingest_errors_exit_nonzero_with_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    (tmp_path / "empty.nmea").write_bytes(b"")
    (tmp_path / "plain.csv").write_text("a,b\n1,2\n")
    (tmp_path / "nodate.nmea").write_text("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n")
    out = tmp_path / "p.parquet"
    rc = main(["ingest", *[str(tmp_path / a) for a in args], "-o", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert needle in err and "Traceback" not in err
    assert not out.exists()


def test_bad_checksum_option_and_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "bad.nmea"
    f.write_text("\\c:1700000000*00\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*24\n")
    out = tmp_path / "p.parquet"
    assert main(["ingest", str(f), "-o", str(out)]) == 1
    assert "bad_checksum 1" in capsys.readouterr().err
    assert main(["ingest", str(f), "-o", str(out), "--keep-bad-checksum"]) == 0
    assert "kept despite a bad checksum: 1" in capsys.readouterr().out
    assert pq.read_table(out).num_rows == 1
    g = tmp_path / "g.csv"
    g.write_text("id,ts,la,lo\n211234560,1700000000,54.0,10.0\n")
    assert main(["ingest", str(g), "-o", str(out), "--columns", "mmsi=id,t=ts,lat=la,lon=lo"]) == 0
    assert pq.read_table(out).column("t").to_pylist()[0].timestamp() == 1700000000


def test_parse_time() -> None:
    assert parse_time_ms("2024-05-01T12:00:00Z") == 1714564800000
    assert parse_time_ms("2024-05-01 12:00:00") == 1714564800000
    assert parse_time_ms("1714564800") == 1714564800000
    with pytest.raises(ConfigError):
        parse_time_ms("yesterday")


def test_time_format_and_id_map_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "ids.csv"
    f.write_text(
        "boat,when,y,x\n=HYPERLINK(1),01/02/2021 10:00,54.1,10.2\nB7,01/02/2021 10:05,54.2,10.3\n"
    )
    out = tmp_path / "p.parquet"
    ids = tmp_path / "ids_map.csv"
    args = ["ingest", str(f), "-o", str(out), "--columns", "id=boat,t=when,lat=y,lon=x"]
    assert main(args) == 1  # 01/02 could be either
    assert "--time-format" in capsys.readouterr().err
    assert main([*args, "--time-format", "%d/%m/%Y %H:%M", "--id-map", str(ids)]) == 0
    assert "pseudo-MMSIs (1073741824-1173741823): 2" in capsys.readouterr().out
    t = pq.read_table(out).column("t").to_pylist()
    assert t[0].month == 2 and t[0].day == 1
    rows = ids.read_text().splitlines()
    assert rows[0] == "id,mmsi" and len(rows) == 3
    assert rows[1].startswith("'=HYPERLINK(1),1")  # formula-safe
    assert int(rows[1].rsplit(",", 1)[1]) >= 1 << 30  # beyond any 30-bit AIS MMSI
