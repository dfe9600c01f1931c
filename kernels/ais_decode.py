"""The bulk NMEA 0183 AIS decoder: one pass over a byte buffer into columnar arrays.

``decode_chunk`` finds line boundaries, reads optional time prefixes (ISO 8601 or epoch),
IEC 61162-450 tag blocks (``\\s:``, ``c:``, ``g:``), ``!xxVDM``/``!xxVDO`` sentences (any
talker), trailing fields after the checksum (epoch seconds or ms, USCG ``r``/``b`` station ids)
and Gatehouse ``$PGHP`` lines; it verifies checksums, assembles multi-sentence messages in a
bounded pending table (interleaving allowed) and writes positions and static reports into
preallocated arrays. Every line that yields nothing is counted under a reject reason.

State that must survive a chunk boundary (pending fragments, pending ``$PGHP`` times, the
receiver-name table) lives in arrays owned by the caller. Times: ms since the epoch, UTC.
"""

from __future__ import annotations

import numba as nb

from kernels._jit import njit
from kernels.ais_bits import (
    NO_TIME,
    civil_ms,
    epoch_digits_ms,
    hexval,
    read_uint,
    sixbit,
)
from kernels.ais_layout import (
    F_KIND,
    F_ROW,
    F_SAT,
    F_T,
    G_CC,
    G_LINE,
    G_SAT,
    G_SCALARS,
    G_T,
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
    PI_SAT,
    PI_T,
    PI_TSRC,
    R_CK,
    R_DIST,
    R_LINE,
    R_PROW,
    R_SROW,
    R_TSRC,
    S_NFIX,
    S_PG_NEXT,
    S_POS_BASE,
    S_RING_NEXT,
    S_STA_BASE,
    SI_SAT,
    SI_T,
    SI_TSRC,
)
from kernels.ais_messages import position_row, static_row

# --- counter layout (one int64 array shared with the Python side) -------------------------
C_LINES = 0
C_SENTENCES = 1  # AIS sentences with a valid structure
C_MESSAGES = 2  # assembled messages
C_BLANK = 3
C_COMMENT = 4
C_KEPT_BAD = 5  # messages kept although a checksum was wrong (keep_bad_checksum)
C_RECV_FULL = 6  # receiver names not interned because the table was full
C_NPOS = 7  # rows written in this chunk (reset by the caller)
C_NSTA = 8
C_TSRC = 10  # + time source code: 0 none, 1 $PGHP, 2 tag block, 3 trailing, 4 prefix, 5 fixed
C_REJ = 16  # + reject code
C_TYPE = 64  # + message type (0..63)
N_COUNTERS = 128

TSRC_NAMES = ("none", "pghp", "tag_block", "trailing_epoch", "line_prefix", "fixed")

REJ_BAD_CHECKSUM = 0
REJ_MALFORMED = 1
REJ_BAD_CHAR = 2
REJ_SHORT = 3
REJ_ORPHAN = 4
REJ_INCOMPLETE = 5
REJ_NON_AIS = 6
REJ_GARBAGE = 7
REJ_BAD_TIME = 8
REJ_EMPTY = 9
REJ_TOO_LONG = 10
REJ_MALFORMED_TAG = 13
REJ_BAD_PGHP = 14

#: Reject reason names by code (index); codes 11, 12 and 15 come from ``kernels.ais_messages``.
REJECT_NAMES = (
    "bad_checksum",
    "malformed_sentence",
    "bad_payload_char",
    "short_payload",
    "multipart_orphan",
    "multipart_incomplete",
    "non_ais_sentence",
    "garbage_line",
    "bad_time",
    "empty_payload",
    "payload_too_long",
    "position_unavailable",
    "position_out_of_range",
    "malformed_tag_block",
    "bad_pghp",
    "invalid_mmsi",
)

