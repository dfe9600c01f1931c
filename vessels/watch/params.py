"""``[watch]`` parameters of ``vessels watch`` (one frozen dataclass, units in the names)."""

from __future__ import annotations

from dataclasses import dataclass

from vessels.errors import ConfigError

__all__ = ["WatchParams"]


@dataclass(frozen=True)
class WatchParams:
    """Defaults chosen for a coastal-plus-satellite watch; see docs/watch.md.

    Lateness: terrestrial AIS reaches a feed within seconds; satellite AIS positions arrive
    minutes to hours after they were sent (Skylight publishes "minutes" for AIS positions,
    exactEarth/Spire deliver within ~1-6 h of collection), hence 6 h for satellite sources.
    """

    lateness_s: float = 120.0  # a terrestrial source's rows may arrive this much out of order
    satellite_lateness_s: float = 21_600.0  # ... a satellite source's (6 h)
    idle_source_s: float = 300.0  # a source silent this long (wall clock) no longer holds back
    round_rows: int = 200_000  # run the history detectors when this many rows are ready ...
    # ... or when the rows passed by the watermark span this much message time. The detectors'
    # stream forms give the batch events for chunks this long or longer (identity's shared-MMSI
    # check needs several reports of both transmitters in one chunk); shorter rounds would
    # bring finals no sooner that matter: a gap is final a day after it ends, an encounter
    # after its 2 h minimum. Alerts that need no history (areas, watchlists, identity
    # conflicts, silences) do not wait for rounds.
    round_span_min: float = 60.0
    # a round's cost grows with the rows the detectors keep (a day per vessel), not with the
    # new ones: when behind (a fast replay), fewer, larger rounds leave the CPU to the fast path
    round_min_interval_s: float = 2.0
    # identity's shared-MMSI check needs reports of both transmitters in one chunk: 12 h rounds
    # give the batch events on the simulated scenario where 1-3 h rounds do not
    identity_round_span_min: float = 720.0
    step_interval_s: float = 0.05  # how often the engine takes what the sources read
    checkpoint_interval_s: float = 5.0
    status_interval_s: float = 5.0
    silence_check_s: float = 1.0  # wall clock between two scans for vessels gone silent
    region_heard_h: float = (
        1.0  # a silence alerts only if its 1-degree cell was heard this recently
    )
    region_cell_deg: float = 1.0  # Welch et al. 2022 judge reception in 1-degree cells
    update_min_interval_h: float = 1.0  # message time between two updates of one alert
    identity_jump_kn: float = 100.0  # implied speed no vessel reaches: two transmitters
    identity_min_jump_km: float = 20.0  # ... over at least this distance (GPS noise)
    identity_repeat_h: float = 6.0  # one live identity alert per MMSI per this
    dup_window_s: float = 600.0  # copies of one message from several sources (ingest.merge)
    max_line_bytes: int = 4096
    webhook_queue: int = 10_000  # alerts waiting for the webhook; beyond, dead-lettered
    webhook_retries: int = 6
    webhook_backoff_s: float = 0.5  # doubled after each failed try
    webhook_timeout_s: float = 10.0
    reconnect_max_s: float = 30.0  # longest wait between two tcp:// connection attempts

    def __post_init__(self) -> None:
        for name, v in self.__dict__.items():
            if isinstance(v, int | float) and not isinstance(v, bool) and v < 0:
                raise ConfigError(f"watch.{name} must be >= 0, got {v!r}")
        if self.round_rows < 1 or self.max_line_bytes < 128:
            raise ConfigError("watch.round_rows must be >= 1 and watch.max_line_bytes >= 128")
