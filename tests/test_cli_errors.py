"""Bad input through every command: a clear error naming the path (or counted rejects), never a
traceback, never a half-written output.

Each case runs ``vessels.cli.main`` in-process on small files made here or on real files from
../shared/data; the cases are chosen to fail before any heavy stage so the table stays fast.
One test runs the installed console script; one kills ``vessels investigate`` while it writes.
"""

from __future__ import annotations

import gzip
import lzma
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.dom import minidom

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vessels.atomic import atomic_path, atomic_write
from vessels.cli import EXIT_INTERNAL, main
from vessels.errors import OutputError
from vessels.pipeline.investigate import investigate
from vessels.pipeline.outputs import check_out_dir
from vessels.textsafe import drop_controls, xml_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data_samples" / "scenario"
ENCOUNTERS = "{data}/gfw_transshipment_events_2012_2017/encounter-events.csv.gz"
VESSELS = (sys.executable, "-m", "vessels")
GOOD_LINES = 400  # of the sample's NMEA: a few hundred positions of ~40 vessels


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of broken inputs, each named for what is wrong with it."""
    d = tmp_path_factory.mktemp("bad")
    lines = (SAMPLE / "traffic.nmea").read_bytes().splitlines(keepends=True)
    good = b"".join(lines[:GOOD_LINES])
    (d / "good.nmea").write_bytes(good)
    (d / "empty.nmea").write_bytes(b"")
    (d / "empty.csv").write_bytes(b"")
    (d / "garbage.nmea").write_bytes(bytes(range(256)) * 16)
    (d / "trunc.nmea.gz").write_bytes(gzip.compress(good)[:1500])
    (d / "trunc.nmea.xz").write_bytes(lzma.compress(good)[:1500])
    with zipfile.ZipFile(d / "two.zip", "w") as z:
        z.writestr("a.nmea", good)
        z.writestr("b.nmea", good)
    (d / "nonais.nmea").write_text(
        "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\n"
        "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\n"
    )
    (d / "events.jsonl").write_text('{"event_id": "a1", "type": "gap", "mmsi": 1}\n')
    (d / "unknown.csv").write_text("foo,bar,baz\n1,2,3\n4,5,6\n")
    sar = (SAMPLE / "sar_detections.csv").read_bytes()
    (d / "trunc_sar.csv.gz").write_bytes(gzip.compress(sar)[: len(sar) // 8])
    (d / "sar_empty.csv").write_text("lat,lon\n")
    (d / "headeronly.csv").write_text(
        "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,"
        "Length,Width,Draft,Cargo,TransceiverClass\n"
    )
    (d / "broken.toml").write_text("not toml [[[\n")
    (d / "unknown_key.toml").write_text("[gap]\nno_such_key = 3\n")
    (d / "wrong_type.toml").write_text('[gap]\nmin_gap_h = "abc"\n')
    (d / "unknown_table.toml").write_text("[nosuchdetector]\nx = 1\n")
    (d / "grids_type.toml").write_text('[grids]\ncell_deg = "x"\n')
    (d / "scoring_key.toml").write_text("[scoring]\nno_such_weight = 0.5\n")
    (d / "truth.json").write_text("this is not json\n")
    (d / "adir").mkdir()
    (d / "notempty").mkdir()
    (d / "notempty" / "thesis.docx").write_text("precious")
    return d


# (argv with {bad} {out} {sample} {data} placeholders, the text stderr must hold)
FAILS: list[tuple[str, list[str], str]] = [
    # ingest: every unreadable input names its path
    ("ingest-missing", ["ingest", "{bad}/nope.nmea", "-o", "{out}/p.parquet"], "nope.nmea"),
    ("ingest-folder", ["ingest", "{bad}/adir", "-o", "{out}/p.parquet"], "adir"),
    ("ingest-empty", ["ingest", "{bad}/empty.nmea", "-o", "{out}/p.parquet"], "empty.nmea"),
    ("ingest-empty-csv", ["ingest", "{bad}/empty.csv", "-o", "{out}/p.parquet"], "empty.csv"),
    ("ingest-garbage", ["ingest", "{bad}/garbage.nmea", "-o", "{out}/p.parquet"], "garbage.nmea"),
    (
        "ingest-trunc-gz",
        ["ingest", "{bad}/trunc.nmea.gz", "-o", "{out}/p.parquet"],
        "trunc.nmea.gz",
    ),
    (
        "ingest-trunc-xz",
        ["ingest", "{bad}/trunc.nmea.xz", "-o", "{out}/p.parquet"],
        "trunc.nmea.xz",
    ),
    (
        "ingest-non-ais",
        ["ingest", "{bad}/nonais.nmea", "-o", "{out}/p.parquet"],
        "nonais.nmea: no !AIVDM/!AIVDO sentences (2 other NMEA sentences) and not a CSV table",
    ),
    (
        "ingest-events-jsonl",
        ["ingest", "{bad}/events.jsonl", "-o", "{out}/p.parquet"],
        "events.jsonl: no !AIVDM/!AIVDO sentences (0 other NMEA sentences) and not a CSV table",
    ),
    ("ingest-unknown-csv", ["ingest", "{bad}/unknown.csv", "-o", "{out}/p.parquet"], "--columns"),
    (
        "ingest-columns-missing",
        [
            "ingest",
            "{bad}/unknown.csv",
            "-o",
            "{out}/p.parquet",
            "--columns",
            "mmsi=nosuch,t=foo,lat=bar,lon=baz",
        ],
        "nosuch",
    ),
    # a header and no rows: the error names the file
    (
        "ingest-header-only",
        ["ingest", "{bad}/headeronly.csv", "-o", "{out}/p.parquet"],
        "headeronly.csv: the inputs held no usable position",
    ),
    (
        "ingest-real-ports-csv",
        ["ingest", "{data}/gfw_ports_anchorages/WPI_ports.csv", "-o", "{out}/p.parquet"],
        "WPI_ports.csv",
    ),
    (
        "ingest-real-encounters",
        ["ingest", ENCOUNTERS, "-o", "{out}/p.parquet"],
        "encounter-events.csv.gz",
    ),
    ("ingest-out-unwritable", ["ingest", "{bad}/good.nmea", "-o", "/proc/x.parquet"], "/proc/x"),
    ("ingest-out-is-folder", ["ingest", "{bad}/good.nmea", "-o", "{bad}/adir"], "adir"),
    # the outputs are Parquet: a name that says otherwise is refused before any work
    ("ingest-out-txt", ["ingest", "{bad}/good.nmea", "-o", "{out}/p.txt"], "-o '"),
    (
        "ingest-static-csv",
        ["ingest", "{bad}/good.nmea", "-o", "{out}/p.parquet", "--static", "{out}/s.csv"],
        "--static '",
    ),
    (
        "ingest-time",
        ["ingest", "{bad}/good.nmea", "-o", "{out}/p.parquet", "--time", "nope"],
        "nope",
    ),
    # detect / fuse: checked before any work
    ("detect-missing", ["detect", "{bad}/nope.nmea", "-o", "{out}/e.jsonl"], "nope.nmea"),
    ("detect-out-ext", ["detect", "{bad}/good.nmea", "-o", "{out}/e.xyz"], "e.xyz"),
    ("detect-garbage", ["detect", "{bad}/garbage.nmea", "-o", "{out}/e.jsonl"], "garbage.nmea"),
    (
        "fuse-sar-missing",
        ["fuse", "{bad}/good.nmea", "--sar", "{bad}/no.csv", "-o", "{out}/e.jsonl"],
        "no.csv",
    ),
    (
        "fuse-sar-trunc-gz",
        ["fuse", "{bad}/good.nmea", "--sar", "{bad}/trunc_sar.csv.gz", "-o", "{out}/e.jsonl"],
        "trunc_sar.csv.gz: cannot be read as CSV",
    ),
    (
        "fuse-sar-folder",
        ["fuse", "{bad}/good.nmea", "--sar", "{bad}/adir", "-o", "{out}/e.jsonl"],
        "adir: is a folder; give detection files (CSV/GeoJSON)",
    ),
    (
        "fuse-sar-no-rows",
        ["fuse", "{bad}/good.nmea", "--sar", "{bad}/sar_empty.csv", "-o", "{out}/e.jsonl"],
        "sar_empty.csv: no detections and no scenes",
    ),
    (
        "fuse-sar-unknown-csv",
        ["fuse", "{bad}/good.nmea", "--sar", "{bad}/unknown.csv", "-o", "{out}/e.jsonl"],
        "--sar-columns lat=NAME,lon=NAME",
    ),
    # the parameter file is checked before the inputs (here missing) and the error names it
    *[
        (
            f"{cmd}-config-first",
            [
                cmd,
                "{bad}/nope.nmea",
                *(["--sar", "{bad}/no.csv"] if cmd == "fuse" else []),
                "-o",
                "{out}/e.jsonl",
                "--config",
                "{bad}/unknown_key.toml",
            ],
            "unknown_key.toml: [gap] has unknown key",
        )
        for cmd in ("detect", "fuse")
    ],
    (
        "fuse-out-ext",
        ["fuse", "{bad}/good.nmea", "--sar", "{sample}/sar_detections.csv", "-o", "{out}/e.xyz"],
        "e.xyz",
    ),
    # simulate
    ("simulate-out-is-file", ["simulate", "--out", "{bad}/good.nmea"], "good.nmea"),
    ("simulate-days", ["simulate", "--out", "{out}/s", "--days", "0"], "--days"),
    ("simulate-vessels-0", ["simulate", "--out", "{out}/s", "--vessels", "0"], "--vessels"),
    (
        "simulate-scale-vessels-0",
        ["simulate", "--scale", "--out", "{out}/s", "--vessels", "0"],
        "--vessels must be 1 or more, got 0",
    ),
    # the scenario replaces --out as a whole: a folder of other files is not taken
    ("simulate-out-foreign", ["simulate", "--out", "{bad}/notempty"], "notempty"),
    # evaluate: neither file may be silently empty or of the wrong kind
    ("evaluate-truth-not-json", ["evaluate", "{out}/e.jsonl", "{bad}/truth.json"], "truth.json"),
    *[
        (
            f"evaluate{opt}={value}",
            ["evaluate", "{out}/e.jsonl", "{sample}/truth.json", opt, value],
            opt,
        )
        for opt, value in (
            ("--min-score", "1.5"),
            ("--min-score", "-0.1"),
            ("--min-score", "nan"),
            ("--min-overlap", "0"),
            ("--min-overlap", "1.01"),
        )
    ],
    ("evaluate-truth-missing", ["evaluate", "{out}/e.jsonl", "{bad}/nope.json"], "nope.json"),
    (
        "evaluate-events-missing",
        ["evaluate", "{bad}/nope.jsonl", "{sample}/truth.json"],
        "nope.jsonl",
    ),
    (
        "evaluate-events-empty-csv",
        ["evaluate", "{bad}/empty.csv", "{sample}/truth.json"],
        "empty.csv",
    ),
    (
        "evaluate-events-wrong-table",
        ["evaluate", "{bad}/headeronly.csv", "{sample}/truth.json"],
        "headeronly.csv",
    ),
    (
        "evaluate-events-real-encounters",
        ["evaluate", ENCOUNTERS, "{sample}/truth.json"],
        "encounter-events.csv.gz",
    ),
    # investigate: inputs, --out and the config file are all checked before the pipeline runs
    ("investigate-missing", ["investigate", "{bad}/nope.nmea", "--out", "{out}/r"], "nope.nmea"),
    ("investigate-empty", ["investigate", "{bad}/empty.nmea", "--out", "{out}/r"], "empty.nmea"),
    ("investigate-garbage", ["investigate", "{bad}/garbage.nmea", "--out", "{out}/r"], "garbage"),
    ("investigate-folder", ["investigate", "{bad}/adir", "--out", "{out}/r"], "adir"),
    (
        "investigate-out-file",
        ["investigate", "{bad}/good.nmea", "--out", "{bad}/good.nmea"],
        "good.nmea",
    ),
    (
        "investigate-out-foreign",
        ["investigate", "{bad}/good.nmea", "--out", "{bad}/notempty"],
        "notempty",
    ),
    (
        "investigate-out-unwritable",
        ["investigate", "{bad}/good.nmea", "--out", "/proc/x"],
        "/proc/x",
    ),
    (
        "investigate-top",
        ["investigate", "{bad}/good.nmea", "--out", "{out}/r", "--top", "-1"],
        "--top",
    ),
    (
        "investigate-carriers-missing",
        ["investigate", "{bad}/good.nmea", "--out", "{out}/r", "--carriers", "{bad}/nope.csv"],
        "nope.csv",
    ),
    (
        "investigate-sar-trunc-gz",
        ["investigate", "{bad}/good.nmea", "--out", "{out}/r", "--sar", "{bad}/trunc.nmea.gz"],
        "trunc.nmea.gz",
    ),
    (
        "investigate-sar-unknown-csv",
        ["investigate", "{bad}/good.nmea", "--out", "{out}/r", "--sar", "{bad}/unknown.csv"],
        "unknown.csv: no latitude/longitude columns among: foo, bar, baz; map them with "
        "--sar-columns",
    ),
    # --sar-columns reaches the SAR reader: the mapped column is looked for, and is not there
    (
        "investigate-sar-columns",
        [
            "investigate",
            "{bad}/good.nmea",
            "--out",
            "{out}/r",
            "--sar",
            "{bad}/unknown.csv",
            "--sar-columns",
            "lat=nosuch,lon=baz",
        ],
        "nosuch",
    ),
    *[
        (
            f"investigate-config-{name}",
            [
                "investigate",
                "{bad}/good.nmea",
                "--out",
                "{out}/r",
                "--config",
                f"{{bad}}/{name}.toml",
            ],
            f"{name}.toml",
        )
        for name in (
            "broken",
            "unknown_key",
            "wrong_type",
            "unknown_table",
            "grids_type",
            "scoring_key",
        )
    ],
    (
        "investigate-config-missing",
        ["investigate", "{bad}/good.nmea", "--out", "{out}/r", "--config", "{bad}/nope.toml"],
        "nope.toml",
    ),
]


def _argv(argv: list[str], bad: Path, out: Path, shared_data: Path) -> list[str]:
    subs = {"{bad}": bad, "{out}": out, "{sample}": SAMPLE, "{data}": shared_data}
    res = []
    for a in argv:
        for k, v in subs.items():
            a = a.replace(k, str(v))
        res.append(a)
    return res


@pytest.mark.parametrize(("argv", "needle"), [c[1:] for c in FAILS], ids=[c[0] for c in FAILS])
def test_bad_input_is_a_clear_error(
    argv: list[str],
    needle: str,
    bad: Path,
    tmp_path: Path,
    shared_data: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "e.jsonl").write_text("")  # a valid, empty events file for the evaluate cases
    before = sorted(p.name for p in out.iterdir())
    rc = main(_argv(argv, bad, out, shared_data))
    err = capsys.readouterr().err
    assert rc not in (0, EXIT_INTERNAL), err
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.startswith(f"vessels {argv[0]}: error: "), err
    assert needle in err, err
    # nothing written, not even a hidden temporary file or folder
    assert sorted(p.name for p in out.iterdir()) == before
    assert not [p for p in bad.iterdir() if p.name.startswith(".")]


def test_counted_rejects_are_not_errors(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file with some bad sentences is read: the rejects are counted by reason, rc 0."""
    out = tmp_path / "p.parquet"
    rc = main(["ingest", str(shared_data / "gfw_ais_tools_edgecases/errors.nmea"), "-o", str(out)])
    text = capsys.readouterr()
    assert rc == 0, text.err
    assert "bad_checksum 2" in text.out
    assert pq.read_table(out).num_rows > 0


