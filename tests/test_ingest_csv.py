"""Provider CSV layouts, mapped CSV, Parquet and compressed inputs through ``read_inputs``."""

from __future__ import annotations

import gzip
import lzma
import math
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ingest import read_inputs
from vessels.errors import InputError, NoDataError
from vessels.ids import PSEUDO_MMSI_MAX, PSEUDO_MMSI_MIN
from vessels.schema import POSITIONS_SCHEMA, STATIC_SCHEMA

MC = "marinecadastre_20220103_vesselsummaryais/AISdata_2022-01-03.csv.xz"


@pytest.fixture(scope="module")
def marinecadastre(shared_data: Path):  # type: ignore[no-untyped-def]
    return read_inputs([shared_data / MC])


def test_marinecadastre_day_gives_every_row_or_a_counted_reject(marinecadastre) -> None:  # type: ignore[no-untyped-def]
    res = marinecadastre
    assert res.positions.schema == POSITIONS_SCHEMA
    assert res.static.schema == STATIC_SCHEMA
    assert res.stats.lines == 99_999
    assert res.positions.num_rows + sum(res.stats.rejects.values()) == 99_999
    # The five rejects are a 10-digit user id (1072211352), not an MMSI.
    assert res.stats.rejects == {"invalid_mmsi": 5}
    assert res.stats.formats == {"csv:marinecadastre": 1}
    first = res.positions.slice(0, 1).to_pylist()[0]
    assert first["mmsi"] == 338148873
    assert first["t"] == datetime(2022, 1, 3, tzinfo=UTC)
    assert (first["lat"], first["lon"]) == (33.60716, -117.91483)
    assert first["heading"] == -1  # 511 = not available
    assert first["is_sat"] is None and first["msg_type"] == 0
    assert pc.count_distinct(res.positions.column("mmsi")).as_py() == 10_630


def test_marinecadastre_static_rows_change_only(marinecadastre) -> None:  # type: ignore[no-untyped-def]
    st = marinecadastre.static
    eagle = [r for r in st.to_pylist() if r["mmsi"] == 367379190]
    assert len(eagle) == 1  # repeated unchanged on every row: kept once
    assert eagle[0]["name"] == "EAGLE" and eagle[0]["imo"] == 8207721
    assert eagle[0]["callsign"] == "WTD4583" and eagle[0]["ship_type"] == 31
    assert eagle[0]["to_bow"] + eagle[0]["to_stern"] == 28  # Length
    assert eagle[0]["to_port"] + eagle[0]["to_starboard"] == 11  # Width
    # Far fewer static rows than positions, and every vessel with a name has one.
    assert 9_000 < st.num_rows < 20_000


def test_dma_spire_and_nari_layouts(shared_data: Path) -> None:
    dma = read_inputs([shared_data / "mobiml_schema_samples/test_aisdk_20180208_sample.csv"])
    assert dma.positions.num_rows == 10
    row = dma.positions.slice(0, 1).to_pylist()[0]
    assert row["t"] == datetime(2018, 2, 8, tzinfo=UTC)  # day first: 08/02/2018
    assert (row["mmsi"], row["lat"], row["lon"]) == (265177000, 57.602225, 11.644943)
    assert row["nav_status"] == 0  # "Under way using engine"
    assert dma.positions.column("nav_status").to_pylist()[1] == 1  # "At anchor"

    nari = read_inputs([shared_data / "mobiml_schema_samples/test_nari_dynamic.csv"])
    row = nari.positions.slice(0, 1).to_pylist()[0]
    assert row["t"] == datetime.fromtimestamp(1443650402, UTC)
    assert (row["mmsi"], row["lon"], row["lat"], row["heading"]) == (
        245257000,
        -4.4657183,
        48.38249,
        36,
    )
    assert nari.positions.column("heading").to_pylist()[1] == -1

    spire = read_inputs([shared_data / "aisdb_spire_csv_20210701/test_data_20210701.csv"])
    assert spire.stats.lines == 2_498
    kept = spire.positions.num_rows
    assert kept + spire.stats.rejects.get("position_unavailable", 0) + spire.stats.rejects.get(
        "invalid_mmsi", 0
    ) == sum(
        spire.stats.messages_by_type.get(t, 0) for t in (1, 2, 3, 18, 19, 27)
    ) + spire.stats.rejects.get("invalid_mmsi", 0)
    first = spire.positions.slice(0, 1).to_pylist()[0]
    assert first["t"] == datetime(2021, 7, 1, 18, 51, 51, 680_000, tzinfo=UTC)  # + Millisecond
    assert first["msg_type"] == 1 and first["mmsi"] == 432905000
    assert math.isclose(first["lat"], 8.87747666667) and math.isclose(
        first["sog"], 13.6, rel_tol=1e-6
    )
    assert spire.stats.messages_by_type[27] == 978
    names = pc.drop_null(spire.static.column("name"))
    assert len(names) > 50


