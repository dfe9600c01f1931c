# ruff: noqa: F405 - names come from the kernels.ais.layout star import
"""The bulk NMEA 0183 AIS decoder: one pass over a byte buffer into columnar arrays.

``decode_chunk`` finds line boundaries, reads optional time prefixes (ISO 8601 or epoch),
IEC 61162-450 tag blocks (``\\s:``, ``c:``, ``g:``), ``!xxVDM``/``!xxVDO`` sentences (any
talker), trailing fields after the checksum (epoch seconds or ms, USCG ``r``/``b`` station ids)
Gatehouse ``$PGHP`` lines and ``$xxZDA`` clock lines; it verifies checksums, assembles multi-sentence messages in a
bounded pending table (interleaving allowed) and writes positions and static reports into
preallocated arrays. Every line that yields nothing is counted under a reject reason.

State that must survive a chunk boundary (pending fragments, pending ``$PGHP`` times, the
receiver-name table) lives in arrays owned by the caller. Times: ms since the epoch, UTC.
"""

from __future__ import annotations

from kernels._jit import njit_borrowed, njit_inline
from kernels.ais.bits import (
    NO_TIME,
    epoch_digits_ms,
    hexval,
    read_uint,
    sixbit,
)
from kernels.ais.framing import _next_start, _prefix_time, _tag_block, intern_receiver

# The decoder's constants and array layouts, used by name throughout:
from kernels.ais.layout import *  # noqa: F403
from kernels.ais.messages import position_row, static_row
from kernels.ais.pghp import _pghp, _take_pghp, _zda


@njit_inline
def _emit(
    six, nbits, t, recv, sat, bad, tsrc, cnt, pos_f, pos_s, pos_t, pos_i, pos_b, sta_i, sta_txt, pg
):
    """Decode one assembled message into the output arrays, counting it by type."""
    cnt[C_MESSAGES] += 1
    if nbits < 6:
        cnt[C_REJ + REJ_SHORT] += 1
        return
    mtype = int(six[0])
    cnt[C_TYPE + mtype] += 1
    if bad != 0:
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
        if r >= pos_t.shape[0]:
            cnt[C_ROWS_FULL] += 1
            return
        code = position_row(
            six, nbits, mtype, pos_f, pos_s, pos_t, pos_i, pos_b, r, t, recv, sat, bad, tsrc
        )
        if code == 0:
            cnt[C_NPOS] = r + 1
            prow = r
        else:
            cnt[C_REJ + code] += 1
    if is_sta:
        r = cnt[C_NSTA]
        if r >= sta_i.shape[0]:
            cnt[C_ROWS_FULL] += 1
            return
        code = static_row(six, nbits, mtype, sta_i, sta_txt, r, t, recv, sat, tsrc, bad)
        if code == 0:
            cnt[C_NSTA] = r + 1
            srow = r
        elif mtype != 19:  # a type 19 that gave a position is not a reject
            cnt[C_REJ + code] += 1
    if prow >= 0 or srow >= 0:
        cnt[C_TSRC + tsrc] += 1
        # The sentence was put in the ring by _sentence: a $PGHP line that follows it may
        # still carry its time, so remember its rows (as global row numbers).
        k = (pg[G_SCALARS, S_RING_NEXT] - 1) % N_PGHP
        pg[R_PROW, k] = prow + pg[G_SCALARS, S_POS_BASE] if prow >= 0 else -1
        pg[R_SROW, k] = srow + pg[G_SCALARS, S_STA_BASE] if srow >= 0 else -1


@njit_inline
def _parts_held(mask):
    """Fragments a pending message holds (bits 1..MAX_PARTS of its P_MASK)."""
    k = 0
    for num in range(1, MAX_PARTS + 1):
        k += (mask >> num) & 1
    return k


