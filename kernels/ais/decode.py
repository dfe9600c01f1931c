# ruff: noqa: SIM109 - chained == as Numba compiles them best, not a search of a tuple
"""The bulk NMEA 0183 AIS decoder: one pass over a byte buffer into columnar arrays.

``decode_chunk`` finds line boundaries, reads optional time prefixes (ISO 8601 or epoch),
IEC 61162-450 tag blocks (``\\s:``, ``c:``, ``g:``), ``!xxVDM``/``!xxVDO`` sentences (any
talker), trailing fields after the checksum (epoch seconds or ms, USCG ``r``/``b`` station ids),
Gatehouse ``$PGHP`` lines and ``$xxZDA`` clock lines; it verifies checksums, assembles
multi-sentence messages in a bounded pending table (interleaving allowed) and writes positions
and static reports into preallocated arrays. Every line that yields nothing is counted under a
reject reason.

All the arrays it reads and writes travel in one structure, the decoder state ``d``
(``kernels.ais.layout.DecoderState``), owned by the caller: state that must survive a chunk
boundary (pending fragments, pending ``$PGHP`` times, the receiver-name table) lives there.
Times: ms since the epoch, UTC.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numba as nb
import numpy as np

from kernels._jit import compile_in_parallel, njit_borrowed, njit_inline
from kernels.ais.ascii import (
    BACKSLASH,
    BANG,
    COMMA,
    CR,
    DOLLAR,
    HASH,
    LF,
    NUL,
    SPACE,
    STAR,
    TAB,
    ZERO,
    is_alnum,
    is_digit,
    is_upper_or_digit,
    matches,
)
from kernels.ais.bits import NO_TIME, epoch_digits_ms, hexval, read_uint, sixbit
from kernels.ais.framing import NO_TAG, _next_start, _prefix_time, _tag_block, intern_receiver
from kernels.ais.layout import (
    C_BLANK,
    C_COMMENT,
    C_JOINED,
    C_KEPT_BAD,
    C_LINES,
    C_MESSAGES,
    C_NPOS,
    C_NSTA,
    C_PGHP,
    C_REJ,
    C_ROWS_FULL,
    C_SENTENCES,
    C_SHARED,
    C_TSRC,
    C_TYPE,
    G_SCALARS,
    MAX_PART_CHARS,
    MAX_PARTS,
    N_PGHP,
    P_ACTIVE,
    P_AGE,
    P_BAD,
    P_FILL,
    P_KEYF,
    P_KEYG,
    P_MASK,
    P_RECV,
    P_SAT,
    P_T,
    P_TOTAL,
    P_TSRC,
    R_CK,
    R_DIST,
    R_LINE,
    R_PROW,
    R_SROW,
    R_TSRC,
    RECV_HASH,
    RECV_SLOTS,
    REJ_BAD_CHAR,
    REJ_BAD_CHECKSUM,
    REJ_BAD_TIME,
    REJ_EMPTY,
    REJ_GARBAGE,
    REJ_INCOMPLETE,
    REJ_MALFORMED,
    REJ_MALFORMED_TAG,
    REJ_NON_AIS,
    REJ_ORPHAN,
    REJ_SHORT,
    REJ_TOO_LONG,
    S_POS_BASE,
    S_RING_NEXT,
    S_STA_BASE,
    S_ZDA_LINE,
    S_ZDA_T,
    TSRC_FIXED,
    TSRC_NONE,
    TSRC_PGHP,
    TSRC_PREFIX,
    TSRC_TAG,
    TSRC_TRAILING,
    TSRC_ZDA,
    ZDA_MAX_LINES,
)
from kernels.ais.messages import Reception, position_row, static_row
from kernels.ais.pghp import _pghp, _take_pghp, _zda

# Sentence names after the two-character talker: "!xxVDM" (other ships) and "!xxVDO" (own).
VDM = tuple(b"VDM")
VDO = tuple(b"VDO")
#: ",1,1," after the sentence name: part 1 of 1, the shape the fast path takes.
ONE_OF_ONE = tuple(b",1,1,")
PGH = tuple(b"PGH")  # "$PGHP" after the '$'
ZDA = tuple(b"ZDA")  # "$xxZDA" after the talker
# USCG trailing station ids: ",r003669945" (receiver) and ",b003669945" (base station).
STATION_RECEIVER = ord("r")
STATION_BASE = ord("b")
#: The epochs a logger writes after the checksum: seconds (10 digits) or milliseconds (13).
EPOCH_S_DIGITS = 10
EPOCH_MS_DIGITS = 13
#: Characters that follow a full fast-path sentence: the payload, ",f*hh" and one more byte.
FAST_MIN_CHARS = 20
#: A tag block ends within this many bytes, or the fast path leaves the line to the general one.
TAG_BLOCK_MAX = 512


class Fragment(NamedTuple):
    """One sentence's share of a message: its payload is ``buf[start:start + nchar]``."""

    start: int
    nchar: int
    fill: int  # fill bits after the last character (read from the last part)
    total: int  # sentences in the message
    num: int  # this sentence's number, from 1
    key: int  # from the NMEA fields (_frag_key)
    group: int  # from the tag block's g: group, -1 without one


