"""What an ingest returns: the two canonical tables and the counts behind them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ingest.arrow_np import to_numpy

__all__ = [
    "POSITION_TYPES",
    "RIDES_ON_POSITION",
    "STATIC_TYPES",
    "IngestResult",
    "IngestStats",
    "TableFacts",
    "summarize",
]

K = TypeVar("K", int, str)

POSITION_TYPES = (1, 2, 3, 18, 19, 27)  # AIS message types with a position
STATIC_TYPES = (5, 19, 24)  # with vessel data (name, call sign, IMO, type, size)
#: Static rows whose line is accounted for by its position report (a CSV row with both, an
#: AIS type 19); 0 is a table row of unknown type, which ingest reads as a position report.
RIDES_ON_POSITION = (0, *POSITION_TYPES)


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

    Every line (NMEA) or row (CSV, Parquet) read lands in exactly one count: a reject reason
    or one of ``outcomes`` (``position``: gave a kept position; ``static``: a static report
    kept; ``static_duplicate``: a static report unchanged since the vessel's previous one;
    ``blank``, ``comment``, ``pghp`` and ``clock`` lines; ``joined_fragment``: a part of a
    multi-sentence message other than the one that completed it; ``other_message``: an AIS
    message of a type that holds no position or vessel data, such as a base station report).
    ``shared_lines`` counts sentences after the first on one line (``\\g:`` tag-block lines
    may hold several), so ``lines + shared_lines == accounted()``. ``notes`` counts what was
    wrong without costing the line (an unreadable tag-block time when another time was used).
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
    outcomes: dict[str, int] = field(default_factory=dict)
    shared_lines: int = 0
    notes: dict[str, int] = field(default_factory=dict)
    columns_used: list[str] = field(default_factory=list)  # self-describing CSV mappings

    def add(self, other: IngestStats) -> None:
        """Add another input's counts to these."""
        self.files += other.files
        self.bytes += other.bytes
        self.lines += other.lines
        self.sentences += other.sentences
        self.messages += other.messages
        self.kept_bad_checksum += other.kept_bad_checksum
        self.shared_lines += other.shared_lines
        self.skipped.extend(other.skipped)
        self.columns_used.extend(other.columns_used)
        _add_counts(self.outcomes, other.outcomes)
        _add_counts(self.notes, other.notes)
        self.id_map.update(other.id_map)
        self.spans.extend(other.spans)
        _add_counts(self.messages_by_type, other.messages_by_type)
        _add_counts(self.rejects, other.rejects)
        _add_counts(self.time_sources, other.time_sources)
        _add_counts(self.formats, other.formats)

    def reject(self, reason: str, n: int = 1) -> None:
        if n:
            self.rejects[reason] = self.rejects.get(reason, 0) + n

    def outcome(self, name: str, n: int = 1) -> None:
        if n:
            self.outcomes[name] = self.outcomes.get(name, 0) + n

    def line_rejects(self) -> int:
        """Rejects that are lines or rows (a skipped file is not a line of it)."""
        return sum(v for k, v in self.rejects.items() if k != "skipped_file")

    def accounted(self) -> int:
        """Lines and rows given an outcome or a reject reason: ``lines + shared_lines``."""
        return sum(self.outcomes.values()) + self.line_rejects()

    def reconciliation(self) -> str:
        """One line: the lines read and the counts they went to, with the difference (0)."""
        read = self.lines + self.shared_lines
        parts = [f"{k} {v:,}" for k, v in sorted(self.outcomes.items(), key=lambda kv: -kv[1])]
        parts.append(f"rejected {self.line_rejects():,}")
        shared = f" + {self.shared_lines:,} sentences sharing a line" if self.shared_lines else ""
        diff = read - self.accounted()
        verdict = "every one counted" if diff == 0 else f"{diff:+,} NOT ACCOUNTED FOR"
        return f"lines/rows: {self.lines:,}{shared} = {' + '.join(parts)} ({verdict})"