@njit_borrowed
def _slot_find(pend_i, keyf, keyg):
    for s in range(pend_i.shape[0]):
        if pend_i[s, P_ACTIVE] == 0:
            continue
        # Two tag block groups tell messages apart even when their NMEA fields are equal
        # (satellite feeds leave the sequence id empty); otherwise the NMEA fields decide.
        if keyg >= 0 and pend_i[s, P_KEYG] >= 0:
            if pend_i[s, P_KEYG] == keyg:
                return s
        elif pend_i[s, P_KEYF] == keyf:
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
def _trailing(buf, q, e, tag_recv, rc_bytes, rc_int, cnt):
    """Fields after a checksum at ``q``: an epoch (s or ms) and USCG station ids (``r``/``b``),
    up to a next tag block or sentence. Returns (time, receiver, index after the fields)."""
    trail_t = NO_TIME
    trail_recv = -1
    while q < e and buf[q] == 44:
        a = q + 1
        b = a
        while b < e and buf[b] != 44 and buf[b] != 92 and buf[b] != 33:
            b += 1
        if b > a:
            c0 = buf[a]
            if 48 <= c0 <= 57 and trail_t == NO_TIME and (b - a == 10 or b - a == 13):
                trail_t = epoch_digits_ms(buf, a, b)
            elif (c0 == 114 or c0 == 98) and b - a >= 4 and tag_recv < 0 and trail_recv < 0:
                ok = True
                for i in range(a + 1, b):
                    if not (48 <= buf[i] <= 57 or 65 <= buf[i] <= 90 or 97 <= buf[i] <= 122):
                        ok = False
                if ok:
                    trail_recv = intern_receiver(buf, a + 1, b, rc_bytes, rc_int, cnt)
        q = b
    return trail_t, trail_recv, q


@njit_inline
def _trim_end(buf, lo, e):
    """The line end ``e`` moved back over trailing CR, blanks and NULs, not before ``lo``."""
    while e > lo and (buf[e - 1] == 13 or buf[e - 1] == 32 or buf[e - 1] == 9 or buf[e - 1] == 0):
        e -= 1
    return e


@njit_inline
def _line_time(tag_t, trail_t, prefix_t):
    """The time written on the line itself and its source code: tag block c:, trailing epoch,
    line prefix, by trust; (NO_TIME, 0) when the line carries none."""
    if tag_t != NO_TIME:
        return tag_t, 2
    if trail_t != NO_TIME:
        return trail_t, 3
    if prefix_t != NO_TIME:
        return prefix_t, 4
    return NO_TIME, 0


@njit_inline
def _receive_time(pg, cnt, stated, line_t, line_tsrc, fixed_t):
    """(time, satellite flag, time source) of a sentence, and its entry in the ring of recent
    sentences that a later ``$PGHP`` line may re-date.

    By trust: $PGHP (satellite time of reception), tag block c:, trailing epoch, line prefix
    (all written for this very line), the last $xxZDA clock line (the receiver's clock up to
    ~1 s before), the fixed time the user gave.
    """
    t, sat, dist = _take_pghp(pg, stated, cnt[C_LINES])
    tsrc = 1
    if t == NO_TIME:
        sat = -1
        if line_t != NO_TIME:
            t, tsrc = line_t, line_tsrc
        elif (
            pg[G_SCALARS, S_ZDA_LINE] > 0
            and cnt[C_LINES] - pg[G_SCALARS, S_ZDA_LINE] <= ZDA_MAX_LINES
        ):
            t, tsrc = pg[G_SCALARS, S_ZDA_T], TSRC_ZDA
        elif fixed_t != NO_TIME:
            t, tsrc = fixed_t, 5
        else:
            tsrc = 0
    k = pg[G_SCALARS, S_RING_NEXT] % N_PGHP
    pg[R_CK, k] = stated
    pg[R_PROW, k] = -1
    pg[R_SROW, k] = -1
    pg[R_TSRC, k] = tsrc
    pg[R_DIST, k] = dist
    pg[R_LINE, k] = cnt[C_LINES]
    pg[G_SCALARS, S_RING_NEXT] += 1
    return t, sat, tsrc