class LineStamp(NamedTuple):
    """What the line itself says of its sentence: a time, its source (TSRC_*), a receiver."""

    t: int
    tsrc: int
    recv: int


@njit_inline
def _emit(d, nbits, rx):
    """Decode the assembled message in ``d.six`` (``nbits`` bits, received as ``rx``) into the
    position or static arrays, counting it by type."""
    cnt = d.counters
    cnt[C_MESSAGES] += 1
    if nbits < 6:
        cnt[C_REJ + REJ_SHORT] += 1
        return
    mtype = int(d.six[0])
    cnt[C_TYPE + mtype] += 1
    if rx.bad != 0:
        cnt[C_KEPT_BAD] += 1
    prow = -1
    srow = -1
    is_pos = (1 <= mtype <= 3) or mtype == 18 or mtype == 19 or mtype == 27
    is_sta = mtype == 5 or mtype == 19 or mtype == 24
    if (is_pos or is_sta) and nbits < 38:
        cnt[C_REJ + REJ_SHORT] += 1
        return
    if is_pos:
        r = cnt[C_NPOS]
        if r >= d.pos_t.shape[0]:
            cnt[C_ROWS_FULL] += 1
            return
        code = position_row(d, r, nbits, mtype, rx)
        if code == 0:
            cnt[C_NPOS] = r + 1
            prow = r
        else:
            cnt[C_REJ + code] += 1
    if is_sta:
        r = cnt[C_NSTA]
        if r >= d.sta_i.shape[0]:
            cnt[C_ROWS_FULL] += 1
            return
        code = static_row(d.six, nbits, mtype, d.sta_i, d.sta_txt, r, rx)
        if code == 0:
            cnt[C_NSTA] = r + 1
            srow = r
        elif mtype != 19:  # a type 19 that gave a position is not a reject
            cnt[C_REJ + code] += 1
    if prow >= 0 or srow >= 0:
        cnt[C_TSRC + rx.tsrc] += 1
        # The sentence was put in the ring by _receive_time: a $PGHP line that follows it may
        # still carry its time, so remember its rows (as global row numbers).
        pghp = d.pghp
        k = (pghp[G_SCALARS, S_RING_NEXT] - 1) % N_PGHP
        pghp[R_PROW, k] = prow + pghp[G_SCALARS, S_POS_BASE] if prow >= 0 else -1
        pghp[R_SROW, k] = srow + pghp[G_SCALARS, S_STA_BASE] if srow >= 0 else -1


@njit_inline
def _parts_held(mask):
    """Fragments a pending message holds (bits 1..MAX_PARTS of its P_MASK)."""
    k = 0
    for num in range(1, MAX_PARTS + 1):
        k += (mask >> num) & 1
    return k


@njit_borrowed
def _slot_find(pend_i, key, group):
    """The pending message a fragment with these keys belongs to, or -1."""
    for s in range(pend_i.shape[0]):
        if pend_i[s, P_ACTIVE] == 0:
            continue
        # Two tag block groups tell messages apart even when their NMEA fields are equal
        # (satellite feeds leave the sequence id empty); otherwise the NMEA fields decide.
        if group >= 0 and pend_i[s, P_KEYG] >= 0:
            if pend_i[s, P_KEYG] == group:
                return s
        elif pend_i[s, P_KEYF] == key:
            return s
    return -1


