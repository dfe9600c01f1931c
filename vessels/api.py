"""The Python API for notebooks: the CLI's jobs as calls that return tables and GeoDataFrames.

    import vessels as vs
    pos = vs.read(["traffic.nmea"])              # positions + static reports, rejects counted
    res = vs.detect(pos, types=["gap", "encounter"])
    res.events                                    # pyarrow Table (EVENTS_SCHEMA)
    res.to_geodataframe()                         # geopandas, points in EPSG:4326
    vs.tracks_geodataframe(pos)                   # one LineString per track piece
    inv = vs.investigate(["traffic.nmea"], out="out/")   # the tables the CLI writes

Errors are :class:`vessels.errors.VesselsError` with the message the CLI would print.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.result import IngestResult
from vessels.errors import InputError
from vessels.geoframes import DEFAULT_MAX_GAP_H, events_geodataframe
from vessels.geoframes import tracks_geodataframe as _tracks_frame
from vessels.schema import TIME_TYPE
from vessels.tracks import Tracks, build_tracks

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["Detection", "Investigation", "detect", "investigate", "read", "tracks_geodataframe"]

PathsLike = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
#: What vs.detect and vs.tracks_geodataframe take: vs.read's result, a pyarrow Table, or a pandas DataFrame.
Positions = Any


def _paths(paths: PathsLike) -> list[str]:
    if isinstance(paths, str | os.PathLike):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def read(paths: PathsLike, **options: Any) -> IngestResult:
    """Read NMEA, CSV and Parquet files (plain or compressed) as ``vessels ingest`` does:
    ``.positions`` and ``.static`` (the canonical tables), ``.stats`` and ``.summary()`` (what
    was read, kept and rejected, by reason). ``options``: ``columns``, ``time_format``, ...
    (see :func:`ingest.read_inputs`)."""
    from ingest import read_inputs

    return read_inputs(_paths(paths), **options)


def _tables(positions: Positions, static: pa.Table | None) -> tuple[pa.Table, pa.Table | None]:
    if isinstance(positions, IngestResult):
        return positions.positions, static if static is not None else positions.static
    if isinstance(positions, pa.Table):
        return positions, static
    if hasattr(positions, "columns") and hasattr(positions, "to_numpy"):  # a pandas DataFrame
        table = pa.Table.from_pandas(positions, preserve_index=False)
        missing = [c for c in ("mmsi", "t", "lat", "lon") if c not in table.column_names]
        if missing:
            raise InputError(
                f"the DataFrame has no column(s) {missing}; it needs mmsi, t, lat, lon"
            )
        i = table.column_names.index("t")
        table = table.set_column(i, "t", table.column("t").cast(TIME_TYPE))
        return table, static
    raise InputError(
        f"positions must be what vs.read returns, a pyarrow Table or a pandas DataFrame, "
        f"not {type(positions).__name__}"
    )


@dataclass
class Detection:
    """What :func:`detect` found: ``events`` (EVENTS_SCHEMA) and the ``tracks`` it built."""

    events: pa.Table
    tracks: Tracks

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """Events as a GeoDataFrame: a Point at each event's position, EPSG:4326, evidence as
        dicts, times as UTC datetimes."""
        return events_geodataframe(self.events)

    def to_pandas(self) -> pd.DataFrame:
        return self.events.to_pandas()

    def tracks_geodataframe(self, max_gap_h: float = DEFAULT_MAX_GAP_H) -> gpd.GeoDataFrame:
        """The tracks the detectors saw, one LineString per piece between silences."""
        return _tracks_frame(self.tracks, max_gap_h)


def detect(
    positions: Positions,
    static: pa.Table | None = None,
    *,
    types: Sequence[str] | None = None,
    config: str | os.PathLike[str] | dict[str, Any] | None = None,
    carriers: str | os.PathLike[str] | None = None,
    anchorages: str | os.PathLike[str] | None = None,
) -> Detection:
    """Run the detectors (all of them unless ``types`` names some) as ``vessels detect`` does."""
    from detectors import run_detectors_full

    pos, st = _tables(positions, static)
    res = run_detectors_full(
        pos,
        st,
        types=types,
        config=config if config is None or isinstance(config, dict) else Path(config),
        carriers=None if carriers is None else Path(carriers),
        anchorages=None if anchorages is None else os.fspath(anchorages),
    )
    return Detection(res.table, res.tracks)


def tracks_geodataframe(
    positions: Positions, max_gap_h: float = DEFAULT_MAX_GAP_H
) -> gpd.GeoDataFrame:
    """Tracks of ``positions`` (cleaned and split into physical vessels as the detectors see
    them) as one LineString per piece, never drawn across a silence over ``max_gap_h``."""
    pos, _ = _tables(positions, None)
    tracks, _removed = build_tracks(pos)
    return _tracks_frame(tracks, max_gap_h)


@dataclass
class Investigation:
    """The outputs of :func:`investigate`, read back from the files it wrote (so a notebook sees
    exactly what the CLI writes)."""

    out_dir: Path
    summary: dict[str, Any]

    def table(self, name: str) -> pa.Table:
        """One of the Parquet outputs: ``vessels``, ``events``, ``port_visits``, ``voyages``,
        ``vessel_features``, ``tracks``, ``identity``."""
        path = self.out_dir / f"{name}.parquet"
        if not path.is_file():
            raise InputError(f"no output named {name!r}", str(path))
        return pq.read_table(path)

    @property
    def vessels(self) -> pd.DataFrame:
        """Every vessel, ranked: risk, reasons, identity (vessels.parquet)."""
        return self.table("vessels").to_pandas()

    @property
    def events(self) -> pa.Table:
        return self.table("events")

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """Events as a GeoDataFrame (points, EPSG:4326)."""
        return events_geodataframe(self.events)

    @property
    def port_visits(self) -> pd.DataFrame:
        return self.table("port_visits").to_pandas()

    @property
    def voyages(self) -> pd.DataFrame:
        return self.table("voyages").to_pandas()

    @property
    def features(self) -> pd.DataFrame:
        return self.table("vessel_features").to_pandas()


def investigate(paths: PathsLike, out: str | os.PathLike[str], **options: Any) -> Investigation:
    """The whole batch job of ``vessels investigate`` (``options``: ``sar``, ``carriers``,
    ``anchorages``, ``config``, ``known_cases``, ``columns``, ...), outputs written into ``out``."""
    from vessels.pipeline.investigate import investigate as run

    res = run(_paths(paths), out, **options)
    return Investigation(Path(res.out_dir), res.summary)