def test_generic_csv_needs_a_mapping_and_uses_it(tmp_path: Path) -> None:
    f = tmp_path / "tracks.csv"
    f.write_text(
        "ship,when,y,x,speed\n"
        "211234560,2024-05-01T12:00:00Z,54.1,10.2,12.5\n"
        "211234560,2024-05-01T12:01:00Z,54.2,10.3,102.3\n"
        "0,2024-05-01T12:02:00Z,54.3,10.4,1\n"
        "211234561,not a time,54.3,10.4,1\n"
        "211234561,2024-05-01T12:03:00Z,91,181,1\n"
    )
    with pytest.raises(InputError) as err:
        read_inputs([f])
    msg = str(err.value)
    assert "columns found: ['ship', 'when', 'y', 'x', 'speed']" in msg and "--columns" in msg
    res = read_inputs([f], columns="mmsi=ship,t=when,lat=y,lon=x,sog=speed")
    assert res.positions.column("mmsi").to_pylist() == [211234560, 211234560]
    sog = res.positions.column("sog").to_pylist()
    assert sog[0] == 12.5 and math.isnan(sog[1])
    assert res.stats.rejects == {"invalid_mmsi": 1, "no_time": 1, "position_unavailable": 1}
    with pytest.raises(InputError, match="does not have"):
        read_inputs([f], columns="mmsi=ship,t=when,lat=y,lon=nope")
    with pytest.raises(InputError, match="unknown field"):
        read_inputs([f], columns="mmsi=ship,t=when,lat=y,lon=x,colour=speed")


def test_compressed_zip_and_parquet_round_trip(tmp_path: Path, shared_data: Path) -> None:
    src = (shared_data / "aisdb_nmea_tagblock_20211101/test_data_20211101.nm4").read_bytes()
    plain = read_inputs([shared_data / "aisdb_nmea_tagblock_20211101/test_data_20211101.nm4"])
    (tmp_path / "a.nm4.gz").write_bytes(gzip.compress(src))
    (tmp_path / "a.nm4.xz").write_bytes(lzma.compress(src))
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr("inner/a.nm4", src)
    for name in ("a.nm4.gz", "a.nm4.xz", "a.zip"):
        res = read_inputs([tmp_path / name])
        assert res.positions.to_pandas().equals(plain.positions.to_pandas()), name
        assert res.static.to_pandas().equals(plain.static.to_pandas()), name
    pq.write_table(plain.positions, tmp_path / "p.parquet")
    pq.write_table(plain.static, tmp_path / "s.parquet")
    back = read_inputs([tmp_path / "p.parquet", tmp_path / "s.parquet"])
    assert back.positions.to_pandas().equals(plain.positions.to_pandas())
    assert back.static.num_rows == plain.static.num_rows
    receivers = pc.unique(plain.positions.column("receiver").combine_chunks().dictionary)
    assert receivers.to_pylist() == ["42809", "41925", "43255", "43254"]  # tag block s:


def test_mixed_inputs_concatenate_with_one_receiver_dictionary(
    tmp_path: Path, shared_data: Path
) -> None:
    res = read_inputs(
        [
            shared_data / "aisdb_nmea_tagblock_20211101/test_data_20211101.nm4",
            shared_data / "amsa_risky_nmea/nmea-timestamped.txt",
            shared_data / "mobiml_schema_samples/test_nari_dynamic.csv",
        ]
    )
    assert res.stats.files == 3
    assert res.positions.num_rows == 914 + 99 + 10
    col = res.positions.column("receiver")
    assert col.num_chunks == 1 and pa.types.is_dictionary(col.type)