@njit_borrowed
def _slot_new(pend_i, cnt):
    """A free slot, dropping the oldest pending message when the table is full."""
    oldest = 0
    for s in range(pend_i.shape[0]):
        if pend_i[s, P_ACTIVE] == 0:
            return s
        if pend_i[s, P_AGE] < pend_i[oldest, P_AGE]:
            oldest = s
    cnt[C_REJ + REJ_INCOMPLETE] += _parts_held(pend_i[oldest, P_MASK])
    pend_i[oldest, P_ACTIVE] = 0
    return oldest


@njit_inline
def _trailing(d, buf, q, e, tag_recv):
    """Fields after a checksum at ``q``: an epoch (s or ms) and USCG station ids (``r``/``b``),
    up to a next tag block or sentence. Returns (time, receiver, index after the fields)."""
    trail_t = NO_TIME
    trail_recv = -1
    while q < e and buf[q] == COMMA:
        a = q + 1
        b = a
        while b < e and buf[b] != COMMA and buf[b] != BACKSLASH and buf[b] != BANG:
            b += 1
        if b > a:
            c0 = buf[a]
            if (
                is_digit(c0)
                and trail_t == NO_TIME
                and (b - a == EPOCH_S_DIGITS or b - a == EPOCH_MS_DIGITS)
            ):
                trail_t = epoch_digits_ms(buf, a, b)
            elif (
                (c0 == STATION_RECEIVER or c0 == STATION_BASE)
                and b - a >= 4
                and tag_recv < 0
                and trail_recv < 0
            ):
                ok = True
                for i in range(a + 1, b):
                    if not is_alnum(buf[i]):
                        ok = False
                if ok:
                    trail_recv = intern_receiver(d, buf, a + 1, b)
        q = b
    return trail_t, trail_recv, q


@njit_inline
def _trim_end(buf, lo, e):
    """The line end ``e`` moved back over trailing CR, blanks and NULs, not before ``lo``."""
    while e > lo and (
        buf[e - 1] == CR or buf[e - 1] == SPACE or buf[e - 1] == TAB or buf[e - 1] == NUL
    ):
        e -= 1
    return e


@njit_inline
def _line_time(tag_t, trail_t, prefix_t):
    """The time written on the line itself and its source: tag block c:, trailing epoch,
    line prefix, by trust; (NO_TIME, TSRC_NONE) when the line carries none."""
    if tag_t != NO_TIME:
        return tag_t, TSRC_TAG
    if trail_t != NO_TIME:
        return trail_t, TSRC_TRAILING
    if prefix_t != NO_TIME:
        return prefix_t, TSRC_PREFIX
    return NO_TIME, TSRC_NONE


@njit_inline
def _receive_time(d, stated, line_t, line_tsrc):
    """(time, satellite flag, time source) of a sentence, and its entry in the ring of recent
    sentences that a later ``$PGHP`` line may re-date.

    By trust: $PGHP (satellite time of reception), tag block c:, trailing epoch, line prefix
    (all written for this very line), the last $xxZDA clock line (the receiver's clock up to
    ~1 s before), the fixed time the user gave.
    """
    cnt = d.counters
    pghp = d.pghp
    t, sat, dist = _take_pghp(d, stated)
    tsrc = TSRC_PGHP
    if t == NO_TIME:
        sat = -1
        if line_t != NO_TIME:
            t, tsrc = line_t, line_tsrc
        elif (
            pghp[G_SCALARS, S_ZDA_LINE] > 0
            and cnt[C_LINES] - pghp[G_SCALARS, S_ZDA_LINE] <= ZDA_MAX_LINES
        ):
            t, tsrc = pghp[G_SCALARS, S_ZDA_T], TSRC_ZDA
        elif d.fixed_t != NO_TIME:
            t, tsrc = d.fixed_t, TSRC_FIXED
        else:
            tsrc = TSRC_NONE
    k = pghp[G_SCALARS, S_RING_NEXT] % N_PGHP
    pghp[R_CK, k] = stated
    pghp[R_PROW, k] = -1
    pghp[R_SROW, k] = -1
    pghp[R_TSRC, k] = tsrc
    pghp[R_DIST, k] = dist
    pghp[R_LINE, k] = cnt[C_LINES]
    pghp[G_SCALARS, S_RING_NEXT] += 1
    return t, sat, tsrc


