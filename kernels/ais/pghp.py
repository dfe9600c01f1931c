"""Gatehouse ``$PGHP`` times and ``$xxZDA`` clock lines for the AIS decoder.

A ``$PGHP`` line carries the satellite reception time of the AIS sentence whose checksum its
``cc`` field holds; real captures write it just before or just after that sentence.
``d`` is the decoder's state (``kernels.ais.layout.DecoderState``); ``buf`` the input bytes.
"""

from __future__ import annotations

import numpy as np

from kernels._jit import njit_borrowed, njit_inline
from kernels.ais.ascii import COMMA, DOT, STAR, matches
from kernels.ais.bits import NO_TIME, civil_ms, hexval, read_uint
from kernels.ais.framing import read_fraction_ms
from kernels.ais.layout import (
    C_CLOCK,
    C_LINES,
    C_REJ,
    C_TSRC,
    F_KIND,
    F_ROW,
    F_SAT,
    F_T,
    G_CC,
    G_LINE,
    G_SAT,
    G_SCALARS,
    G_T,
    N_PGHP,
    PB_SAT,
    PB_TSRC,
    PGHP_BACK_LINES,
    PGHP_FORWARD_LINES,
    R_CK,
    R_DIST,
    R_LINE,
    R_PROW,
    R_SROW,
    R_TSRC,
    REJ_BAD_CLOCK,
    REJ_BAD_PGHP,
    S_NFIX,
    S_PG_NEXT,
    S_POS_BASE,
    S_RING_NEXT,
    S_ZDA_LINE,
    S_ZDA_T,
    SI_SAT,
    SI_T,
    SI_TSRC,
    TSRC_PGHP,
)

#: "AIS_S" in the online-data field of a $PGHP line: exactEarth satellite AIS via Gatehouse.
SATELLITE_MARK = (ord("A"), ord("I"), ord("S"), ord("_"), ord("S"))
#: Fields of a $PGHP line read here: the date and time (fields 2 to 8), the checksum it dates.
PGHP_MIN_COMMAS = 13


@njit_borrowed
def _redate(pghp, k, t, sat, pos_t, pos_b, sta_i):
    """Give the rows of ring entry ``k`` the time of a $PGHP that came after them."""
    for kind in range(2):
        row = pghp[R_PROW, k] if kind == 0 else pghp[R_SROW, k]
        if row < 0:
            continue
        local = row - pghp[G_SCALARS, S_POS_BASE + kind]
        if local >= 0 and kind == 0:
            pos_t[local] = t
            pos_b[PB_SAT, local] = sat
            pos_b[PB_TSRC, local] = TSRC_PGHP
        elif local >= 0:
            sta_i[local, SI_T] = t
            sta_i[local, SI_SAT] = sat
            sta_i[local, SI_TSRC] = TSRC_PGHP
        else:  # a row of an earlier chunk: the caller applies the fix
            nf = pghp[G_SCALARS, S_NFIX]
            if nf < pghp.shape[1]:
                pghp[F_KIND, nf] = kind
                pghp[F_ROW, nf] = row
                pghp[F_T, nf] = t
                pghp[F_SAT, nf] = sat
                pghp[G_SCALARS, S_NFIX] = nf + 1


@njit_borrowed
def _pghp(buf, p, e, cnt, pghp, commas, pos_t, pos_b, sta_i):
    """A Gatehouse ``$PGHP,1,yyyy,m,d,h,mi,s,ms,country,region,pss,online,cc*hh`` line.

    ``cc`` is the checksum of the AIS sentence it dates, which real feeds write before or after
    its ``$PGHP`` line: match a recent sentence first, else keep it for the next ones.
    ``commas`` is scratch space for the field positions.
    """
    star = -1
    ck = 0
    nc = 0
    for i in range(p + 1, e):
        c = buf[i]
        if c == STAR:
            star = i
            break
        ck ^= c
        if c == COMMA and nc < 14:
            commas[nc] = i
            nc += 1
    if star < 0 or star + 3 > e or nc < PGHP_MIN_COMMAS:
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
    sat = np.int64(-1)  # typed, not the literal -1: _redate compiles once
    for i in range(commas[11] + 1, commas[12] - 4):
        if matches(buf, i, SATELLITE_MARK):
            sat = np.int64(1)
    newest = pghp[G_SCALARS, S_RING_NEXT]
    line = cnt[C_LINES]
    for back in range(1, N_PGHP + 1):
        j = newest - back
        if j < 0:
            break
        k = j % N_PGHP
        dist = line - pghp[R_LINE, k]
        if dist > PGHP_BACK_LINES:
            break
        if pghp[R_CK, k] == cc and (pghp[R_TSRC, k] != TSRC_PGHP or pghp[R_DIST, k] > dist):
            old_tsrc = pghp[R_TSRC, k]
            pghp[R_CK, k] = -1
            pghp[R_DIST, k] = 0
            if pghp[R_PROW, k] < 0 and pghp[R_SROW, k] < 0:
                return  # it dates a message that gave no row (or a fragment)
            _redate(pghp, k, t, sat, pos_t, pos_b, sta_i)
            cnt[C_TSRC + old_tsrc] -= 1
            cnt[C_TSRC + TSRC_PGHP] += 1
            pghp[R_TSRC, k] = TSRC_PGHP
            return
    k = pghp[G_SCALARS, S_PG_NEXT] % N_PGHP
    pghp[G_CC, k] = cc
    pghp[G_T, k] = t
    pghp[G_SAT, k] = sat
    pghp[G_LINE, k] = cnt[C_LINES]
    pghp[G_SCALARS, S_PG_NEXT] += 1


