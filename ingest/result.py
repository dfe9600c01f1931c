"""What an ingest returns: the two canonical tables and the counts behind them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["IngestResult", "IngestStats"]

K = TypeVar("K", int, str)


def _add_counts(mine: dict[K, int], theirs: dict[K, int]) -> None:
    total: Counter[K] = Counter(mine)
    total.update(theirs)
    mine.clear()
    mine.update({k: v for k, v in sorted(total.items()) if v})


@dataclass
class IngestStats:
    """Counts over every input of one ingest.

    ``rejects`` counts, by reason, every line, sentence, message or row that did not become a
    position or static row although it could have (``no_time``, ``bad_checksum``, ...).
    ``time_sources`` counts accepted rows by where their time came from.
    """

    files: int = 0
    bytes: int = 0
    lines: int = 0
    sentences: int = 0
    messages: int = 0
    messages_by_type: dict[int, int] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)
    time_sources: dict[str, int] = field(default_factory=dict)
    kept_bad_checksum: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # files in folders that were not AIS
    id_map: dict[str, int] = field(default_factory=dict)  # non-MMSI id -> pseudo-MMSI
    # per input read: {"input", "first_ms", "last_ms", "positions"} (its time span)
    spans: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: IngestStats) -> None:
        """Add another input's counts to these."""
        self.files += other.files
        self.bytes += other.bytes
        self.lines += other.lines
        self.sentences += other.sentences
        self.messages += other.messages
        self.kept_bad_checksum += other.kept_bad_checksum
        self.skipped.extend(other.skipped)
        self.id_map.update(other.id_map)
        self.spans.extend(other.spans)
        _add_counts(self.messages_by_type, other.messages_by_type)
        _add_counts(self.rejects, other.rejects)
        _add_counts(self.time_sources, other.time_sources)
        _add_counts(self.formats, other.formats)

    def reject(self, reason: str, n: int = 1) -> None:
        if n:
            self.rejects[reason] = self.rejects.get(reason, 0) + n


def _fmt_time(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "-"


@dataclass
class IngestResult:
    """``positions`` (POSITIONS_SCHEMA), ``static`` (STATIC_SCHEMA) and ``stats``."""

    positions: pa.Table
    static: pa.Table
    stats: IngestStats

    @property
    def vessels(self) -> int:
        """Distinct MMSIs over both tables."""
        ids = pa.concat_arrays(
            [
                self.positions.column("mmsi").combine_chunks(),
                self.static.column("mmsi").combine_chunks(),
            ]
        )
        return len(pc.unique(ids))

    def _short_mmsis(self) -> int:
        """Distinct position MMSIs below 1,000,000: ids that are not MMSIs (MMSIs are 9 digits;
        group and coast-station numbers start with 0 but still have 7 significant digits)."""
        if not self.positions.num_rows:
            return 0
        ids = pc.unique(self.positions.column("mmsi").combine_chunks())
        return int(pc.sum(pc.less(ids, 1_000_000)).as_py() or 0)

    def summary(self) -> str:
        """A few lines for a person: what was read, kept and rejected, and why."""
        s = self.stats
        lines = [
            f"inputs: {s.files} file(s), {s.bytes:,} bytes, {s.lines:,} lines"
            + (f" ({', '.join(f'{k} {v}' for k, v in s.formats.items())})" if s.formats else ""),
        ]
        if s.sentences or s.messages:
            lines.append(f"AIS sentences: {s.sentences:,}, messages: {s.messages:,}")
        if s.messages_by_type:
            by_type = ", ".join(f"{t}: {n:,}" for t, n in sorted(s.messages_by_type.items()))
            lines.append(f"messages by type: {by_type}")
        n_pos = self.positions.num_rows
        n_sta = self.static.num_rows
        lines.append(
            f"accepted: {n_pos:,} positions, {n_sta:,} static reports, {self.vessels:,} vessels"
        )
        if n_pos:
            t = self.positions.column("t")
            lines.append(
                f"time span: {_fmt_time(pc.min(t).as_py())} .. {_fmt_time(pc.max(t).as_py())}"
            )
        if s.time_sources:
            lines.append("time from: " + ", ".join(f"{k} {v:,}" for k, v in s.time_sources.items()))
        for msg in s.skipped:
            lines.append(f"skipped: {msg}")
        if s.kept_bad_checksum:
            lines.append(
                f"kept despite a bad checksum: {s.kept_bad_checksum:,} messages "
                "(flagged: their receiver is '<receiver>|badcrc')"
            )
        total = sum(s.rejects.values())
        if total:
            reasons = ", ".join(
                f"{k} {v:,}" for k, v in sorted(s.rejects.items(), key=lambda kv: -kv[1])
            )
            lines.append(f"rejected: {total:,} ({reasons})")
        else:
            lines.append("rejected: 0")
        tables = any(k.startswith(("csv", "parquet:")) for k in s.formats)
        short = self._short_mmsis() if tables else 0
        if short:
            lines.append(
                f"note: {short:,} vessels have MMSIs of fewer than 7 digits, which no ship "
                "transmits; if that column holds other ids, map it with --columns id=COL"
            )
        if s.id_map:
            lines.append(
                f"vessel ids mapped to pseudo-MMSIs (1073741824-1173741823): {len(s.id_map):,}"
            )
        if s.rejects.get("no_time"):
            lines.append(
                "note: rows without a receive time were dropped; give --time ISO if the whole "
                "NMEA input was received at one known time, or --time-format for a CSV time "
                "column written in another way"
            )
        return "\n".join(lines)