MAX_PARTS = 9  # NMEA fragment count is one digit
MAX_PART_CHARS = 256
N_SLOTS = 256  # pending multi-sentence messages held at once; the oldest is dropped beyond
N_PGHP = 8  # $PGHP lines waiting for their sentence, and sentences waiting for their $PGHP
# A $PGHP dates the sentence whose checksum its cc field holds. The exactEarth captures write
# it a line or two before or after that sentence, interleaved with others; an old unmatched
# one must not date a later sentence whose checksum happens to be equal (1 in 256). So: a
# waiting $PGHP dates a sentence at most PGHP_FORWARD_LINES lines after it; a $PGHP dates an
# earlier sentence only within PGHP_BACK_LINES lines (a farther one with the same checksum
# belongs to the next sentence), and then also when that sentence's own $PGHP was farther.
PGHP_FORWARD_LINES = 6
PGHP_BACK_LINES = 2
RECV_SLOTS = 4096
RECV_LEN = 48
RECV_HASH = 8192


#: The per-sentence helpers (``_sentence``, ``_tag_block``, ``_emit``, ``_take_pghp``) are
#: inlined into ``decode_chunk`` by Numba before it adds reference counting: a normal call
#: increments and decrements every array argument (two atomic operations each, ~14 arrays),
#: which was a third of the time per sentence.
_inline = nb.njit(cache=True, nogil=True, inline="always")


@njit
def intern_receiver(buf, a, b, rc_bytes, rc_int, cnt):
    """Index of the receiver name ``buf[a:b]`` in the table, adding it when new; -1 if full.

    ``rc_int`` holds the name lengths (RECV_SLOTS), the open-addressing hash table
    (RECV_HASH) and the number of names (last element).
    """
    if b - a > RECV_LEN:
        b = a + RECV_LEN
    if b <= a:
        return -1
    h = 1469598103934665603
    for i in range(a, b):
        h = (h ^ buf[i]) * 1099511628211
    k = h & (RECV_HASH - 1)
    while True:
        idx = rc_int[RECV_SLOTS + k]
        if idx < 0:
            break
        if rc_int[idx] == b - a:
            same = True
            for i in range(b - a):
                if rc_bytes[idx, i] != buf[a + i]:
                    same = False
                    break
            if same:
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
    return n


@_inline
def _emit(six, nbits, t, recv, sat, bad, tsrc, cnt, pos_f, pos_i, sta_i, sta_txt, pg):
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
        code = position_row(six, nbits, mtype, pos_f, pos_i, r, t, recv, sat, bad, tsrc)
        if code == 0:
            cnt[C_NPOS] = r + 1
            prow = r
        else:
            cnt[C_REJ + code] += 1
    if is_sta:
        r = cnt[C_NSTA]
        code = static_row(six, nbits, mtype, sta_i, sta_txt, r, t, recv, sat, tsrc)
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


@njit
def _redate(pg, k, t, sat, pos_i, sta_i):
    """Give the rows of ring entry ``k`` the time of a $PGHP that came after them."""
    for kind in range(2):
        row = pg[R_PROW, k] if kind == 0 else pg[R_SROW, k]
        if row < 0:
            continue
        local = row - pg[G_SCALARS, S_POS_BASE + kind]
        if local >= 0 and kind == 0:
            pos_i[local, PI_T] = t
            pos_i[local, PI_SAT] = sat
            pos_i[local, PI_TSRC] = 1
        elif local >= 0:
            sta_i[local, SI_T] = t
            sta_i[local, SI_SAT] = sat
            sta_i[local, SI_TSRC] = 1
        else:  # a row of an earlier chunk: the caller applies the fix
            nf = pg[G_SCALARS, S_NFIX]
            if nf < pg.shape[1]:
                pg[F_KIND, nf] = kind
                pg[F_ROW, nf] = row
                pg[F_T, nf] = t
                pg[F_SAT, nf] = sat
                pg[G_SCALARS, S_NFIX] = nf + 1


