# ruff: noqa: SIM109 - chained == as Numba compiles them best, not a search of a tuple
"""Line framing for the AIS decoder: logger time prefixes, IEC 61162-450 tag blocks and the
receiver-name table. Times are ms since the epoch, UTC.

``d`` is the decoder's state (``kernels.ais.layout.DecoderState``); ``buf`` the input bytes.
"""

from __future__ import annotations

from typing import NamedTuple

from kernels._jit import njit_borrowed, njit_inline
from kernels.ais.ascii import (
    BACKSLASH,
    BANG,
    COLON,
    COMMA,
    DOT,
    LF,
    MINUS,
    SEMICOLON,
    SPACE,
    STAR,
    TAB,
    ZERO,
    is_digit,
)
from kernels.ais.bits import NO_TIME, civil_ms, epoch_digits_ms, read_uint
from kernels.ais.layout import C_RECV_FULL, RECV_HASH, RECV_LAST, RECV_LEN, RECV_SLOTS

# Tag block field keys (IEC 61162-450): c: UNIX time, s: source station, g: sentence group.
TAG_TIME = ord("c")
TAG_SOURCE = ord("s")
TAG_GROUP = ord("g")
# ISO 8601 prefix: the UTC designator and a "+00:00" offset.
ISO_Z = ord("Z")
ISO_PLUS = ord("+")


class TagBlock(NamedTuple):
    """What a tag block says: ``end`` is the index after its closing backslash (-1: no whole
    block); ``bad_times`` counts c: fields that are no plausible time, for the caller to count
    once the line is its own."""

    end: int
    t: int
    recv: int
    group: int  # g: group id, -1 without one
    group_total: int  # g: sentences in the group, -1 without one
    bad_times: int


#: No tag block on the line.
NO_TAG = TagBlock(0, NO_TIME, -1, -1, -1, 0)


@njit_inline
def _is_name(buf, a, b, rc_bytes, rc_int, idx):
    """Whether receiver table entry ``idx`` holds the name ``buf[a:b]``."""
    if rc_int[idx] != b - a:
        return False
    for i in range(b - a):  # noqa: SIM110 - plain loops, as everywhere in the kernels
        if rc_bytes[idx, i] != buf[a + i]:
            return False
    return True


@njit_inline
def intern_receiver(d, buf, a, b):
    """Index of the receiver name ``buf[a:b]`` (cut to RECV_LEN) in the table, adding it when
    new; -1 if the table is full.

    Consecutive lines mostly come from one receiver (1,010 of 1,015 in the AISdb tag-block
    sample), so the last name found is compared first, here; any other goes through the hash
    table (``_lookup_receiver``, compiled once rather than inlined at each use).
    """
    if b - a > RECV_LEN:
        b = a + RECV_LEN
    if b <= a:
        return -1
    last = d.rc_int[RECV_LAST]
    if last >= 0 and _is_name(buf, a, b, d.rc_bytes, d.rc_int, last):
        return last
    return _lookup_receiver(buf, a, b, d.rc_bytes, d.rc_int, d.counters)


@njit_borrowed
def _lookup_receiver(buf, a, b, rc_bytes, rc_int, cnt):
    """``intern_receiver`` by the hash table: ``rc_int`` holds the name lengths (RECV_SLOTS),
    the open-addressing table (RECV_HASH), the number of names and the last name found."""
    h = 1469598103934665603  # FNV-1a
    for i in range(a, b):
        h = (h ^ buf[i]) * 1099511628211
    k = h & (RECV_HASH - 1)
    while True:
        idx = rc_int[RECV_SLOTS + k]
        if idx < 0:
            break
        if _is_name(buf, a, b, rc_bytes, rc_int, idx):
            rc_int[RECV_LAST] = idx
            return idx
        k = (k + 1) & (RECV_HASH - 1)
    n = rc_int[RECV_SLOTS + RECV_HASH]
    if n >= RECV_SLOTS:
        cnt[C_RECV_FULL] += 1
        return -1
    for i in range(b - a):
        rc_bytes[n, i] = buf[a + i]
    rc_int[n] = b - a
    rc_int[RECV_SLOTS + k] = n
    rc_int[RECV_SLOTS + RECV_HASH] = n + 1
    rc_int[RECV_LAST] = n
    return n