@njit_inline
def _checksum_verdict(d, stated, ck):
    """Count a framed sentence; 0 when its checksum holds, 1 when it is wrong but kept (counted
    by _emit under C_KEPT_BAD, not as a reject), -1 when it is wrong and rejected."""
    cnt = d.counters
    cnt[C_SENTENCES] += 1
    if stated == ck:
        return 0
    if d.keep_bad:
        return 1
    cnt[C_REJ + REJ_BAD_CHECKSUM] += 1
    return -1


@njit_inline
def _frag_key(vd, chan, seq, total):
    """Key of a multi-sentence message from VDM-VDO, channel, sequence id and count. The
    talker is left out: feeds relabel fragments of one message (!ABVDM then !AIVDM)."""
    return (int(vd) << 24) | (chan << 16) | ((seq + 1) << 8) | total


@njit_inline
def _unpack(d, buf, frag):
    """The payload of a single-sentence message as six-bit values in ``d.six``; its length in
    bits, or -1 when it is empty or has a character outside the alphabet (counted)."""
    if frag.nchar == 0:
        d.counters[C_REJ + REJ_EMPTY] += 1
        return -1
    for i in range(frag.nchar):
        v = sixbit(buf[frag.start + i])
        if v < 0:
            d.counters[C_REJ + REJ_BAD_CHAR] += 1
            return -1
        d.six[i] = v
    return frag.nchar * 6 - frag.fill


@njit_inline
def _add_fragment(d, buf, frag, rx):
    """Put one part of a multi-sentence message into the pending table; the slot of the
    message once all its parts are in, else -1 (an orphan or bad part is counted)."""
    cnt = d.counters
    pend_i = d.pend_i
    for i in range(frag.nchar):
        if sixbit(buf[frag.start + i]) < 0:
            cnt[C_REJ + REJ_BAD_CHAR] += 1
            return -1
    s = _slot_find(pend_i, frag.key, frag.group)
    num = frag.num
    if num == 1:
        if s >= 0:  # a new first part replaces an unfinished message with the same key
            cnt[C_REJ + REJ_INCOMPLETE] += _parts_held(pend_i[s, P_MASK])
        else:
            s = _slot_new(pend_i, cnt)
        pend_i[s, P_ACTIVE] = 1
        pend_i[s, P_KEYF] = frag.key
        pend_i[s, P_KEYG] = frag.group
        pend_i[s, P_TOTAL] = frag.total
        pend_i[s, P_MASK] = 0
        pend_i[s, P_AGE] = cnt[C_SENTENCES]
        pend_i[s, P_T] = rx.t
        pend_i[s, P_RECV] = rx.recv
        pend_i[s, P_SAT] = rx.sat
        pend_i[s, P_BAD] = rx.bad
        pend_i[s, P_TSRC] = rx.tsrc
    else:
        if s < 0 or (pend_i[s, P_MASK] >> num) & 1:
            cnt[C_REJ + REJ_ORPHAN] += 1
            return -1
        if pend_i[s, P_T] == NO_TIME and rx.t != NO_TIME:
            pend_i[s, P_T] = rx.t
            pend_i[s, P_TSRC] = rx.tsrc
            pend_i[s, P_SAT] = rx.sat
        if pend_i[s, P_RECV] < 0:
            pend_i[s, P_RECV] = rx.recv
        if rx.bad:
            pend_i[s, P_BAD] = 1
    for i in range(frag.nchar):
        d.pend_data[s, num - 1, i] = sixbit(buf[frag.start + i])
    d.pend_len[s, num - 1] = frag.nchar
    pend_i[s, P_MASK] |= 1 << num
    if num == frag.total:
        pend_i[s, P_FILL] = frag.fill
    if pend_i[s, P_MASK] != ((1 << (frag.total + 1)) - 2):
        return -1
    return s


