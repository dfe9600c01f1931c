"""A bounded fuzz of ``vessels ingest`` (fixed seeds, a few seconds): damaged archives, mutated
NMEA, bad CSV and Parquet values, ISO times with ``Z`` and offsets.

For every case: exit 0 with a summary whose counts add up to the lines read, or exit 1 with a
one-line error naming the input; never a traceback, never the internal-error exit (70). What
is kept is checked against the rules it must obey (time 2000..now+1 day, a position on the
globe, an MMSI of 1-999999999, no control characters in text).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import random
import re
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from vessels.cli import main
from vessels.schema import POSITIONS_SCHEMA

ROOT = Path(__file__).resolve().parents[1]
NMEA = b"".join((ROOT / "data_samples" / "scenario" / "traffic.nmea").open("rb").readlines()[:300])
SEEDS = range(6)
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
T2000_MS = 946_684_800_000


def _ingest(
    path: Path, tmp: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str]:
    """Run the CLI on ``path``; check the exit code, the error line or the reconciliation and
    the kept rows; return (exit code, stdout)."""
    out = tmp / "p.parquet"
    out.unlink(missing_ok=True)
    argv = ["ingest", str(path), "-o", str(out), "--static", str(tmp / "s.parquet"), *extra]
    rc = main(argv)
    cap = capsys.readouterr()
    assert rc in (0, 1), (rc, cap.err)
    assert "Traceback" not in cap.err and "internal error" not in cap.err, cap.err
    if rc == 1:
        first, *rest = cap.err.splitlines()
        assert first.startswith("vessels ingest: error: ") and path.name in first, cap.err
        # only "held no usable position" errors add the summary below their one line
        assert not rest or "held no usable" in first, cap.err
        assert not out.exists()
        if "held no usable" in first:
            assert any(r.endswith("(every one counted)") for r in rest), cap.err
        return rc, cap.out
    recon = [ln for ln in cap.out.splitlines() if ln.startswith("lines/rows:")]
    assert len(recon) == 1 and recon[0].endswith("(every one counted)"), cap.out
    _check_kept(pq.read_table(out), pq.read_table(tmp / "s.parquet"))
    return rc, cap.out


def _check_kept(positions: pa.Table, static: pa.Table) -> None:
    assert positions.schema.equals(POSITIONS_SCHEMA)
    latest = (time.time() + 86_400) * 1000
    for table in (positions, static):
        if not table.num_rows:
            continue
        t = table.column("t").cast(pa.int64()).to_numpy()
        assert t.min() >= T2000_MS and t.max() <= latest
        m = table.column("mmsi").to_numpy()
        assert m.min() >= 1 and m.max() <= 999_999_999
    if positions.num_rows:
        lat = positions.column("lat").to_numpy()
        lon = positions.column("lon").to_numpy()
        assert np.isfinite(lat).all() and np.isfinite(lon).all()
        assert np.abs(lat).max() <= 90 and np.abs(lon).max() <= 180
    for col in ("name", "callsign", "destination"):
        for v in pc.unique(static.column(col)).to_pylist():
            assert v is None or not CONTROL.search(v), v


def _damage(data: bytes, rng: random.Random) -> bytes:
    """Truncated, or a few bytes overwritten past the header."""
    if rng.random() < 0.4:
        return data[: rng.randrange(1, len(data))]
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(min(20, len(b) - 1), len(b))
        b[i] = rng.randrange(256)
    return bytes(b)


def _zip(name: str) -> Callable[[bytes], bytes]:
    def pack(data: bytes) -> bytes:
        import io

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(name, data)
        return buf.getvalue()

    return pack


ARCHIVES: dict[str, Callable[[bytes], bytes]] = {
    "x.nmea.gz": gzip.compress,
    "x.nmea.xz": lzma.compress,
    "x.nmea.bz2": bz2.compress,
    "x.zip": _zip("x.nmea"),
}


@pytest.mark.parametrize("suffix", sorted(ARCHIVES))
def test_damaged_archives(suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    packed = ARCHIVES[suffix](NMEA)
    errors = 0
    for seed in SEEDS:
        path = tmp_path / suffix
        path.write_bytes(_damage(packed, random.Random(f"{suffix}{seed}")))
        rc, _ = _ingest(path, tmp_path, capsys, "--time", "2024-03-01T00:00:00Z")
        errors += rc
    assert errors >= len(SEEDS) // 2  # most damage is detected (CRCs), none crashes


_NOISE = [b"\x00", b"\xff", b"!", b"\\", b",", b"*", b"$PGHP,1,", b"\n", b"\r", b"#", b" ", b"9"]


def _mutate_nmea(rng: random.Random) -> bytes:
    lines = NMEA.splitlines(keepends=True)
    for _ in range(rng.randint(5, 40)):
        i = rng.randrange(len(lines))
        line = lines[i]
        op = rng.randrange(5)
        if op == 0 and len(line) > 2:  # delete a span
            a = rng.randrange(len(line) - 1)
            lines[i] = line[:a] + line[a + rng.randint(1, 8) :]
        elif op == 1:  # insert noise
            a = rng.randrange(len(line))
            lines[i] = line[:a] + rng.choice(_NOISE) + line[a:]
        elif op == 2:  # two sentences on one line
            lines[i] = line.rstrip(b"\n") + lines[rng.randrange(len(lines))]
        elif op == 3:  # a repeated or moved line
            lines.insert(rng.randrange(len(lines)), line)
        else:  # one byte changed
            a = rng.randrange(len(line))
            lines[i] = line[:a] + bytes([rng.randrange(256)]) + line[a + 1 :]
    return b"".join(lines)


@pytest.mark.parametrize("seed", SEEDS)
def test_mutated_nmea(seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.nmea"
    path.write_bytes(_mutate_nmea(random.Random(seed)))
    n = path.read_bytes().count(b"\n")
    for extra in ((), ("--keep-bad-checksum",)):
        rc, out = _ingest(path, tmp_path, capsys, *extra)
        assert rc == 0, out  # most lines still decode
        assert f"lines/rows: {n:,}" in out


_BAD_CELLS = [
    "",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "91",
    "181",
    "-999",
    "0",
    "1e9",
    "1900-01-01T00:00:00Z",
    "2100-01-01T00:00:00Z",
    "x\x1b[31mRED",
    "\u202eEVIL",
    '"quoted, comma"',
    "9" * 40,
]


def _csv(rng: random.Random, n: int = 60) -> tuple[str, int]:
    """A self-describing CSV with bad cells; also the number of rows whose time has a Z or an
    offset and nothing else wrong (those must all be kept)."""
    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    rows = ["mmsi,timestamp_utc,lat,lon,sog_knots,cog_deg,heading_deg,shipname"]
    clean = 0
    for i in range(n):
        t = t0 + timedelta(minutes=i)
        off = timedelta(minutes=rng.choice([0, 120, -180, 330]))
        zone = "Z" if not off else _zone(off)
        cells = [str(211_000_000 + i % 7), (t + off).strftime("%Y-%m-%dT%H:%M:%S") + zone]
        cells += [f"{50 + i / 100:.4f}", f"{-4 + i / 100:.4f}", "12.5", "90", "91", f"SHIP {i}"]
        if rng.random() < 0.5:
            k = rng.randrange(len(cells))
            cells[k] = rng.choice(_BAD_CELLS)
        else:
            clean += 1
        rows.append(",".join(cells))
    return "\n".join(rows) + "\n", clean


@pytest.mark.parametrize("seed", SEEDS)
def test_bad_csv_values_and_iso_offsets(
    seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, clean = _csv(random.Random(seed))
    path = tmp_path / "b.csv"
    path.write_text(text, encoding="utf-8")
    rc, out = _ingest(path, tmp_path, capsys)
    assert rc == 0, out
    assert "t=timestamp_utc" in out  # the mapping read from the names is printed
    assert pq.read_table(tmp_path / "p.parquet").num_rows >= clean


def test_iso_times_with_z_and_offsets_are_read_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(7)
    base = datetime(2024, 3, 1, tzinfo=UTC)
    rows, want = ["MMSI,BaseDateTime,LAT,LON"], []  # MarineCadastre header, its own format
    for i in range(40):
        t = base + timedelta(seconds=rng.randrange(86_400))
        off = timedelta(minutes=rng.choice([0, 60, -300, 330]))
        zone = "Z" if not off else _zone(off)
        rows.append(f"{211000000 + i},{(t + off).strftime('%Y-%m-%dT%H:%M:%S')}{zone},1.0,2.0")
        want.append(int(t.timestamp() * 1000))
    path = tmp_path / "iso.csv"
    path.write_text("\n".join(rows) + "\n")
    rc, _ = _ingest(path, tmp_path, capsys)
    assert rc == 0
    got = pq.read_table(tmp_path / "p.parquet").sort_by("mmsi").column("t").cast(pa.int64())
    assert got.to_pylist() == want


def _zone(off: timedelta) -> str:
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@pytest.mark.parametrize("seed", SEEDS)
def test_canonical_parquet_values_are_validated(
    seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(seed)
    n = 50
    t = np.int64(1_709_251_200_000) + rng.integers(0, 86_400_000, n)
    lat = rng.uniform(-60, 60, n)
    lon = rng.uniform(-170, 170, n)
    mmsi = rng.integers(200_000_000, 700_000_000, n).astype(np.int64)
    bad = rng.random(n) < 0.5
    for i in np.flatnonzero(bad):
        kind = rng.integers(0, 7)
        if kind == 0:
            lat[i] = np.nan
        elif kind == 1:
            lon[i] = np.inf
        elif kind == 2:
            lat[i] = 91.0
        elif kind == 3:
            lon[i] = 1e9
        elif kind == 4:
            mmsi[i] = 0
        elif kind == 5:
            t[i] = -2_208_988_800_000  # 1900
        else:
            t[i] = 3_313_526_400_000  # 2075
    table = pa.table(
        {
            "mmsi": pa.array(mmsi.astype(np.uint32)),
            "t": pa.array(t, type=pa.timestamp("ms", tz="UTC")),
            "lat": lat,
            "lon": lon,
            "sog": pa.array(rng.uniform(-5, 120, n).astype(np.float32)),
            "cog": pa.array(rng.uniform(-5, 400, n).astype(np.float32)),
            "heading": pa.array(rng.integers(-2, 600, n).astype(np.int16)),
            "nav_status": pa.array(rng.integers(0, 20, n).astype(np.int8)),
            "msg_type": pa.array(np.ones(n, np.uint8)),
            "receiver": pa.array(["r"] * n).dictionary_encode(),
            "is_sat": pa.array([None] * n, type=pa.bool_()),
            "ais_second": pa.array(np.zeros(n, np.int8)),
        }
    )
    path = tmp_path / "c.parquet"
    pq.write_table(table, path)
    rc, out = _ingest(path, tmp_path, capsys)
    assert rc == 0
    kept = pq.read_table(tmp_path / "p.parquet")
    assert kept.num_rows == n - int(bad.sum())
    assert f"lines/rows: {n:,} = position {kept.num_rows:,}" in out
    sog = kept.column("sog").to_numpy()
    assert np.all(np.isnan(sog) | ((sog >= 0) & (sog < 102.3)))


def _odd_inputs(d: Path) -> list[Path]:
    """Tables that are wrong as a whole rather than in a value."""
    strings = pa.table({f.name: pa.array(["x", "y"]) for f in POSITIONS_SCHEMA})
    pq.write_table(strings, d / "canonical_names_wrong_types.parquet")
    pq.write_table(pa.table({"x": [1]}), d / "no_layout.parquet")
    (d / "ragged.csv").write_text("mmsi,t,lat,lon\n211000001,2024-05-01T00:00:00Z,1,2,9,9\n1\n")
    (d / "header_only.csv").write_text("mmsi,timestamp,lat,lon\n")
    (d / "bad_utf8.csv").write_bytes(
        b"mmsi,timestamp,lat,lon,name\n211000001,2024-05-01T00:00:00Z,1,2,\xff\xfeBAD\x1b\n"
    )
    (d / "crlf_blank_comment.nmea").write_bytes(
        b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\r\n\r\n# a comment\r\n"
    )
    return sorted(p for p in d.iterdir() if p.is_file())


def test_odd_tables_give_a_line_or_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "odd"
    d.mkdir()
    codes = {}
    for path in _odd_inputs(d):
        codes[path.name], _ = _ingest(path, tmp_path, capsys, "--time", "2024-03-01T00:00:00Z")
    assert codes == {
        "bad_utf8.csv": 0,
        "canonical_names_wrong_types.parquet": 1,
        "crlf_blank_comment.nmea": 0,
        "header_only.csv": 1,
        "no_layout.parquet": 1,
        "ragged.csv": 1,
    }


def test_damaged_sar_inputs_are_one_line_errors(tmp_path: Path) -> None:
    """SAR detections (read by investigate and fuse) in damaged archives or malformed GeoJSON."""
    from ingest.sar import read_detections
    from vessels.errors import InputError

    sar = (ROOT / "data_samples" / "scenario" / "sar_detections.csv").read_bytes()
    rng = random.Random(3)
    files = {
        "s.csv.zip": _damage(_zip("s.csv")(sar), rng),
        "s.csv.gz": gzip.compress(sar)[:-40],
        "s.csv.bz2": b"BZh9" + bytes(rng.randrange(256) for _ in range(64)),
        "s.csv.xz": lzma.compress(sar)[:200],
        "features.geojson": b'{"type": "FeatureCollection", "features": [[1, 2]]}',
        "footprint.geojson": b'{"type": "FeatureCollection", "features": [{"type": "Feature",'
        b' "geometry": {"type": "Polygon", "coordinates": [[1, 2]]}, "properties": {}}]}',
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError) as err:
            read_detections([path])
        assert str(err.value).startswith(str(path)) and "\n" not in str(err.value), err.value


def test_sar_detections_with_impossible_dates_are_counted(tmp_path: Path) -> None:
    from ingest.sar import read_detections

    f = tmp_path / "sar.csv"
    f.write_text(
        "detection_id,scene_id,time,lat,lon\n"
        "a,s1,2019-06-01T10:00:00Z,1.0,2.0\n"
        "b,s2,1900-01-01T00:00:00Z,1.0,2.0\n"
        "c,s3,2100-01-01T00:00:00Z,1.0,2.0\n"
    )
    res = read_detections([f])
    assert res.stats.accepted == 1 and res.stats.rejects == {"implausible_time": 2}