@njit_inline
def _checksum_verdict(stated, ck, keep_bad, cnt):
    """Count a framed sentence; 0 when its checksum holds, 1 when it is wrong but kept (counted
    by _emit under C_KEPT_BAD, not as a reject), -1 when it is wrong and rejected."""
    cnt[C_SENTENCES] += 1
    if stated == ck:
        return 0
    if keep_bad:
        return 1
    cnt[C_REJ + REJ_BAD_CHECKSUM] += 1
    return -1


@njit_inline
def _frag_key(vd, chan, seq, total):
    """Key of a multi-sentence message from VDM-VDO, channel, sequence id and count. The
    talker is left out: feeds relabel fragments of one message (!ABVDM then !AIVDM)."""
    return (int(vd) << 24) | (chan << 16) | ((seq + 1) << 8) | total


@njit_inline
def _accept(
    buf,
    pa,
    nchar,
    fill,
    total,
    num,
    keyf,
    stated,
    ck,
    line_t,
    line_tsrc,
    recv,
    keyg,
    fixed_t,
    keep_bad,
    cnt,
    pos_f,
    pos_s,
    pos_t,
    pos_i,
    pos_b,
    sta_i,
    sta_txt,
    pend_i,
    pend_len,
    pend_data,
    pg,
    six,
):
    """A well-framed sentence (payload ``buf[pa:pa + nchar]``): checksum verdict, receive
    time, the ``$PGHP`` ring, then a single-sentence message is decoded at once and a fragment
    goes to the pending table.
    ``keyf`` is the fragment key from the NMEA fields (``_frag_key``). At most 30 arguments:
    CPython passes more as ``*args``, which Numba cannot inline."""
    bad = _checksum_verdict(stated, ck, keep_bad, cnt)
    if bad < 0:
        return
    t, sat, tsrc = _receive_time(pg, cnt, stated, line_t, line_tsrc, fixed_t)
    if nchar > MAX_PART_CHARS:
        cnt[C_REJ + REJ_TOO_LONG] += 1
        return
    if total == 1:
        if nchar == 0:
            cnt[C_REJ + REJ_EMPTY] += 1
            return
        for i in range(nchar):
            v = sixbit(buf[pa + i])
            if v < 0:
                cnt[C_REJ + REJ_BAD_CHAR] += 1
                return
            six[i] = v
        _emit(
            six,
            nchar * 6 - fill,
            t,
            recv,
            sat,
            bad,
            tsrc,
            cnt,
            pos_f,
            pos_s,
            pos_t,
            pos_i,
            pos_b,
            sta_i,
            sta_txt,
            pg,
        )
        return
    # Multi-sentence: key by the NMEA fields (keyf) or by the tag block group (keyg).
    for i in range(nchar):
        if sixbit(buf[pa + i]) < 0:
            cnt[C_REJ + REJ_BAD_CHAR] += 1
            return
    s = _slot_find(pend_i, keyf, keyg)
    if num == 1:
        if s >= 0:  # a new first part replaces an unfinished message with the same key
            cnt[C_REJ + REJ_INCOMPLETE] += _parts_held(pend_i[s, P_MASK])
        else:
            s = _slot_new(pend_i, cnt)
        pend_i[s, P_ACTIVE] = 1
        pend_i[s, P_KEYF] = keyf
        pend_i[s, P_KEYG] = keyg
        pend_i[s, P_TOTAL] = total
        pend_i[s, P_MASK] = 0
        pend_i[s, P_AGE] = cnt[C_SENTENCES]
        pend_i[s, P_T] = t
        pend_i[s, P_RECV] = recv
        pend_i[s, P_SAT] = sat
        pend_i[s, P_BAD] = bad
        pend_i[s, P_TSRC] = tsrc
    else:
        if s < 0 or (pend_i[s, P_MASK] >> num) & 1:
            cnt[C_REJ + REJ_ORPHAN] += 1
            return
        if pend_i[s, P_T] == NO_TIME and t != NO_TIME:
            pend_i[s, P_T] = t
            pend_i[s, P_TSRC] = tsrc
            pend_i[s, P_SAT] = sat
        if pend_i[s, P_RECV] < 0:
            pend_i[s, P_RECV] = recv
        if bad:
            pend_i[s, P_BAD] = 1
    for i in range(nchar):
        pend_data[s, num - 1, i] = sixbit(buf[pa + i])
    pend_len[s, num - 1] = nchar
    pend_i[s, P_MASK] |= 1 << num
    if num == total:
        pend_i[s, P_FILL] = fill
    if pend_i[s, P_MASK] != ((1 << (total + 1)) - 2):
        return
    # Complete: concatenate the parts in order and decode.
    n = 0
    for k in range(total):
        for i in range(pend_len[s, k]):
            six[n] = pend_data[s, k, i]
            n += 1
    pend_i[s, P_ACTIVE] = 0
    cnt[C_JOINED] += total - 1
    if n == 0:
        cnt[C_REJ + REJ_EMPTY] += 1
        return
    _emit(
        six,
        n * 6 - pend_i[s, P_FILL],
        pend_i[s, P_T],
        pend_i[s, P_RECV],
        pend_i[s, P_SAT],
        pend_i[s, P_BAD],
        pend_i[s, P_TSRC],
        cnt,
        pos_f,
        pos_s,
        pos_t,
        pos_i,
        pos_b,
        sta_i,
        sta_txt,
        pg,
    )