@njit_inline
def _assemble(d, s):
    """The parts of the complete message in slot ``s``, in order, into ``d.six``; frees the
    slot. Its length in bits, or -1 when it is empty (counted)."""
    n = 0
    for k in range(d.pend_i[s, P_TOTAL]):
        for i in range(d.pend_len[s, k]):
            d.six[n] = d.pend_data[s, k, i]
            n += 1
    d.pend_i[s, P_ACTIVE] = 0
    d.counters[C_JOINED] += d.pend_i[s, P_TOTAL] - 1
    if n == 0:
        d.counters[C_REJ + REJ_EMPTY] += 1
        return -1
    return n * 6 - d.pend_i[s, P_FILL]


@njit_borrowed
def _accept(d, buf, frag, stated, ck, line):
    """A well-framed sentence: checksum verdict, receive time, the ``$PGHP`` ring; then a
    single-sentence message is decoded at once and a fragment goes to the pending table (its
    message is decoded once complete). ``stated`` and ``ck`` are the written and the computed
    checksums; ``line`` is what the line says of the sentence (a ``LineStamp``).

    Compiled on its own, not inlined into the general path: it holds the general path's copy
    of ``_emit``, and Numba's inlining costs grow with the depth at which a body is inlined."""
    bad = _checksum_verdict(d, stated, ck)
    if bad < 0:
        return
    t, sat, tsrc = _receive_time(d, stated, line.t, line.tsrc)
    rx = Reception(t, line.recv, sat, tsrc, bad)
    if frag.nchar > MAX_PART_CHARS:
        d.counters[C_REJ + REJ_TOO_LONG] += 1
        return
    if frag.total == 1:
        nbits = _unpack(d, buf, frag)
    else:
        s = _add_fragment(d, buf, frag, rx)
        if s < 0:
            return
        nbits = _assemble(d, s)
        p = d.pend_i
        rx = Reception(p[s, P_T], p[s, P_RECV], p[s, P_SAT], p[s, P_TSRC], p[s, P_BAD])
    if nbits >= 0:
        _emit(d, nbits, rx)


@njit_inline
def _sentence(d, buf, p, e, tag, prefix_t):
    """One ``!xxVDM``/``!xxVDO`` sentence at ``p`` of any shape (the general path), after the
    line's tag block ``tag`` (``NO_TAG`` without) and time prefix; returns the index after it
    (and its trailing fields) where another sentence may start on the line."""
    cnt = d.counters
    commas = d.work
    # One scan: checksum and comma positions up to '*'.
    ck = 0
    star = -1
    nc = 0
    for i in range(p + 1, e):
        c = buf[i]
        if c == STAR:
            star = i
            break
        if c == BACKSLASH or c == BANG:  # a new sentence started: this one was cut short
            break
        ck ^= c
        if c == COMMA:
            if nc == 6:
                nc = 7
                break
            commas[nc] = i
            nc += 1
    # Other '!' sentences (!AIPWR, !AIALR, ...) are not AIS messages.
    if e - p < 7 or not (matches(buf, p + 3, VDM) or matches(buf, p + 3, VDO)):
        cnt[C_REJ + REJ_NON_AIS] += 1
        return _next_start(buf, p + 1, e)
    if star < 0 or nc != 6 or commas[0] != p + 6:
        cnt[C_REJ + REJ_MALFORMED] += 1
        return _next_start(buf, p + 1, e)
    if star + 3 > e:
        cnt[C_REJ + REJ_MALFORMED] += 1
        return e
    h1 = hexval(buf[star + 1])
    h2 = hexval(buf[star + 2])
    total = read_uint(buf, commas[0] + 1, commas[1])
    num = read_uint(buf, commas[1] + 1, commas[2])
    seq = -1 if commas[3] == commas[2] + 1 else read_uint(buf, commas[2] + 1, commas[3])
    chan = int(buf[commas[3] + 1]) if commas[4] > commas[3] + 1 else 0
    pa = commas[4] + 1
    fill = 0 if commas[5] + 1 == star else read_uint(buf, commas[5] + 1, star)
    if h1 < 0 or h2 < 0 or total < 1 or total > MAX_PARTS or num < 1 or num > total:
        cnt[C_REJ + REJ_MALFORMED] += 1
        return _next_start(buf, star, e)
    if fill < 0 or fill > 5 or seq < -1 or seq > 99:
        cnt[C_REJ + REJ_MALFORMED] += 1
        return _next_start(buf, star, e)
    trail_t, trail_recv, q = _trailing(d, buf, star + 3, e, tag.recv)
    nxt = q if q < e and (buf[q] == BACKSLASH or buf[q] == BANG) else e
    line_t, line_tsrc = _line_time(tag.t, trail_t, prefix_t)
    recv = tag.recv if tag.recv >= 0 else trail_recv
    group = (tag.group << 4) | total if tag.group >= 0 and tag.group_total == total else -1
    key = _frag_key(buf[p + 5], chan, seq, total)
    frag = Fragment(pa, commas[5] - pa, fill, total, num, key, group)
    _accept(d, buf, frag, h1 * 16 + h2, ck, LineStamp(line_t, line_tsrc, recv))
    return nxt