@njit_inline
def _take_pghp(d, ck):
    """(time, satellite flag, line distance) of a waiting ``$PGHP`` for checksum ``ck``."""
    pghp = d.pghp
    nxt = pghp[G_SCALARS, S_PG_NEXT]
    if nxt == 0:  # no $PGHP line seen in this stream (most feeds)
        return NO_TIME, -1, 0
    line = d.counters[C_LINES]
    start = nxt - N_PGHP
    if start < 0:
        start = 0
    # Newest first: with two waiting for the same checksum, the nearer line is the right one.
    for j in range(nxt - 1, start - 1, -1):
        k = j % N_PGHP
        if pghp[G_CC, k] == ck and line - pghp[G_LINE, k] <= PGHP_FORWARD_LINES:
            pghp[G_CC, k] = -1
            return pghp[G_T, k], pghp[G_SAT, k], line - pghp[G_LINE, k]
    return NO_TIME, -1, 0


@njit_borrowed
def _zda(buf, p, e, cnt, pghp):
    """A ``$xxZDA,hhmmss.ss,dd,mm,yyyy,zh,zm*hh`` clock line (any talker; the time is UTC,
    the local-zone fields are ignored): it becomes the time of the sentences that follow."""
    star = -1
    ck = 0
    nc = 0
    c1 = 0
    c2 = 0
    c3 = 0
    c4 = 0
    for i in range(p + 1, e):
        c = buf[i]
        if c == STAR:
            star = i
            break
        ck ^= c
        if c == COMMA:
            nc += 1
            if nc == 1:
                c1 = i
            elif nc == 2:
                c2 = i
            elif nc == 3:
                c3 = i
            elif nc == 4:
                c4 = i
    if star < 0 or star + 3 > e or nc < 5 or c2 - c1 < 7:
        cnt[C_REJ + REJ_BAD_CLOCK] += 1
        return
    h1 = hexval(buf[star + 1])
    h2 = hexval(buf[star + 2])
    if h1 < 0 or h2 < 0 or h1 * 16 + h2 != ck:
        cnt[C_REJ + REJ_BAD_CLOCK] += 1
        return
    a = c1 + 1
    hh = read_uint(buf, a, a + 2)
    mi = read_uint(buf, a + 2, a + 4)
    ss = read_uint(buf, a + 4, a + 6)
    ms = 0
    q = a + 6
    if q < c2 and buf[q] == DOT:
        ms, q = read_fraction_ms(buf, q + 1, c2)
    d = read_uint(buf, c2 + 1, c3)
    mo = read_uint(buf, c3 + 1, c4)
    # The year field ends at the next comma (zone fields follow).
    ye = c4 + 1
    while ye < star and buf[ye] != COMMA:
        ye += 1
    y = read_uint(buf, c4 + 1, ye)
    t = NO_TIME
    if q == c2 and hh >= 0 and mi >= 0 and ss >= 0 and d >= 0 and mo >= 0 and 1995 <= y < 2100:
        t = civil_ms(y, mo, d, hh, mi, ss, ms)
    if t == NO_TIME:
        cnt[C_REJ + REJ_BAD_CLOCK] += 1
        return
    cnt[C_CLOCK] += 1
    pghp[G_SCALARS, S_ZDA_T] = t
    pghp[G_SCALARS, S_ZDA_LINE] = cnt[C_LINES]