def test_zip_with_two_members_reads_both(
    bad: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    assert main(["ingest", str(bad / "good.nmea"), "-o", str(one), "--quiet"]) == 0
    assert main(["ingest", str(bad / "two.zip"), "-o", str(two), "--quiet"]) == 0
    n = pq.read_table(one).num_rows
    assert n > 100
    assert pq.read_table(two).num_rows == 2 * n


def test_atomic_output_errors_name_the_path(tmp_path: Path) -> None:
    with (
        pytest.raises(OutputError, match=r"/proc/x\.parquet: cannot write"),
        atomic_path("/proc/x.parquet"),
    ):
        pass  # pragma: no cover
    (tmp_path / "d").mkdir()
    with pytest.raises(OutputError, match="is a folder"), atomic_path(tmp_path / "d"):
        pass  # pragma: no cover
    # a failing writer leaves the previous file and no temporary file
    dest = tmp_path / "x.csv"
    dest.write_text("previous\n")
    with pytest.raises(RuntimeError), atomic_write(dest) as fh:
        fh.write("half")
        raise RuntimeError("writer failed")
    assert dest.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "x.csv"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_a_killed_run_are_recovered(tmp_path: Path) -> None:
    """A kill between moving the old result aside and moving the new one in leaves
    ``.out.old-PID``: the next run puts it back; a dead run's partial folder is removed; a live
    run's is left alone."""
    out = tmp_path / "out"
    dead = _dead_pid()
    old = tmp_path / f".out.old-{dead}"
    old.mkdir()
    (old / "summary.json").write_text("{}")
    partial = tmp_path / f".out.partial-{dead}-abc"
    partial.mkdir()
    (partial / "report.html").write_text("<html>half")
    live = tmp_path / f".out.partial-{os.getpid()}-xyz"
    live.mkdir()
    check_out_dir(out)
    assert (out / "summary.json").read_text() == "{}"
    assert not old.exists() and not partial.exists()
    assert live.exists()


def test_console_script_missing_file(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "vessels"
    r = subprocess.run(
        [str(exe), "ingest", str(tmp_path / "nope.nmea"), "-o", str(tmp_path / "p.parquet")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert f"{tmp_path / 'nope.nmea'}: no such file" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_killed_investigate_leaves_the_previous_result(bad: Path, tmp_path: Path) -> None:
    """SIGKILL while the outputs are being written: --out still holds the previous complete
    result (or, if the kill fell between the two renames, the next run restores it)."""
    out = tmp_path / "out"
    # a real previous result, made in-process: it also fills Numba's disk cache, so the killed
    # run below reaches its output stage in seconds even when the cache was cold
    investigate([bad / "good.nmea"], out, quiet=True)
    previous = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "summary.json" in previous and "report.html" in previous
    proc = subprocess.Popen(
        [*VESSELS, "investigate", str(bad / "good.nmea"), "--out", str(out), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    killed = False
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.name.startswith(".out.partial-") for p in tmp_path.iterdir()):
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.002)
    proc.wait(timeout=60)
    assert killed, f"the run ended (rc {proc.returncode}) before its outputs were staged: " + (
        proc.stderr.read().decode() if proc.stderr else ""
    )
    if proc.stderr:
        proc.stderr.close()
    if out.exists():
        assert {p.name: p.read_bytes() for p in out.iterdir()} == previous
    check_out_dir(out)  # what the next run does first: restores or tidies
    assert {p.name: p.read_bytes() for p in out.iterdir()} == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_kml_text_is_always_well_formed_xml(name: str) -> None:
    """A vessel name from a provider CSV can hold any character; KML must still parse."""
    text = xml_text(name)
    doc = minidom.parseString(f'<Placemark id="{text}"><name>{text}</name></Placemark>')
    node = doc.getElementsByTagName("name")[0]
    got = "".join(c.data for c in node.childNodes if isinstance(c, minidom.Text))
    # control and bidi-control characters are dropped; then XML's own line-end rule
    want = drop_controls(name).replace("\r\n", "\n").replace("\r", "\n")
    assert len(got) == len(want)  # one character out for each character in
    assert all(a == b or b == "\ufffd" for a, b in zip(want, got, strict=True))


def test_simulate_replaces_its_folder_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run stopped while writing leaves the previous scenario, byte for byte, and no temporary
    folder; a completed run replaces the scenario as a whole."""
    import vessels.sim.writers as writers

    out = tmp_path / "s"
    args = ["simulate", "--out", str(out), "--days", "1", "--vessels", "20", "--quiet"]
    assert main([*args, "--seed", "3"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {"traffic.nmea", "truth.json", "sar_detections.csv", "carriers.csv"} <= set(before)
    real = writers.write_scenario

    def interrupted(sc: object, d: Path, fmt: str = "nmea") -> list[Path]:
        real(sc, d, fmt)  # type: ignore[arg-type]
        raise KeyboardInterrupt  # Ctrl-C after the files, before the rename

    monkeypatch.setattr(writers, "write_scenario", interrupted)
    assert main([*args, "--seed", "4"]) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    monkeypatch.undo()
    assert main([*args, "--seed", "4", "--format", "csv"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "traffic.nmea" not in names and "traffic.csv" in names  # no file of the old run left
    assert (out / "truth.json").read_bytes() != before["truth.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    capsys.readouterr()