@njit_inline
def _fast_frame(d, buf, p, n):
    """Frame ``!xxVDM,1,1,[d],[c],payload,f*hh`` at ``p`` (the shape of nearly every position
    report) in one pass, filling ``d.six`` and the checksum as it goes, with no other effect.

    Returns (index of '*', payload characters, fill bits, computed checksum, stated
    checksum); sequence id and channel are checked but not needed by a single sentence. The
    '*' index is -1 when the line needs the general path, which then sees it afresh (and counts
    whatever is wrong with it).
    """
    six = d.six
    if p + FAST_MIN_CHARS > n:
        return -1, 0, 0, 0, 0
    if not is_upper_or_digit(buf[p + 1]) or not is_upper_or_digit(buf[p + 2]):
        return -1, 0, 0, 0, 0  # an odd talker: the general path decides
    if not (matches(buf, p + 3, VDM) or matches(buf, p + 3, VDO)):
        return -1, 0, 0, 0, 0
    if not matches(buf, p + 6, ONE_OF_ONE):
        return -1, 0, 0, 0, 0
    q = p + 11
    c = buf[q]
    if c != COMMA:  # a one-digit sequence id
        if not is_digit(c) or buf[q + 1] != COMMA:
            return -1, 0, 0, 0, 0
        q += 1
    q += 1
    c = buf[q]
    if c != COMMA:  # a one-character channel
        if not is_alnum(c) or buf[q + 1] != COMMA:
            return -1, 0, 0, 0, 0
        q += 1
    pa = q + 1
    ck = 0
    for k in range(p + 1, pa):
        ck ^= buf[k]
    # The payload: six-bit values and checksum in one pass; any byte outside the armouring
    # alphabet (the closing comma included) ends it.
    lim = min(pa + MAX_PART_CHARS, n - 5)
    k = pa
    while k < lim:
        c = buf[k]
        v = sixbit(c)
        if v < 0:
            break
        six[k - pa] = v
        ck ^= c
        k += 1
    if k >= lim or k == pa or buf[k] != COMMA or buf[k + 2] != STAR:
        return -1, 0, 0, 0, 0
    fill = int(buf[k + 1]) - ZERO
    h1 = hexval(buf[k + 3])
    h2 = hexval(buf[k + 4])
    if fill < 0 or fill > 5 or h1 < 0 or h2 < 0:
        return -1, 0, 0, 0, 0
    ck ^= COMMA ^ buf[k + 1]
    return k + 2, k - pa, fill, ck, h1 * 16 + h2


@njit_inline
def _epoch_then_newline(buf, a, n):
    """The logger's epoch alone after the checksum (",1327992179427"), the commonest trailing
    field, read in the same pass that finds the line end: (time, end of the digits, index of the
    LF), or (NO_TIME, -1, -1) when the digits are not an epoch that ends the line."""
    b = a
    while b < n and is_digit(buf[b]):
        b += 1
    if b - a == EPOCH_S_DIGITS or b - a == EPOCH_MS_DIGITS:
        if b < n and buf[b] == LF:
            return epoch_digits_ms(buf, a, b), b, b
        if b + 1 < n and buf[b] == CR and buf[b + 1] == LF:
            return epoch_digits_ms(buf, a, b), b, b + 1
    return NO_TIME, -1, -1