@njit_inline
def read_fraction_ms(buf, q, e):
    """Milliseconds of the digits at ``buf[q:e]`` read as a decimal fraction of a second (up to
    the first non-digit); returns (ms, index after the digits)."""
    ms = 0
    scale = 100
    while q < e and is_digit(buf[q]):
        ms += (buf[q] - ZERO) * scale
        scale //= 10
        q += 1
    return ms, q


@njit_borrowed
def _prefix_time(buf, p, e):
    """A logger's time prefix at ``p``: ISO 8601 ``YYYY-MM-DD[T ]hh:mm:ss[.fff][Z]`` or epoch
    digits. Returns (time, index after the prefix and its separators); time NO_TIME if none."""
    t = NO_TIME
    q = p
    if e - p >= 19 and buf[p + 4] == MINUS and buf[p + 7] == MINUS and buf[p + 13] == COLON:
        y = read_uint(buf, p, p + 4)
        mo = read_uint(buf, p + 5, p + 7)
        d = read_uint(buf, p + 8, p + 10)
        h = read_uint(buf, p + 11, p + 13)
        mi = read_uint(buf, p + 14, p + 16)
        s = read_uint(buf, p + 17, p + 19)
        q = p + 19
        ms = 0
        if q < e and buf[q] == DOT:
            ms, q = read_fraction_ms(buf, q + 1, e)
        if q < e and buf[q] == ISO_Z:
            q += 1
        elif q + 6 <= e and buf[q] == ISO_PLUS and buf[q + 1] == ZERO and buf[q + 2] == ZERO:
            q += 6
        if y >= 0 and mo >= 0 and d >= 0 and h >= 0 and mi >= 0 and s >= 0:
            t = civil_ms(y, mo, d, h, mi, s, ms)
    else:
        while q < e and (is_digit(buf[q]) or buf[q] == DOT):
            q += 1
        t = epoch_digits_ms(buf, p, q)
    while q < e and (buf[q] == SPACE or buf[q] == TAB or buf[q] == COMMA or buf[q] == SEMICOLON):
        q += 1
    return t, q


@njit_borrowed
def _next_start(buf, a, e):
    """Where a further sentence starts on this line after a rejected one (or the line end)."""
    for i in range(a, e):
        if buf[i] == BACKSLASH or buf[i] == BANG:
            return i
    return e


@njit_inline
def _group_field(buf, a, b):
    """A ``g:`` value ``sentence-total-id`` in ``buf[a:b]``: (id, total), (-1, -1) if malformed."""
    d1 = -1
    d2 = -1
    for j in range(a, b):
        if buf[j] == MINUS:
            if d1 < 0:
                d1 = j
            elif d2 < 0:
                d2 = j
            else:
                d2 = -2
    if d1 > 0 and d2 > 0:
        total = read_uint(buf, d1 + 1, d2)
        gid = read_uint(buf, d2 + 1, b)
        if total > 0 and gid >= 0:
            return gid, total
    return -1, -1


@njit_inline
def _tag_block(d, buf, p, e):
    """Parse ``\\k:v,k:v*hh\\`` at ``p``, ending at the first newline at the latest, into a
    ``TagBlock``. Tag checksums are not enforced: real feeds (AMSA, Spire) write ``*00``."""
    t = NO_TIME
    recv = -1
    group = -1
    group_total = -1
    bad_times = 0
    # One pass: each field ends at ',' or at the '*' of the checksum (then the block ends at
    # the next backslash) or at the closing backslash.
    a = p + 1
    i = a
    while i < e:
        c = buf[i]
        if c == LF:
            break
        if c == COMMA or c == STAR or c == BACKSLASH:
            b = i
            if b - a >= 2 and buf[a + 1] == COLON:
                key = buf[a]
                if key == TAG_TIME:  # UNIX time, s or ms
                    t = epoch_digits_ms(buf, a + 2, b)
                    if t == NO_TIME:
                        bad_times += 1
                elif key == TAG_SOURCE:
                    recv = intern_receiver(d, buf, a + 2, b)
                elif key == TAG_GROUP:
                    group, group_total = _group_field(buf, a + 2, b)
            a = b + 1
            if c == STAR:
                while i < e and buf[i] != BACKSLASH and buf[i] != LF:
                    i += 1
                break
            if c == BACKSLASH:
                break
        i += 1
    if i >= e or buf[i] != BACKSLASH:
        return TagBlock(-1, NO_TIME, -1, -1, -1, 0)
    return TagBlock(i + 1, t, recv, group, group_total, bad_times)
