"""Per-MMSI identity checks: invalid MMSIs and frequent identity changes (see detectors.identity)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, Protocol

from vessels.events import Event
from vessels.explain import reasons_from_evidence
from vessels.explain.identity import invalid_mmsi_sentence
from vessels.ids import is_pseudo_mmsi
from vessels.mid import flag_of, mid_of, mmsi_kind

__all__ = ["change_events", "invalid_events", "invalid_mmsi_reason"]

#: Numbers typed in by installers who did not know the real MMSI (seen on real feeds).
_PLACEHOLDERS = frozenset({123456789, 987654321, 1193046, 12345678, 123456780, 100000000})


class IdentityHistory(Protocol):
    """What :func:`change_events` reads of a registry: each MMSI's static identities."""

    @property
    def changes(self) -> Mapping[int, list[dict[str, Any]]]: ...

    def history(self, mmsi: int) -> list[dict[str, Any]]: ...


def invalid_mmsi_reason(mmsi: int) -> tuple[str, str] | None:
    """(code, sentence) when ``mmsi`` cannot be a ship's MMSI (ITU-R M.585), else None.

    Aids to navigation, SART/MOB/EPIRB and craft numbers are valid for what they are and are
    not flagged here (gear and buoys are excluded from encounters instead).
    """
    if is_pseudo_mmsi(mmsi):
        return None  # an anonymised id mapped by ingest (--columns id=...), not a transmitted MMSI
    code = _invalid_code(mmsi)
    if code is None:
        return None
    return code, invalid_mmsi_sentence(code, mmsi, mid_of(mmsi))


def _invalid_code(mmsi: int) -> str | None:
    s = str(mmsi)
    if mmsi in _PLACEHOLDERS or (len(s) == 9 and len(set(s)) == 1):
        return "placeholder"
    if mmsi_kind(mmsi) == "coast_station":
        return None  # 00MIDxxxx: a base station, whose type 4 reports carry a position
    if mmsi < 100_000_000 or mmsi > 999_999_999:
        return "not_9_digits"
    kind = mmsi_kind(mmsi)
    if kind == "invalid":
        return "bad_format"
    if kind in ("ship", "craft", "handheld") and flag_of(mmsi) is None:
        return "unallocated_mid"
    return None


def invalid_events(seen: dict[int, list[Any]], class_b: set[int] | None = None) -> list[Event]:
    """One low-score ``invalid_mmsi`` event per invalid MMSI seen (first to last report).

    ``class_b``: optional set of MMSIs known to be class B; their score is halved because
    invalid numbers are common on cheap class B sets (e.g. Southeast Asia, OpenCPN #4404).
    """
    out: list[Event] = []
    for mmsi in sorted(seen):
        r = invalid_mmsi_reason(mmsi)
        if r is None:
            continue
        t0, t1, la, lo = seen[mmsi]
        is_b = class_b is not None and mmsi in class_b
        score = (0.35 if r[0] == "placeholder" else 0.3) * (0.5 if is_b else 1.0)
        evidence = {
            "kind": "invalid_mmsi",
            "mmsi": mmsi,
            "check": r[0],
            "class_b": is_b,
            "mid": mid_of(mmsi),
        }
        out.append(
            Event(
                type="identity",
                mmsi=mmsi,
                start_ms=int(t0),
                end_ms=int(t1),
                lat=la,
                lon=lo,
                score=score,
                reasons=reasons_from_evidence("identity", evidence),
                id_key="invalid_mmsi",
                evidence=evidence,
            )
        )
    return out


_FIELDS = ("name", "callsign", "imo", "ship_type")


def change_events(
    seen: dict[int, list[Any]],
    registry: IdentityHistory,
    conflicts: dict[int, list[tuple[int, int]]],
    min_changes: int,
) -> list[Event]:
    """``identity_change`` events for MMSIs whose static identity changed at least
    ``min_changes`` times. Changes inside a shared-MMSI period are left out: two ships
    alternating their names there are already that event."""
    out: list[Event] = []
    mmsis = set(seen) | set(registry.changes)
    for mmsi in sorted(mmsis):
        hist = registry.history(mmsi)
        if len(hist) <= min_changes:
            continue
        iv = conflicts.get(mmsi, [])
        changes: list[tuple[int | None, list[str]]] = []
        imo_changed = False
        for prev, cur in itertools.pairwise(hist):
            t = cur.get("first_seen")
            if t is not None and any(a <= t <= b for a, b in iv):
                continue
            diff = [
                f
                for f in _FIELDS
                if prev.get(f) is not None and cur.get(f) is not None and prev.get(f) != cur.get(f)
            ]
            if not diff:
                continue
            imo_changed |= "imo" in diff
            changes.append((t, diff))
        if len(changes) < min_changes:
            continue
        times = [t for t, _ in changes if t is not None]
        rec = seen.get(mmsi)
        t0 = min(times) if times else (rec[0] if rec else 0)
        t1 = max(times) if times else (rec[1] if rec else t0)
        names = [str(h["name"]) for h in hist if h.get("name")]
        uniq = list(dict.fromkeys(names))
        score = min(
            0.85, 0.35 + 0.08 * (len(changes) - min_changes) + (0.2 if imo_changed else 0.0)
        )
        fields = sorted({f for _, d in changes for f in d})
        evidence = {
            "kind": "identity_change",
            "mmsi": mmsi,
            "changes": len(changes),
            "fields": fields,
            "names": uniq[:20],
            "imo_changed": imo_changed,
            "identities": len(hist),
        }
        out.append(
            Event(
                type="identity",
                mmsi=mmsi,
                start_ms=int(t0),
                end_ms=int(t1),
                lat=rec[2] if rec else None,
                lon=rec[3] if rec else None,
                score=score,
                reasons=reasons_from_evidence("identity", evidence),
                id_key="identity_change",
                evidence=evidence,
            )
        )
    return out