def _fmt_time(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ids(col: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.int64]:
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return to_numpy(pc.unique(pc.drop_null(arr)), np.int64)


@dataclass
class TableFacts:
    """What the summary says about the output tables, gathered batch by batch (so a streamed
    ingest need not hold its output): rows, distinct MMSIs and the time span."""

    positions: int = 0
    static: int = 0
    t_min: int | None = None  # ms since the epoch
    t_max: int | None = None
    pos_ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    sta_ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def of(cls, positions: pa.Table, static: pa.Table) -> TableFacts:
        facts = cls()
        facts.add_positions(positions)
        facts.add_static(static)
        return facts

    def add_positions(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        self.positions += table.num_rows
        self.pos_ids = np.union1d(self.pos_ids, _ids(table.column("mmsi")))
        mm = pc.min_max(table.column("t").cast(pa.int64())).as_py()
        if mm["min"] is not None:
            lo, hi = int(mm["min"]), int(mm["max"])
            self.t_min = lo if self.t_min is None else min(self.t_min, lo)
            self.t_max = hi if self.t_max is None else max(self.t_max, hi)

    def add_static(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        self.static += table.num_rows
        self.sta_ids = np.union1d(self.sta_ids, _ids(table.column("mmsi")))

    @property
    def vessels(self) -> int:
        """Distinct MMSIs over both tables."""
        return int(np.union1d(self.pos_ids, self.sta_ids).size)

    @property
    def short_mmsis(self) -> int:
        """Distinct position MMSIs below 1,000,000: ids that are not MMSIs (MMSIs are 9 digits;
        group and coast-station numbers start with 0 but still have 7 significant digits)."""
        return int(np.count_nonzero(self.pos_ids < 1_000_000))


@dataclass
class IngestResult:
    """``positions`` (POSITIONS_SCHEMA), ``static`` (STATIC_SCHEMA) and ``stats``."""

    positions: pa.Table
    static: pa.Table
    stats: IngestStats

    @property
    def vessels(self) -> int:
        """Distinct MMSIs over both tables."""
        return TableFacts.of(self.positions, self.static).vessels

    def summary(self) -> str:
        """A few lines for a person: what was read, kept and rejected, and why."""
        return summarize(self.stats, TableFacts.of(self.positions, self.static))


def summarize(s: IngestStats, facts: TableFacts) -> str:
    """A few lines for a person: what was read, kept and rejected, and why."""
    lines = [
        f"inputs: {s.files} file(s), {s.bytes:,} bytes, {s.lines:,} lines"
        + (f" ({', '.join(f'{k} {v}' for k, v in s.formats.items())})" if s.formats else ""),
    ]
    if s.sentences or s.messages:
        lines.append(f"AIS sentences: {s.sentences:,}, messages: {s.messages:,}")
    if s.messages_by_type:
        by_type = ", ".join(f"{t}: {n:,}" for t, n in sorted(s.messages_by_type.items()))
        lines.append(f"messages by type: {by_type}")
    n_pos = facts.positions
    n_sta = facts.static
    lines.append(
        f"accepted: {n_pos:,} positions, {n_sta:,} static reports, {facts.vessels:,} vessels"
    )
    if n_pos:
        lines.append(f"time span: {_fmt_time(facts.t_min)} .. {_fmt_time(facts.t_max)}")
    if s.time_sources:
        lines.append("time from: " + ", ".join(f"{k} {v:,}" for k, v in s.time_sources.items()))
    for msg in s.skipped:
        lines.append(f"skipped: {msg}")
    if s.kept_bad_checksum:
        lines.append(
            f"kept despite a bad checksum: {s.kept_bad_checksum:,} messages "
            "(flagged: their receiver is '<receiver>|badcrc')"
        )
    for used in s.columns_used:
        lines.append(f"columns: {used}")
    lines.append(s.reconciliation())
    if s.notes:
        lines.append(
            "noted (the line was still used): "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(s.notes.items()))
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
    short = facts.short_mmsis if tables else 0
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