def test_bad_inputs_give_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.nmea"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_inputs([empty])
    with pytest.raises(InputError, match="no such file"):
        read_inputs([tmp_path / "missing.nmea"])
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 100)
    with pytest.raises(InputError, match="binary"):
        read_inputs([binary])
    text = tmp_path / "notes.txt"
    text.write_text("hello\nworld\n")
    with pytest.raises(InputError, match="no AIS sentences"):
        read_inputs([text])
    corrupt = tmp_path / "x.nmea.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(InputError, match="decompress"):
        read_inputs([corrupt])
    no_time = tmp_path / "n.nmea"
    no_time.write_text("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n")
    with pytest.raises(NoDataError, match="no_time 1"):
        read_inputs([no_time])


def test_folder_skips_and_counts_non_ais_files(tmp_path: Path, shared_data: Path) -> None:
    (tmp_path / "README.md").write_text("notes about the capture\n")
    (tmp_path / "a.nmea").write_bytes(
        (shared_data / "amsa_risky_nmea/nmea-timestamped.txt").read_bytes()
    )
    res = read_inputs([tmp_path])
    assert res.positions.num_rows == 99
    assert res.stats.rejects["skipped_file"] == 1
    assert "README.md" in res.summary()


SUEZ = "movingpandas_evergiven_suez/boat-positions.csv"
SUEZ_COLS = "t=ais_pos_timestamp,lat=latitude,lon=longitude"


def test_suez_day_first_times_and_non_mmsi_ids(shared_data: Path, tmp_path: Path) -> None:
    """dd/mm/yyyy HH:MM times are read day-first (days 20-24 tell), anonymised ids become
    pseudo-MMSIs, one per id, and every row is accepted."""
    res = read_inputs([shared_data / SUEZ], columns=f"id=ID,{SUEZ_COLS}")
    assert res.positions.num_rows == 22_287 and res.stats.rejects == {}
    assert res.vessels == 256 and len(res.stats.id_map) == 256
    mmsi = res.positions.column("mmsi")
    assert pc.min(mmsi).as_py() >= PSEUDO_MMSI_MIN and pc.max(mmsi).as_py() <= PSEUDO_MMSI_MAX
    t = res.positions.column("t")
    assert pc.min(t).as_py() == datetime(2021, 3, 20, 0, 0, tzinfo=UTC)
    assert pc.max(t).as_py() == datetime(2021, 3, 24, 12, 52, tzinfo=UTC)
    # Row 1 of the file: vessel 1 at 20/03/2021 00:22.
    first = res.positions.slice(0, 1).to_pylist()[0]
    assert first["mmsi"] == res.stats.id_map["1"]
    assert first["t"] == datetime(2021, 3, 20, 0, 22, tzinfo=UTC)
    assert "pseudo-MMSIs" in res.summary()
    # An explicit format gives the same times; numeric ids used as MMSIs are flagged.
    fmt = read_inputs(
        [shared_data / SUEZ], columns=f"mmsi=ID,{SUEZ_COLS}", time_format="%d/%m/%Y %H:%M"
    )
    assert fmt.positions.column("t").equals(res.positions.column("t"))
    assert "256 vessels have MMSIs of fewer than 7 digits" in fmt.summary()