@njit_inline
def _sentence(
    buf,
    p,
    e,
    tag_t,
    tag_recv,
    gkey,
    gtot,
    prefix_t,
    fixed_t,
    keep_bad,
    cnt,
    pos_f,
    pos_s,
    pos_t,
    pos_i,
    pos_b,
    sta_i,
    sta_txt,
    pend_i,
    pend_len,
    pend_data,
    pg,
    rc_bytes,
    rc_int,
    six,
    commas,
):
    """One ``!xxVDM``/``!xxVDO`` sentence at ``p`` of any shape (the general path); returns
    the index after it (and its trailing fields) where another sentence may start on the line.

    The arrays come as separate arguments, not as a tuple, so each helper names what it
    writes; the loops that call it are compiled without reference counting (``njit_borrowed``).
    """
    # One scan: checksum and comma positions up to '*'.
    ck = 0
    star = -1
    nc = 0
    for i in range(p + 1, e):
        c = buf[i]
        if c == 42:
            star = i
            break
        if c == 92 or c == 33:  # a new sentence started: this one was cut short
            break
        ck ^= c
        if c == 44:
            if nc == 6:
                nc = 7
                break
            commas[nc] = i
            nc += 1
    # !xxVDM / !xxVDO; other '!' sentences (!AIPWR, !AIALR, ...) are not AIS messages.
    if e - p < 7 or buf[p + 3] != 86 or buf[p + 4] != 68 or (buf[p + 5] != 77 and buf[p + 5] != 79):
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
    pb = commas[5]
    fill = 0 if commas[5] + 1 == star else read_uint(buf, commas[5] + 1, star)
    if h1 < 0 or h2 < 0 or total < 1 or total > MAX_PARTS or num < 1 or num > total:
        cnt[C_REJ + REJ_MALFORMED] += 1
        return _next_start(buf, star, e)
    if fill < 0 or fill > 5 or seq < -1 or seq > 99:
        cnt[C_REJ + REJ_MALFORMED] += 1
        return _next_start(buf, star, e)
    trail_t, trail_recv, q = _trailing(buf, star + 3, e, tag_recv, rc_bytes, rc_int, cnt)
    nxt = q if q < e and (buf[q] == 92 or buf[q] == 33) else e
    line_t, line_tsrc = _line_time(tag_t, trail_t, prefix_t)
    _accept(
        buf,
        pa,
        pb - pa,
        fill,
        total,
        num,
        _frag_key(buf[p + 5], chan, seq, total),
        h1 * 16 + h2,
        ck,
        line_t,
        line_tsrc,
        tag_recv if tag_recv >= 0 else trail_recv,
        (gkey << 4) | total if gkey >= 0 and gtot == total else -1,
        fixed_t,
        keep_bad,
        cnt,
        pos_f,
        pos_s,
        pos_t,
        pos_i,
        pos_b,
        sta_i,
        sta_txt,
        pend_i,
        pend_len,
        pend_data,
        pg,
        six,
    )
    return nxt