@njit_borrowed
def _fast_run(d, buf, i, n):
    """Decode, from ``i`` on, the lines that are each one single-sentence message (bare or
    after one tag block, with at most trailing fields after the checksum) in one pass per
    line, with no separate search for the line end. Stops at the first other line and
    returns its start, having done nothing with it (the general path takes it).

    Its own compiled function, called once per run of such lines: a lean loop the compiler
    optimises well (inlined into ``decode_chunk`` it ran at about half the speed).
    """
    cnt = d.counters
    while i < n:
        p = i
        tag = NO_TAG
        if buf[i] == BACKSLASH:
            # Parsed before the sentence is known to suit this path: only safe while its sole
            # effect is naming a receiver the general path would name too (not when the table
            # is full, which is counted).
            if d.rc_int[RECV_SLOTS + RECV_HASH] >= RECV_SLOTS:
                return i
            tag = _tag_block(d, buf, i, min(n, i + TAG_BLOCK_MAX))
            if tag.end < 0 or tag.end >= n or buf[tag.end] != BANG:
                return i
            p = tag.end
        elif buf[i] != BANG:
            return i
        star, nchar, fill, ck, stated = _fast_frame(d, buf, p, n)
        if star < 0:
            return i
        q = star + 3  # _fast_frame kept star + 3 < n
        c = buf[q]
        trail_t = NO_TIME
        j = -1  # the LF that ends the line
        e = q  # the end of the sentence and its trailing fields
        if c == COMMA:
            trail_t, e, j = _epoch_then_newline(buf, q + 1, n)
        trail_done = j >= 0
        if trail_done:
            pass  # the line end was found with the epoch
        elif c == LF:
            e = q
            j = q
        elif c == CR and q + 1 < n and buf[q + 1] == LF:
            e = q
            j = q + 1
        elif c == COMMA:
            j = q
            while j < n and buf[j] != LF:
                if buf[j] == BACKSLASH or buf[j] == BANG:  # another sentence on this line
                    return i
                j += 1
            if j >= n:
                return i
            e = _trim_end(buf, q, j)
        else:
            return i
        # Committed: the same bookkeeping as the general path (_accept) for one sentence.
        cnt[C_LINES] += 1
        cnt[C_REJ + REJ_BAD_TIME] += tag.bad_times
        i = j + 1
        trail_recv = -1
        if not trail_done:
            trail_t, trail_recv, _ = _trailing(d, buf, q, e, tag.recv)
        bad = _checksum_verdict(d, stated, ck)
        if bad < 0:
            continue
        line_t, line_tsrc = _line_time(tag.t, trail_t, NO_TIME)
        t, sat, tsrc = _receive_time(d, stated, line_t, line_tsrc)
        recv = tag.recv if tag.recv >= 0 else trail_recv
        _emit(d, nchar * 6 - fill, Reception(t, recv, sat, tsrc, bad))
    return i


