"""Alert life cycle: each alert_id passes open -> update* -> final, or ends retracted.

The book remembers, per alert_id, its last version and state, so that a final is sent once, an
update only when the event changed (and not more often than ``update_min_interval_ms`` of
message time), and a retraction is a new version with a reason (nothing is deleted silently).
Entries of alerts that ended are forgotten ``forget_after_ms`` of message time later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from vessels.events import Event
from vessels.watch.alert import Alert

__all__ = ["AlertBook", "Entry"]


@dataclass
class Entry:
    """What the book keeps of an alert: its latest version (the whole record)."""

    alert: Alert
    origin: str  # what raised it: "silence", "pending" (a re-run detector), "stream", "final"
    changed_at_ms: int  # message time of the last version
    expect_by_ms: int | None = None  # a final should have come by then (message time)


def _changed(a: Alert, e: Event) -> bool:
    if a.end_ms != e.end_ms or a.other_mmsi != e.other_mmsi:
        return True
    return a.score is None or abs(a.score - float(e.score)) >= 0.05


class AlertBook:
    def __init__(self, update_min_interval_ms: int, forget_after_ms: int) -> None:
        self.entries: dict[str, Entry] = {}
        self.update_min_interval_ms = int(update_min_interval_ms)
        self.forget_after_ms = int(forget_after_ms)
        self.counts: dict[str, int] = {"open": 0, "update": 0, "final": 0, "retracted": 0}

    def _emit(self, entry: Entry, out: list[Alert]) -> None:
        self.counts[entry.alert.state] += 1
        out.append(entry.alert)

    def is_live(self, alert_id: str) -> bool:
        e = self.entries.get(alert_id)
        return e is not None and e.alert.state in ("open", "update")

    def state_of(self, alert_id: str) -> str | None:
        e = self.entries.get(alert_id)
        return None if e is None else e.alert.state

    def open_ids(self, origin: str | None = None) -> list[str]:
        return [
            k
            for k, e in self.entries.items()
            if e.alert.state in ("open", "update") and (origin is None or e.origin == origin)
        ]

    def raise_or_update(
        self,
        ev: Event,
        origin: str,
        trigger_ms: int,
        now_ms: int,
        out: list[Alert],
        *,
        areas: list[str] | None = None,
        lists: list[str] | None = None,
        expect_by_ms: int | None = None,
        force: bool = False,
    ) -> None:
        """An event not final yet: open it, or update it when it changed enough."""
        aid = ev.event_id
        cur = self.entries.get(aid)
        if cur is None:
            a = Alert.of_event(
                ev,
                version=1,
                state="open",
                trigger_time_ms=trigger_ms,
                emitted_at_ms=now_ms,
                areas=areas,
                lists=lists,
            )
            self.entries[aid] = Entry(a, origin, trigger_ms, expect_by_ms)
            self._emit(self.entries[aid], out)
            return
        if cur.alert.state not in ("open", "update"):
            return
        cur.origin = origin
        if expect_by_ms is not None:
            cur.expect_by_ms = expect_by_ms
        soon = trigger_ms - cur.changed_at_ms < self.update_min_interval_ms
        if not _changed(cur.alert, ev) or (soon and not force):
            return
        a = Alert.of_event(
            ev,
            version=cur.alert.version + 1,
            state="update",
            trigger_time_ms=trigger_ms,
            emitted_at_ms=now_ms,
            areas=areas,
            lists=lists,
        )
        cur.alert, cur.changed_at_ms = a, trigger_ms
        self._emit(cur, out)

    def finalise(
        self,
        ev: Event,
        trigger_ms: int,
        now_ms: int,
        out: list[Alert],
        *,
        areas: list[str] | None = None,
        lists: list[str] | None = None,
    ) -> None:
        """The detector says the event is final: one final version per alert_id, ever."""
        aid = ev.event_id
        cur = self.entries.get(aid)
        if cur is not None and cur.alert.state == "final":
            return
        version = 1 if cur is None else cur.alert.version + 1
        a = Alert.of_event(
            ev,
            version=version,
            state="final",
            trigger_time_ms=trigger_ms,
            emitted_at_ms=now_ms,
            areas=areas,
            lists=lists,
        )
        self.entries[aid] = Entry(a, "final", trigger_ms)
        self._emit(self.entries[aid], out)

    def one_shot(self, a: Alert, out: list[Alert]) -> None:
        """An alert that is final as raised (area entry/exit, watchlist sighting)."""
        if a.alert_id in self.entries:
            return
        self.entries[a.alert_id] = Entry(a, "final", a.trigger_time_ms)
        self._emit(self.entries[a.alert_id], out)

    def retract(
        self, alert_id: str, reason: str, trigger_ms: int, now_ms: int, out: list[Alert]
    ) -> None:
        cur = self.entries.get(alert_id)
        if cur is None or cur.alert.state == "retracted":
            return
        a = replace(
            cur.alert,
            version=cur.alert.version + 1,
            state="retracted",
            retract_reason=reason,
            trigger_time_ms=int(trigger_ms),
            emitted_at_ms=int(now_ms),
            replayed=False,
        )
        cur.alert, cur.changed_at_ms = a, int(trigger_ms)
        self._emit(cur, out)

    def forget_before(self, t_ms: int) -> None:
        """Drop ended alerts whose last version is older than the history window."""
        cut = t_ms - self.forget_after_ms
        old = [
            k
            for k, e in self.entries.items()
            if e.alert.state in ("final", "retracted") and e.changed_at_ms < cut
        ]
        for k in old:
            del self.entries[k]

    @property
    def n_open(self) -> int:
        return sum(1 for e in self.entries.values() if e.alert.state in ("open", "update"))
