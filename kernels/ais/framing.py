# ruff: noqa: F405 - names come from the kernels.ais.layout star import
"""Line framing for the AIS decoder: logger time prefixes, IEC 61162-450 tag blocks and the
receiver-name table. Times are ms since the epoch, UTC."""

from __future__ import annotations

from kernels._jit import njit_borrowed, njit_inline
from kernels.ais.bits import (
    NO_TIME,
    civil_ms,
    epoch_digits_ms,
    read_uint,
)

# The decoder's constants and array layouts, used by name throughout:
from kernels.ais.layout import *  # noqa: F403


@njit_inline
def _is_name(buf, a, b, rc_bytes, rc_int, idx):
    """Whether table entry ``idx`` holds the name ``buf[a:b]``."""
    if rc_int[idx] != b - a:
        return False
    for i in range(b - a):  # noqa: SIM110 - plain loops, as everywhere in the kernels
        if rc_bytes[idx, i] != buf[a + i]:
            return False
    return True


@njit_inline
def intern_receiver(buf, a, b, rc_bytes, rc_int, cnt):
    """Index of the receiver name ``buf[a:b]`` in the table, adding it when new; -1 if full.

    ``rc_int`` holds the name lengths (RECV_SLOTS), the open-addressing hash table
    (RECV_HASH), the number of names and the last name found (RECV_LAST): consecutive lines
    mostly come from one receiver (1,010 of 1,015 in the AISdb tag-block sample), so that one
    is compared first, before any hashing.
    """
    if b - a > RECV_LEN:
        b = a + RECV_LEN
    if b <= a:
        return -1
    last = rc_int[RECV_LAST]
    if last >= 0 and _is_name(buf, a, b, rc_bytes, rc_int, last):
        return last
    h = 1469598103934665603
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


@njit_borrowed
def _prefix_time(buf, p, e):
    """A logger's time prefix at ``p``: ISO 8601 ``YYYY-MM-DD[T ]hh:mm:ss[.fff][Z]`` or epoch
    digits. Returns (time, index after the prefix and its separators); time NO_TIME if none."""
    t = NO_TIME
    q = p
    if e - p >= 19 and buf[p + 4] == 45 and buf[p + 7] == 45 and buf[p + 13] == 58:
        y = read_uint(buf, p, p + 4)
        mo = read_uint(buf, p + 5, p + 7)
        d = read_uint(buf, p + 8, p + 10)
        h = read_uint(buf, p + 11, p + 13)
        mi = read_uint(buf, p + 14, p + 16)
        s = read_uint(buf, p + 17, p + 19)
        q = p + 19
        ms = 0
        if q < e and buf[q] == 46:
            q += 1
            scale = 100
            while q < e and 48 <= buf[q] <= 57:
                ms += (buf[q] - 48) * scale
                scale //= 10
                q += 1
        if q < e and buf[q] == 90:  # Z
            q += 1
        elif q + 6 <= e and buf[q] == 43 and buf[q + 1] == 48 and buf[q + 2] == 48:  # +00:00
            q += 6
        if y >= 0 and mo >= 0 and d >= 0 and h >= 0 and mi >= 0 and s >= 0:
            t = civil_ms(y, mo, d, h, mi, s, ms)
    else:
        while q < e and (48 <= buf[q] <= 57 or buf[q] == 46):
            q += 1
        t = epoch_digits_ms(buf, p, q)
    while q < e and (buf[q] == 32 or buf[q] == 9 or buf[q] == 44 or buf[q] == 59):
        q += 1
    return t, q


@njit_borrowed
def _next_start(buf, a, e):
    """Where a further sentence starts on this line after a rejected one (or the line end)."""
    for i in range(a, e):
        if buf[i] == 92 or buf[i] == 33:
            return i
    return e


@njit_inline
def _tag_block(buf, p, e, rc_bytes, rc_int, cnt):
    """Parse ``\\k:v,k:v*hh\\`` at ``p``, ending at the first newline at the latest. Returns
    (end index after the closing backslash or -1, c: time, s: receiver, group key, group total,
    number of c: fields that are no plausible time, for the caller to count once the line is
    its own). Tag checksums are not enforced: real feeds (AMSA, Spire) write ``*00`` there."""
    t = NO_TIME
    recv = -1
    gkey = -1
    gtot = -1
    bad_t = 0  # c: fields that are no plausible time
    # One pass: each field ends at ',' or at the '*' of the checksum (then the block ends at
    # the next backslash) or at the closing backslash.
    a = p + 1
    i = a
    while i < e:
        c = buf[i]
        if c == 10:
            break
        if c == 44 or c == 42 or c == 92:
            b = i
            if b - a >= 2 and buf[a + 1] == 58:
                k = buf[a]
                if k == 99:  # c: UNIX time, s or ms
                    t = epoch_digits_ms(buf, a + 2, b)
                    if t == NO_TIME:
                        bad_t += 1
                elif k == 115:  # s: source station
                    recv = intern_receiver(buf, a + 2, b, rc_bytes, rc_int, cnt)
                elif k == 103:  # g: sentence-group-total-id
                    d1 = -1
                    d2 = -1
                    for j in range(a + 2, b):
                        if buf[j] == 45:
                            if d1 < 0:
                                d1 = j
                            elif d2 < 0:
                                d2 = j
                            else:
                                d2 = -2
                    if d1 > 0 and d2 > 0:
                        gtot = read_uint(buf, d1 + 1, d2)
                        gid = read_uint(buf, d2 + 1, b)
                        if gtot > 0 and gid >= 0:
                            gkey = gid
                        else:
                            gtot = -1
            a = b + 1
            if c == 42:
                while i < e and buf[i] != 92 and buf[i] != 10:
                    i += 1
                break
            if c == 92:
                break
        i += 1
    if i >= e or buf[i] != 92:
        return -1, NO_TIME, -1, -1, -1, 0
    return i + 1, t, recv, gkey, gtot, bad_t