@njit_inline
def _fast_frame(buf, p, n, six):
    """Frame ``!xxVDM,1,1,[d],[c],payload,f*hh`` at ``p`` (the shape of nearly every position
    report) in one pass, filling ``six`` and the checksum as it goes, with no other effect.

    Returns (index of '*', payload characters, fill bits, computed checksum, stated
    checksum); sequence id and channel are checked but not needed by a single sentence; the '*' index is -1 when the line needs the general path,
    which then sees it afresh (and counts whatever is wrong with it).
    """
    if p + 20 > n:
        return -1, 0, 0, 0, 0
    t1 = buf[p + 1]
    t2 = buf[p + 2]
    if not (48 <= t1 <= 57 or 65 <= t1 <= 90) or not (48 <= t2 <= 57 or 65 <= t2 <= 90):
        return -1, 0, 0, 0, 0  # an odd talker: the general path decides
    if (
        buf[p + 3] != 86
        or buf[p + 4] != 68
        or (buf[p + 5] != 77 and buf[p + 5] != 79)
        or buf[p + 6] != 44
        or buf[p + 7] != 49
        or buf[p + 8] != 44
        or buf[p + 9] != 49
        or buf[p + 10] != 44
    ):
        return -1, 0, 0, 0, 0
    q = p + 11
    c = buf[q]
    if c != 44:  # a one-digit sequence id
        if c < 48 or c > 57 or buf[q + 1] != 44:
            return -1, 0, 0, 0, 0
        q += 1
    q += 1
    c = buf[q]
    if c != 44:  # a one-character channel
        if not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) or buf[q + 1] != 44:
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
    if k >= lim or k == pa or buf[k] != 44 or buf[k + 2] != 42:
        return -1, 0, 0, 0, 0
    fill = int(buf[k + 1]) - 48
    h1 = hexval(buf[k + 3])
    h2 = hexval(buf[k + 4])
    if fill < 0 or fill > 5 or h1 < 0 or h2 < 0:
        return -1, 0, 0, 0, 0
    ck ^= 44 ^ buf[k + 1]
    return k + 2, k - pa, fill, ck, h1 * 16 + h2