@njit
def _pghp(buf, p, e, cnt, pos_i, sta_i, pg, commas):
    """A Gatehouse ``$PGHP,1,yyyy,m,d,h,mi,s,ms,country,region,pss,online,cc*hh`` line.

    ``cc`` is the checksum of the AIS sentence it dates, which real feeds write before or after
    its ``$PGHP`` line: match a recent sentence first, else keep it for the next ones.
    """
    star = -1
    ck = 0
    nc = 0
    for i in range(p + 1, e):
        c = buf[i]
        if c == 42:
            star = i
            break
        ck ^= c
        if c == 44 and nc < 14:
            commas[nc] = i
            nc += 1
    if star < 0 or star + 3 > e or nc < 13:
        cnt[C_REJ + REJ_BAD_PGHP] += 1
        return
    h1 = hexval(buf[star + 1])
    h2 = hexval(buf[star + 2])
    if h1 < 0 or h2 < 0 or h1 * 16 + h2 != ck:
        cnt[C_REJ + REJ_BAD_PGHP] += 1
        return
    for k in range(7):
        commas[16 + k] = read_uint(buf, commas[k + 1] + 1, commas[k + 2])
    f = commas[16:23]
    t = civil_ms(f[0], f[1], f[2], f[3], f[4], f[5], f[6])
    cc_a = commas[12] + 1
    cc = -1
    if star - cc_a == 2:
        a1 = hexval(buf[cc_a])
        a2 = hexval(buf[cc_a + 1])
        if a1 >= 0 and a2 >= 0:
            cc = a1 * 16 + a2
    if t == NO_TIME or cc < 0:
        cnt[C_REJ + REJ_BAD_PGHP] += 1
        return
    # "AIS_S" in the online-data field marks exactEarth satellite AIS relayed by Gatehouse.
    sat = -1
    for i in range(commas[11] + 1, commas[12] - 4):
        if (
            buf[i] == 65
            and buf[i + 1] == 73
            and buf[i + 2] == 83
            and buf[i + 3] == 95
            and buf[i + 4] == 83
        ):
            sat = 1
    newest = pg[G_SCALARS, S_RING_NEXT]
    line = cnt[C_LINES]
    for back in range(1, N_PGHP + 1):
        j = newest - back
        if j < 0:
            break
        k = j % N_PGHP
        d = line - pg[R_LINE, k]
        if d > PGHP_BACK_LINES:
            break
        if pg[R_CK, k] == cc and (pg[R_TSRC, k] != 1 or pg[R_DIST, k] > d):
            old_tsrc = pg[R_TSRC, k]
            pg[R_CK, k] = -1
            pg[R_DIST, k] = 0
            if pg[R_PROW, k] < 0 and pg[R_SROW, k] < 0:
                return  # it dates a message that gave no row (or a fragment)
            _redate(pg, k, t, sat, pos_i, sta_i)
            cnt[C_TSRC + old_tsrc] -= 1
            cnt[C_TSRC + 1] += 1
            pg[R_TSRC, k] = 1
            return
    k = pg[G_SCALARS, S_PG_NEXT] % N_PGHP
    pg[G_CC, k] = cc
    pg[G_T, k] = t
    pg[G_SAT, k] = sat
    pg[G_LINE, k] = cnt[C_LINES]
    pg[G_SCALARS, S_PG_NEXT] += 1


@_inline
def _take_pghp(pg, ck, line):
    """(time, satellite flag, line distance) of a waiting ``$PGHP`` for checksum ``ck``."""
    nxt = pg[G_SCALARS, S_PG_NEXT]
    if nxt == 0:  # no $PGHP line seen in this stream (most feeds)
        return NO_TIME, -1, 0
    start = nxt - N_PGHP
    if start < 0:
        start = 0
    # Newest first: with two waiting for the same checksum, the nearer line is the right one.
    for j in range(nxt - 1, start - 1, -1):
        k = j % N_PGHP
        if pg[G_CC, k] == ck and line - pg[G_LINE, k] <= PGHP_FORWARD_LINES:
            pg[G_CC, k] = -1
            return pg[G_T, k], pg[G_SAT, k], line - pg[G_LINE, k]
    return NO_TIME, -1, 0


@njit
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


@njit
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


