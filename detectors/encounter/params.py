"""The encounter definition's parameters (see :mod:`detectors.encounter.detector`)."""

from __future__ import annotations

from dataclasses import dataclass

from vessels.config import check_numbers

__all__ = ["EncounterParams"]


@dataclass(frozen=True)
class EncounterParams:
    """Encounter definition. Defaults: GFW pipe-encounters / Miller et al. 2018."""

    max_distance_m: float = 500.0  # GFW: within 500 m
    min_duration_h: float = 2.0  # GFW: for at least 2 h
    max_median_speed_kn: float = 2.0  # GFW: median speed < 2 kn
    min_port_distance_km: float = 10.0  # GFW: >= 10 km from an anchorage/port
    resample_step_min: float = 10.0  # GFW: 10-minute resampling
    max_interp_gap_h: float = 1.0  # GFW: interpolate only across gaps < 1 h
    # Beyond GFW: bridge satellite revisit holes (hours offshore) when the vessel was slow
    # across them; otherwise encounters seen only by satellite AIS never last 2 h on the grid.
    max_slow_gap_h: float = 6.0
    slow_gap_max_kn: float = 2.0
    merge_gap_h: float = 4.0  # GFW: merge the same pair when < 4 h apart
    # Beyond GFW: two vessels that fall silent together and reappear still together (within
    # joint_silence_drift_kn times the silence of where they went quiet) are one encounter, the
    # silence in its evidence; a vessel heard again up to joint_silence_tolerance_h before the
    # pair is close again still counts as silent. 24 h: the longest routine satellite hole
    # plus a night; longer silences are dark periods of their own (issue 13). 0 turns it off.
    max_joint_silence_h: float = 24.0
    joint_silence_tolerance_h: float = 1.0
    joint_silence_drift_kn: float = 2.0
    far_from_shore_km: float = 50.0  # 50 nm-ish: past the usual terrestrial/EEZ-coastal zone
    # Two stationary vessels (median speed under roadstead_max_kn) inside the territorial sea
    # (12 nm) that are neither carriers nor fishing vessels are most likely at anchor in a
    # roadstead the port list lacks (the Suez queue in ../shared/data: 6 such pairs scored
    # 0.59-0.60 without --anchorages); scored at most roadstead_max_score. 0 km turns it off.
    roadstead_shore_km: float = 22.2
    roadstead_max_kn: float = 0.5
    roadstead_max_score: float = 0.45
    use_reported_sog: bool = True  # also require the reported SOG to be low (see below)
    sog_max_age_min: float = 30.0  # slots this close to a report vote in the median speed
    # A reconstructed position (dead reckoning / interpolation across a hole) is uncertain: it
    # may be this far off per hour from the nearest report, up to max_slack_m (so observed
    # slots use exactly max_distance_m).
    drift_slack_kn: float = 0.5
    max_slack_m: float = 750.0
    # Each vessel must have been heard this often while close: otherwise the encounter is an
    # interpolation artefact (docs/references.md, pitfall 4), not something AIS showed.
    min_reports: int = 3
    # One vessel on two transponders (detectors.encounter.twins, issue 13): two MMSIs within
    # twin_max_distance_m in slots where one was heard and both positions are observed or
    # interpolated minutes from a report (slack at most twin_max_slack_m), both above
    # twin_min_speed_kn for twin_min_moving_h; runs of such slots less than twin_merge_gap_h
    # apart are one finding. 0 hours turns it off.
    twin_max_distance_m: float = 100.0
    twin_max_slack_m: float = 100.0
    twin_min_speed_kn: float = 3.0
    # one 10-minute slot under way together: class B units offshore are heard by satellites
    # a few times a day, so the rest of the rule (span, tight share) carries the weight
    twin_min_moving_h: float = 1 / 6
    twin_min_slots: int = 4  # slots seen together (within twin_max_distance_m)
    twin_merge_gap_h: float = 24.0  # class B units offshore: heard a few times a day
    # ... and seen more than twin_apart_m apart (up to the search radius) in at most
    # 1 - twin_share of the slots both were seen, over at least twin_min_span_h: two ships may
    # steam side by side for a while (leaving port together, a fishing vessel coming
    # alongside a carrier), one ship's two units stay together. 1 km, not 100 m: a satellite
    # report delivered late puts a unit hundreds of metres behind where it was
    twin_apart_m: float = 1000.0
    twin_share: float = 0.9
    twin_min_span_h: float = 3.0
    exclude_gear: bool = True  # GFW / Skylight leave buoys and gear out
    parallel: bool = False  # kernels on all cores (never inside dask tasks)

    def __post_init__(self) -> None:
        positive = ("max_distance_m", "min_duration_h", "resample_step_min", "max_interp_gap_h")
        check_numbers(self, "encounter", positive, strict=True)
        names = ("max_median_speed_kn", "min_port_distance_km", "merge_gap_h")
        joint = ("max_joint_silence_h", "joint_silence_tolerance_h", "joint_silence_drift_kn")
        check_numbers(self, "encounter", (*names, *joint))

    @property
    def step_ms(self) -> int:
        return int(round(self.resample_step_min * 60_000))