@njit_borrowed
def _fast_run(
    buf,
    i,
    n,
    fixed_t,
    keep_bad,
    cnt,
    pos_f,
    pos_s,
    pos_t,
    pos_i,
    pos_b,
    sta_i,
    sta_txt,
    pg,
    rc_bytes,
    rc_int,
    six,
):
    """Decode, from ``i`` on, the lines that are each one single-sentence message (bare or
    after one tag block, with at most trailing fields after the checksum) in one pass per
    line, with no separate search for the line end. Stops at the first other line and
    returns its start, having done nothing with it (the general path takes it).

    Its own compiled function, called once per run of such lines: a lean loop the compiler
    optimises well (inlined into ``decode_chunk`` it ran at about half the speed).
    """
    while i < n:
        p = i
        tag_t = NO_TIME
        tag_recv = -1
        nbad = 0
        if buf[i] == 92:
            # Parsed before the sentence is known to suit this path: only safe while its sole
            # effect is naming a receiver the general path would name too (not when the table
            # is full, which is counted).
            if rc_int[RECV_SLOTS + RECV_HASH] >= RECV_SLOTS:
                return i
            q, tag_t, tag_recv, _, _, nbad = _tag_block(
                buf, i, min(n, i + 512), rc_bytes, rc_int, cnt
            )
            if q < 0 or q >= n or buf[q] != 33:
                return i
            p = q
        elif buf[i] != 33:
            return i
        star, nchar, fill, ck, stated = _fast_frame(buf, p, n, six)
        if star < 0:
            return i
        q = star + 3  # _fast_frame kept star + 3 < n
        c = buf[q]
        trail_t = NO_TIME
        trail_done = False
        if c == 44:
            # The logger's epoch alone after the checksum (",1327992179427"), the commonest
            # trailing field: read in the same pass that finds the line end (LF or CR LF).
            a = q + 1
            b = a
            while b < n and 48 <= buf[b] <= 57:
                b += 1
            if b - a == 10 or b - a == 13:
                j = -1
                if b < n and buf[b] == 10:
                    j = b
                elif b + 1 < n and buf[b] == 13 and buf[b + 1] == 10:
                    j = b + 1
                if j >= 0:
                    trail_t = epoch_digits_ms(buf, a, b)
                    trail_done = True
                    e = b
        if trail_done:
            pass  # the line end was found with the epoch
        elif c == 10:
            e = q
            j = q
        elif c == 13 and q + 1 < n and buf[q + 1] == 10:
            e = q
            j = q + 1
        elif c == 44:
            j = q
            while j < n and buf[j] != 10:
                if buf[j] == 92 or buf[j] == 33:  # another sentence on this line
                    return i
                j += 1
            if j >= n:
                return i
            e = _trim_end(buf, q, j)
        else:
            return i
        # Committed: the same bookkeeping as the general path (_accept) for one sentence.
        cnt[C_LINES] += 1
        cnt[C_REJ + REJ_BAD_TIME] += nbad
        i = j + 1
        trail_recv = -1
        if not trail_done:
            trail_t, trail_recv, _ = _trailing(buf, q, e, tag_recv, rc_bytes, rc_int, cnt)
        bad = _checksum_verdict(stated, ck, keep_bad, cnt)
        if bad < 0:
            continue
        line_t, line_tsrc = _line_time(tag_t, trail_t, NO_TIME)
        t, sat, tsrc = _receive_time(pg, cnt, stated, line_t, line_tsrc, fixed_t)
        recv = tag_recv if tag_recv >= 0 else trail_recv
        _emit(
            six,
            nchar * 6 - fill,
            t,
            recv,
            sat,
            bad,
            tsrc,
            cnt,
            pos_f,
            pos_s,
            pos_t,
            pos_i,
            pos_b,
            sta_i,
            sta_txt,
            pg,
        )
    return i