@njit
def _slot_new(pend_i, cnt):
    """A free slot, dropping the oldest pending message when the table is full."""
    oldest = 0
    for s in range(pend_i.shape[0]):
        if pend_i[s, P_ACTIVE] == 0:
            return s
        if pend_i[s, P_AGE] < pend_i[oldest, P_AGE]:
            oldest = s
    cnt[C_REJ + REJ_INCOMPLETE] += 1
    pend_i[oldest, P_ACTIVE] = 0
    return oldest


@_inline
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
    pos_i,
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
    """One ``!xxVDM``/``!xxVDO`` sentence at ``p``; returns the index after it (and its
    trailing fields) where another sentence may start on the same line.

    The arrays come as separate arguments, not as a tuple: unpacking a tuple of arrays inside
    a compiled function reference-counts each one on every call (~30 atomic calls per
    sentence, most of the decoder's time).
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
    # Trailing fields: epoch (s or ms) and USCG station ids, up to a next tag block/sentence.
    trail_t = NO_TIME
    trail_recv = -1
    q = star + 3
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
    nxt = q if q < e and (buf[q] == 92 or buf[q] == 33) else e
    cnt[C_SENTENCES] += 1
    stated = h1 * 16 + h2
    bad = 0
    if stated != ck:
        cnt[C_REJ + REJ_BAD_CHECKSUM] += 1
        if not keep_bad:
            return nxt
        bad = 1
    # Receive time, by trust: $PGHP (satellite time of reception), tag block c:, trailing epoch,
    # line prefix, the fixed time the user gave.
    t, sat, dist = _take_pghp(pg, stated, cnt[C_LINES])
    tsrc = 1
    if t == NO_TIME:
        sat = -1
        if tag_t != NO_TIME:
            t, tsrc = tag_t, 2
        elif trail_t != NO_TIME:
            t, tsrc = trail_t, 3
        elif prefix_t != NO_TIME:
            t, tsrc = prefix_t, 4
        elif fixed_t != NO_TIME:
            t, tsrc = fixed_t, 5
        else:
            tsrc = 0
    recv = tag_recv if tag_recv >= 0 else trail_recv
    k = pg[G_SCALARS, S_RING_NEXT] % N_PGHP
    pg[R_CK, k] = stated
    pg[R_PROW, k] = -1
    pg[R_SROW, k] = -1
    pg[R_TSRC, k] = tsrc
    pg[R_DIST, k] = dist
    pg[R_LINE, k] = cnt[C_LINES]
    pg[G_SCALARS, S_RING_NEXT] += 1
    nchar = pb - pa
    if nchar > MAX_PART_CHARS:
        cnt[C_REJ + REJ_TOO_LONG] += 1
        return nxt
    if total == 1:
        if nchar == 0:
            cnt[C_REJ + REJ_EMPTY] += 1
            return nxt
        for i in range(nchar):
            v = sixbit(buf[pa + i])
            if v < 0:
                cnt[C_REJ + REJ_BAD_CHAR] += 1
                return nxt
            six[i] = v
        _emit(six, nchar * 6 - fill, t, recv, sat, bad, tsrc, cnt, pos_f, pos_i, sta_i, sta_txt, pg)
        return nxt
    # Multi-sentence: key by VDM-VDO/channel/sequence id/count, or by the tag block group.
    # The talker is left out: feeds relabel fragments of one message (!ABVDM then !AIVDM).
    keyf = (int(buf[p + 5]) << 24) | (chan << 16) | ((seq + 1) << 8) | total
    keyg = (gkey << 4) | total if gkey >= 0 and gtot == total else -1
    for i in range(nchar):
        if sixbit(buf[pa + i]) < 0:
            cnt[C_REJ + REJ_BAD_CHAR] += 1
            return nxt
    s = _slot_find(pend_i, keyf, keyg)
    if num == 1:
        if s >= 0:  # a new first part replaces an unfinished message with the same key
            cnt[C_REJ + REJ_INCOMPLETE] += 1
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
            return nxt
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
        return nxt
    # Complete: concatenate the parts in order and decode.
    n = 0
    for k in range(total):
        for i in range(pend_len[s, k]):
            six[n] = pend_data[s, k, i]
            n += 1
    pend_i[s, P_ACTIVE] = 0
    if n == 0:
        cnt[C_REJ + REJ_EMPTY] += 1
        return nxt
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
        pos_i,
        sta_i,
        sta_txt,
        pg,
    )
    return nxt


@njit
def _next_start(buf, a, e):
    """Where a further sentence starts on this line after a rejected one (or the line end)."""
    for i in range(a, e):
        if buf[i] == 92 or buf[i] == 33:
            return i
    return e


@_inline
def _tag_block(buf, p, e, rc_bytes, rc_int, cnt):
    """Parse ``\\k:v,k:v*hh\\`` at ``p``. Returns (end index after the closing backslash or -1,
    c: time, s: receiver, group key, group total). Tag checksums are not enforced: real feeds
    (AMSA, Spire) write ``*00`` there."""
    q = -1
    for i in range(p + 1, e):
        if buf[i] == 92:
            q = i
            break
    if q < 0:
        return -1, NO_TIME, -1, -1, -1
    end = q
    for i in range(p + 1, q):
        if buf[i] == 42:
            end = i
            break
    t = NO_TIME
    recv = -1
    gkey = -1
    gtot = -1
    a = p + 1
    while a < end:
        b = a
        while b < end and buf[b] != 44:
            b += 1
        if b - a >= 2 and buf[a + 1] == 58:
            k = buf[a]
            if k == 99:  # c: UNIX time, s or ms
                t = epoch_digits_ms(buf, a + 2, b)
                if t == NO_TIME:
                    cnt[C_REJ + REJ_BAD_TIME] += 1
            elif k == 115:  # s: source station
                recv = intern_receiver(buf, a + 2, b, rc_bytes, rc_int, cnt)
            elif k == 103:  # g: sentence-group-total-id
                d1 = -1
                d2 = -1
                for i in range(a + 2, b):
                    if buf[i] == 45:
                        if d1 < 0:
                            d1 = i
                        elif d2 < 0:
                            d2 = i
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
    return q + 1, t, recv, gkey, gtot


@njit
def decode_chunk(buf, n, newlines, final, fixed_t, keep_bad, state):
    """Decode ``buf[:n]``; returns how many bytes were consumed.

    ``newlines`` holds the indices of every ``\\n`` in ``buf[:n]`` (found by NumPy, which
    scans bytes several times faster than a scalar loop). Without ``final`` a last line with
    no newline is left for the next call. ``state`` is
    ``(counters, pos_f, pos_i, sta_i, sta_txt, pend_i, pend_len, pend_data, pghp, rc_bytes,
    rc_int, scratch, work)`` (layouts in ``kernels.ais_layout``); positions and static rows
    are written from ``counters[C_NPOS]`` / ``counters[C_NSTA]`` on.
    """
    (
        cnt,
        pos_f,
        pos_i,
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
    i = 0
    nl = 0
    while i < n:
        if nl < newlines.shape[0]:
            j = newlines[nl]
            nl += 1
        else:
            j = n
            if not final:
                break
        e = j
        while e > i and (
            buf[e - 1] == 13 or buf[e - 1] == 32 or buf[e - 1] == 9 or buf[e - 1] == 0
        ):
            e -= 1
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
        while p < e:
            tag_t = NO_TIME
            tag_recv = -1
            gkey = -1
            gtot = -1
            if buf[p] == 92:
                q, tag_t, tag_recv, gkey, gtot = _tag_block(buf, p, e, rc_bytes, rc_int, cnt)
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
                    pos_i,
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
                    _pghp(buf, p, e, cnt, pos_i, sta_i, pg, work)
                else:
                    cnt[C_REJ + REJ_NON_AIS] += 1
                break
            else:
                cnt[C_REJ + REJ_GARBAGE] += 1
                break
    return i if i < n else n


@njit
def flush_pending(pend_i, cnt):
    """At the end of a stream every unfinished multi-sentence message is counted incomplete."""
    for s in range(pend_i.shape[0]):
        if pend_i[s, P_ACTIVE] != 0:
            pend_i[s, P_ACTIVE] = 0
            cnt[C_REJ + REJ_INCOMPLETE] += 1