@njit_inline
def _general_line(d, buf, i, j):
    """The line ``buf[i:j]`` (``j`` its LF or the buffer end) by the general path: blanks,
    comments, a time prefix, then tag blocks and sentences, ``$PGHP`` and ``$xxZDA`` lines."""
    cnt = d.counters
    e = _trim_end(buf, i, j)
    p = i
    while p < e and (buf[p] == SPACE or buf[p] == TAB):
        p += 1
    cnt[C_LINES] += 1
    if p >= e:
        cnt[C_BLANK] += 1
        return
    c = buf[p]
    if c == HASH:
        cnt[C_COMMENT] += 1
        return
    prefix_t = NO_TIME
    if is_digit(c):
        prefix_t, p = _prefix_time(buf, p, e)
        if prefix_t == NO_TIME or p >= e:
            cnt[C_REJ + REJ_GARBAGE] += 1
            return
    shared = -1  # sentences on this line beyond the first
    while p < e:
        shared += 1
        tag = NO_TAG
        if buf[p] == BACKSLASH:
            tag = _tag_block(d, buf, p, e)
            # Bad c: times count only for a whole block (a broken one is malformed).
            if tag.end >= 0:
                cnt[C_REJ + REJ_BAD_TIME] += tag.bad_times
            if tag.end < 0 or tag.end >= e:
                cnt[C_REJ + REJ_MALFORMED_TAG] += 1
                break
            p = tag.end
        c = buf[p]
        if c == BANG:
            p = _sentence(d, buf, p, e, tag, prefix_t)
        elif c == DOLLAR:
            if e - p > 5 and matches(buf, p + 1, PGH):
                cnt[C_PGHP] += 1
                _pghp(buf, p, e, cnt, d.pghp, d.work, d.pos_t, d.pos_b, d.sta_i)
            elif e - p > 6 and matches(buf, p + 3, ZDA):
                _zda(buf, p, e, cnt, d.pghp)  # $xxZDA: a clock line
            else:
                cnt[C_REJ + REJ_NON_AIS] += 1
            break
        else:
            cnt[C_REJ + REJ_GARBAGE] += 1
            break
    if shared > 0:
        cnt[C_SHARED] += shared


@njit_borrowed
def _general_run(d, buf, i, n, final):
    """Decode, from ``i`` on, lines by the general path: the line at ``i`` (which the fast path
    declined), then the following lines up to one that starts a sentence or tag block (the fast
    path's to try). Returns where it stopped; -1 - that index when it stopped at a last line
    with no LF (without ``final``: left for the next call).

    Its own compiled function beside ``_fast_run``: the two compile apart (and in parallel, see
    ``decode``), and neither holds the other's inlined body.
    """
    first = True
    while i < n:
        if not first and (buf[i] == BANG or buf[i] == BACKSLASH):
            return i
        first = False
        j = i
        while j < n and buf[j] != LF:
            j += 1
        if j >= n and not final:
            return -1 - i
        _general_line(d, buf, i, j)
        i = j + 1
    return i


@njit_borrowed
def decode_chunk(d, buf, final):
    """Decode ``buf`` into the decoder state ``d``; returns how many bytes were consumed.

    A line that is one single-sentence message (bare or after a tag block) takes the fast
    path, which frames, checks and decodes it in one pass; any other line, or one the fast
    path does not accept, takes the general path. Both give the same rows and counts.
    Without ``final`` a last line with no newline is left for the next call.
    """
    n = buf.shape[0]
    # Typed int64 from the start: from the literal 0, Numba would compile _fast_run a second
    # time, for i: Literal[int](0), while inferring this loop's types.
    i = np.int64(0)
    while i < n:
        c = buf[i]
        if c == BANG or c == BACKSLASH:
            nxt = _fast_run(d, buf, i, n)
            if nxt != i:
                i = nxt
                continue
        nxt = _general_run(d, buf, i, n, final)
        if nxt < 0:
            return -1 - nxt  # a last line with no LF, left for the next call
        i = nxt
    return i if i < n else n


@njit_borrowed
def flush_pending(pend_i, cnt):
    """At the end of a stream every unfinished multi-sentence message is counted incomplete."""
    for s in range(pend_i.shape[0]):
        if pend_i[s, P_ACTIVE] != 0:
            pend_i[s, P_ACTIVE] = 0
            cnt[C_REJ + REJ_INCOMPLETE] += _parts_held(pend_i[s, P_MASK])


_prepared: set[Any] = set()


def decode(d: Any, buf: Any, final: bool) -> int:
    """``decode_chunk`` from Python. On a cold cache, the decoder's two large parts (the fast
    path and the general path) are first compiled side by side, one in a child process."""
    types = (nb.typeof(d), nb.typeof(buf))  # type: ignore[no-untyped-call]
    if types not in _prepared:
        _prepared.add(types)
        i64 = nb.types.int64
        compile_in_parallel(
            [
                (_general_run, (*types, i64, i64, nb.types.boolean)),
                (_fast_run, (*types, i64, i64)),
            ]
        )
    return int(decode_chunk(d, buf, final))