@njit_borrowed
def decode_chunk(buf, n, final, fixed_t, keep_bad, state):
    """Decode ``buf[:n]``; returns how many bytes were consumed.

    A line that is one single-sentence message (bare or after a tag block) takes the fast
    path, which frames, checks and decodes it in one pass; any other line, or one the fast
    path does not accept, takes the general path. Both give the same rows and counts.
    Without ``final`` a last line with no newline is left for the next call. ``state`` is
    ``(counters, pos_f, pos_s, pos_t, pos_i, pos_b, sta_i, sta_txt, pend_i, pend_len, pend_data, pghp, rc_bytes,
    rc_int, scratch, work)`` (layouts in ``kernels.ais.layout``); positions and static rows
    are written from ``counters[C_NPOS]`` / ``counters[C_NSTA]`` on.
    """
    (
        cnt,
        pos_f,
        pos_s,
        pos_t,
        pos_i,
        pos_b,
        sta_i,
        sta_txt,
        pend_i,
        pend_len,
        pend_data,
        pg,
        rc_bytes,
        rc_int,
        six,
        work,
    ) = state
    # An int64 zero, not the literal 0: Numba would compile _fast_run (the largest kernel) a
    # second time for i: Literal[int](0) while inferring this loop's types.
    i = n * 0
    while i < n:
        c = buf[i]
        if c == 33 or c == 92:
            # In $PGHP feeds, where sentences and $PGHP lines alternate, this is one call per
            # sentence: cheap, as nothing is reference-counted (njit_borrowed).
            nxt = _fast_run(
                buf,
                i,
                n,
                fixed_t,
                keep_bad,
                cnt,
                pos_f,
                pos_s,
                pos_t,
                pos_i,
                pos_b,
                sta_i,
                sta_txt,
                pg,
                rc_bytes,
                rc_int,
                six,
            )
            if nxt != i:
                i = nxt
                continue
        j = i
        while j < n and buf[j] != 10:
            j += 1
        if j >= n and not final:
            break
        e = _trim_end(buf, i, j)
        p = i
        while p < e and (buf[p] == 32 or buf[p] == 9):
            p += 1
        i = j + 1
        cnt[C_LINES] += 1
        if p >= e:
            cnt[C_BLANK] += 1
            continue
        c = buf[p]
        if c == 35:  # '#'
            cnt[C_COMMENT] += 1
            continue
        prefix_t = NO_TIME
        if 48 <= c <= 57:
            prefix_t, p = _prefix_time(buf, p, e)
            if prefix_t == NO_TIME or p >= e:
                cnt[C_REJ + REJ_GARBAGE] += 1
                continue
        shared = -1  # sentences on this line beyond the first
        while p < e:
            shared += 1
            tag_t = NO_TIME
            tag_recv = -1
            gkey = -1
            gtot = -1
            if buf[p] == 92:
                q, tag_t, tag_recv, gkey, gtot, nbad = _tag_block(buf, p, e, rc_bytes, rc_int, cnt)
                # Bad c: times count only for a whole block (a broken one is malformed).
                if q >= 0:
                    cnt[C_REJ + REJ_BAD_TIME] += nbad
                if q < 0 or q >= e:
                    cnt[C_REJ + REJ_MALFORMED_TAG] += 1
                    break
                p = q
            c = buf[p]
            if c == 33:
                p = _sentence(
                    buf,
                    p,
                    e,
                    tag_t,
                    tag_recv,
                    gkey,
                    gtot,
                    prefix_t,
                    fixed_t,
                    keep_bad,
                    cnt,
                    pos_f,
                    pos_s,
                    pos_t,
                    pos_i,
                    pos_b,
                    sta_i,
                    sta_txt,
                    pend_i,
                    pend_len,
                    pend_data,
                    pg,
                    rc_bytes,
                    rc_int,
                    six,
                    work,
                )
            elif c == 36:
                if e - p > 5 and buf[p + 1] == 80 and buf[p + 2] == 71 and buf[p + 3] == 72:
                    cnt[C_PGHP] += 1
                    _pghp(buf, p, e, cnt, pos_t, pos_b, sta_i, pg, work)
                elif e - p > 6 and buf[p + 3] == 90 and buf[p + 4] == 68 and buf[p + 5] == 65:
                    _zda(buf, p, e, cnt, pg)  # $xxZDA: a clock line
                else:
                    cnt[C_REJ + REJ_NON_AIS] += 1
                break
            else:
                cnt[C_REJ + REJ_GARBAGE] += 1
                break
        if shared > 0:
            cnt[C_SHARED] += shared
    return i if i < n else n


@njit_borrowed
def flush_pending(pend_i, cnt):
    """At the end of a stream every unfinished multi-sentence message is counted incomplete."""
    for s in range(pend_i.shape[0]):
        if pend_i[s, P_ACTIVE] != 0:
            pend_i[s, P_ACTIVE] = 0
            cnt[C_REJ + REJ_INCOMPLETE] += _parts_held(pend_i[s, P_MASK])
