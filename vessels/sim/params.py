"""Simulation settings and the real places scenarios are set in.

Every number that shapes the traffic lives here with its unit in the name, so a scenario is fully
described by its :class:`SimConfig` (which ``truth.json`` records under ``params``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from vessels.errors import ConfigError

__all__ = ["BEHAVIOURS", "REGIONS", "Region", "SimConfig", "Station"]


@dataclass(frozen=True)
class Station:
    """A terrestrial AIS receiver on the coast."""

    name: str
    lat: float
    lon: float
    range_nm: float = 40.0  # VHF line of sight from a coastal mast: 30-50 nm is typical


@dataclass(frozen=True)
class Region:
    """A real sea area: a fishing ground offshore, the ports that serve it, coastal receivers.

    Boxes are (lat_min, lat_max, lon_min, lon_max) in degrees. Port names are UN/LOCODE codes
    looked up in :func:`vessels.geo.port_index` (searoute's list), so ports sit where they are.
    """

    name: str
    ground: tuple[float, float, float, float]  # offshore fishing ground (good satellite reception)
    poor_reception: tuple[float, float, float, float]  # offshore box where satellites hear little
    ports: tuple[str, ...]  # UN/LOCODE codes, each the home of some vessels and a receiver
    lane: tuple[tuple[float, float], tuple[float, float]]  # a shipping lane (two ends, lat/lon)
    anchorages: tuple[str, ...]  # ports with a roadstead a few km out where ships wait at anchor
    stations_range_nm: float = 40.0


REGIONS: dict[str, Region] = {
    # The high-seas edge of the Argentine EEZ (the "milla 201" squid and hake grounds): vessels
    # fish just beyond 200 nm off Patagonia and tranship to reefers there.
    "argentina": Region(
        name="argentina",
        ground=(-46.6, -45.2, -61.2, -59.6),
        poor_reception=(-48.4, -46.7, -59.4, -56.6),
        ports=("ARPUD", "ARCOR", "ARMDQ", "FKPSY"),
        lane=((-38.9, -56.6), (-50.5, -63.8)),
        anchorages=("ARPUD", "ARMDQ"),
    ),
    # Off Guinea, Sierra Leone and Senegal: industrial trawlers and reefers beyond the EEZs.
    "west_africa": Region(
        name="west_africa",
        ground=(9.6, 10.8, -20.6, -19.2),
        poor_reception=(6.6, 8.2, -22.2, -20.2),
        ports=("SNDKR", "GNCKY", "SLFNA", "GMBJL"),
        lane=((14.2, -18.4), (6.5, -14.2)),
        anchorages=("SNDKR", "SLFNA"),
    ),
}


#: Behaviours that fool plain rules (issue 13), laid out by :mod:`vessels.sim.tricks`.
BEHAVIOURS = (
    "unregistered_carriers",
    "two_transponders",
    "class_ab_pair",
    "clone_while_dark",
    "joint_silence",
)


@dataclass(frozen=True)
class SimConfig:
    """What to simulate. Times in UTC; the start is fixed (never the wall clock) for determinism."""

    seed: int = 0
    days: float = 3.0
    vessels: int = 60
    region: str = "argentina"
    start: str = "2024-03-01T00:00:00Z"
    step_s: int = 60  # true-track time step
    # Reporting. ITU-R M.1371 class A reports every 2-10 s under way and every 3 min at anchor;
    # the simulator decimates to one terrestrial report per interval to keep files small.
    class_a_interval_s: int = 180
    anchored_interval_s: int = 360
    class_b_interval_s: int = 360  # class B: 30 s under way in reality, heard far less often
    static_interval_s: int = 1800  # type 5 / 24 every 6 min in reality, decimated
    # Satellite AIS.
    sat_mean_revisit_h: float = 1.0
    sat_max_hole_h: float = 4.5  # no hole in good coverage longer than this
    sat_pass_min: float = 12.0
    sat_p_class_a: float = 0.35  # chance one class A report per minute of a pass is decoded
    sat_p_class_b: float = 0.06
    sat_poor_factor: float = 0.04  # multiplier in the poor-reception box
    sat_dense_vessels: float = 60.0  # p halves when this many ships share a 1-degree cell
    sat_mean_delay_min: float = 25.0  # delivery delay (store and forward)
    terr_p: float = 0.97
    duplicate_stations: bool = True
    corrupt_share: float = 0.004  # share of lines damaged (bad checksum or truncated)
    clock_offset_s: int = 90  # one terrestrial receiver's clock runs this far ahead (0 = none)
    # Injected behaviour (counts scale with the fleet unless given).
    n_gaps: int | None = None
    n_encounters: int | None = None
    n_dark_rendezvous: int | None = None
    n_identity: int | None = None
    n_dark_vessels: int | None = None  # vessels with no AIS at all (seen only by SAR)
    sar_scenes_per_day: float = 1.5
    # Behaviours that fool plain rules (BEHAVIOURS); none: the scenario is unchanged.
    behaviours: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.region not in REGIONS:
            raise ConfigError(f"unknown region {self.region!r}; choose one of {sorted(REGIONS)}")
        if not 1.0 <= self.days <= 60:
            raise ConfigError(
                f"--days must be between 1 and 60 (the injected events last up to a day), got {self.days}"
            )
        if not 12 <= self.vessels <= 5000:
            raise ConfigError(f"--vessels must be between 12 and 5000, got {self.vessels}")
        unknown = sorted(set(self.behaviours) - set(BEHAVIOURS))
        if unknown:
            raise ConfigError(
                f"unknown behaviour(s) {', '.join(unknown)}; choose from {', '.join(BEHAVIOURS)}"
            )
        if self.step_s <= 0 or 60 % self.step_s:
            raise ConfigError("step_s must divide 60")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