def test_ambiguous_slash_dates_ask_for_a_format(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("v,when,y,x\nA,03/04/2021 10:00,54.1,10.2\nB,04/03/2021 10:05:30,54.2,10.3\n")
    cols = "id=v,t=when,lat=y,lon=x"
    with pytest.raises(InputError, match="day-first or month-first"):
        read_inputs([f], columns=cols)
    us = read_inputs([f], columns=cols, time_format="%m/%d/%Y %H:%M")
    assert us.positions.column("t")[0].as_py() == datetime(2021, 3, 4, 10, 0, tzinfo=UTC)
    assert us.stats.rejects == {"no_time": 1}  # the row with seconds does not fit the format
    g = tmp_path / "us.csv"
    g.write_text("v,when,y,x\nA,12/31/2021 23:59:59,54.1,10.2\n,01/02/2022 00:00:01,1,1\n")
    res = read_inputs([g], columns=cols)
    assert res.positions.column("t")[0].as_py() == datetime(2021, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert res.stats.rejects == {"missing_id": 1}
    with pytest.raises(InputError, match="both mmsi and id"):
        read_inputs([g], columns="id=v,mmsi=v,t=when,lat=y,lon=x")
    with pytest.raises(InputError, match="strptime"):
        read_inputs([g], columns=cols, time_format="dd/mm/yyyy")


def test_pseudo_mmsis_are_stable_and_collision_free() -> None:
    import pandas as pd

    from vessels.ids import is_pseudo_mmsi, pseudo_mmsis

    ids = pd.Series([f"vessel-{i}" for i in range(5000)] + ["vessel-7", " ", None])
    a: dict[str, int] = {}
    out = pseudo_mmsis(ids, a)
    assert len(a) == 5000 and len(set(a.values())) == 5000
    assert all(is_pseudo_mmsi(m) for m in a.values())
    assert out[7] == out[5000] and math.isnan(out[5001]) and math.isnan(out[5002])
    b: dict[str, int] = {}
    pseudo_mmsis(ids[::-1].reset_index(drop=True), b)
    assert a == b  # the same ids get the same numbers whatever the order


def test_self_describing_header_is_read_without_columns(tmp_path: Path) -> None:
    """The header of issue 12: names that say what they hold are mapped, and the mapping is
    in the summary; control and bidi-override characters never reach the tables."""
    f = tmp_path / "named.csv"
    f.write_text(
        "mmsi,timestamp_utc,lat,lon,sog_knots,cog_deg,heading_deg,shipname\n"
        "211234560,2024-05-01T12:00:00Z,54.1,10.2,12.5,90.5,91,SEA\x1b[2JSTAR\u202e\n"
        "211234560,2024-05-01T14:01:00+02:00,54.2,10.3,12.0,91,92,SEA STAR\n",
        encoding="utf-8",
    )
    res = read_inputs([f])
    assert res.positions.column("t").cast("int64").to_pylist() == [1714564800000, 1714564860000]
    assert res.positions.column("sog").to_pylist() == [12.5, 12.0]
    assert res.positions.column("heading").to_pylist() == [91, 92]
    assert res.static.column("name").to_pylist() == ["SEA[2JSTAR", "SEA STAR"]
    assert res.stats.columns_used == [
        f"{f}: mmsi=mmsi, t=timestamp_utc, lat=lat, lon=lon, sog=sog_knots, cog=cog_deg, "
        "heading=heading_deg, name=shipname (from the column names)"
    ]
    assert "t=timestamp_utc" in res.summary()
    both = tmp_path / "both.csv"
    both.write_text("MMSI,Time,Timestamp,Latitude,Longitude\n211234560,1,2,3,4\n")
    with pytest.raises(InputError, match=r"ambiguous columns.*'Time' or 'Timestamp'"):
        read_inputs([both])


def test_provider_time_format_also_reads_iso_with_zone(tmp_path: Path) -> None:
    """A MarineCadastre header whose times carry a Z or an offset: read, not dropped."""
    f = tmp_path / "mc.csv"
    f.write_text(
        "MMSI,BaseDateTime,LAT,LON\n"
        "211234560,2024-05-01T12:00:00Z,54.1,10.2\n"
        "211234560,2024-05-01T12:01:00-03:00,54.1,10.2\n"
        "211234560,2024-05-01T12:02:00,54.1,10.2\n"
    )
    res = read_inputs([f])
    t = res.positions.column("t").cast("int64").to_pylist()
    assert t == [1714564800000, 1714575660000, 1714564920000]
    assert res.stats.rejects == {}


def test_non_canonical_parquet_counts_each_row_once(tmp_path: Path) -> None:
    f = tmp_path / "mc.parquet"
    pq.write_table(
        pa.table(
            {
                "MMSI": [211234560] * 4,
                "BaseDateTime": ["2024-05-01T12:00:00"] * 3 + ["1900-01-01T00:00:00"],
                "LAT": [1.0, 2.0, 3.0, 4.0],
                "LON": [1.0, 2.0, 3.0, 4.0],
            }
        ),
        f,
    )
    st = read_inputs([f]).stats
    assert st.lines == 4 and st.rejects == {"implausible_time": 1}
    assert st.outcomes == {"position": 3} and st.accounted() == 4


def test_empty_csv_lines_are_counted(tmp_path: Path) -> None:
    """The CSV parser skips empty lines; the summary still accounts for them."""
    f = tmp_path / "gaps.csv"
    f.write_text(
        "mmsi,timestamp,lat,lon\n\n211234560,2024-05-01T12:00:00Z,1,2\n\n\n"
        "211234560,2024-05-01T12:01:00Z,1,2"
    )
    st = read_inputs([f]).stats
    assert st.lines == 5 and st.outcomes == {"blank": 3, "position": 2}
    assert st.reconciliation().endswith("(every one counted)")
