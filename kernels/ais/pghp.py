# ruff: noqa: F405 - names come from the kernels.ais.layout star import
"""Gatehouse ``$PGHP`` times for the AIS decoder.

A ``$PGHP`` line carries the satellite reception time of the AIS sentence whose checksum its
``cc`` field holds; real captures write it just before or just after that sentence.
"""

from __future__ import annotations

from kernels._jit import njit_borrowed, njit_inline
from kernels.ais.bits import (
    NO_TIME,
    civil_ms,
    hexval,
    read_uint,
)

# The decoder's constants and array layouts, used by name throughout:
from kernels.ais.layout import *  # noqa: F403


@njit_borrowed
def _redate(pg, k, t, sat, pos_t, pos_b, sta_i):
    """Give the rows of ring entry ``k`` the time of a $PGHP that came after them."""
    for kind in range(2):
        row = pg[R_PROW, k] if kind == 0 else pg[R_SROW, k]
        if row < 0:
            continue
        local = row - pg[G_SCALARS, S_POS_BASE + kind]
        if local >= 0 and kind == 0:
            pos_t[local] = t
            pos_b[PB_SAT, local] = sat
            pos_b[PB_TSRC, local] = 1
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


@njit_borrowed
def _pghp(buf, p, e, cnt, pos_t, pos_b, sta_i, pg, commas):
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
            _redate(pg, k, t, sat, pos_t, pos_b, sta_i)
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


@njit_inline
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


@njit_borrowed
def _zda(buf, p, e, cnt, pg):
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
        if c == 42:
            star = i
            break
        ck ^= c
        if c == 44:
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
    if q < c2 and buf[q] == 46:
        q += 1
        scale = 100
        while q < c2 and 48 <= buf[q] <= 57:
            ms += (buf[q] - 48) * scale
            scale //= 10
            q += 1
    d = read_uint(buf, c2 + 1, c3)
    mo = read_uint(buf, c3 + 1, c4)
    # The year field ends at the next comma (zone fields follow).
    ye = c4 + 1
    while ye < star and buf[ye] != 44:
        ye += 1
    y = read_uint(buf, c4 + 1, ye)
    t = NO_TIME
    if q == c2 and hh >= 0 and mi >= 0 and ss >= 0 and d >= 0 and mo >= 0 and 1995 <= y < 2100:
        t = civil_ms(y, mo, d, hh, mi, ss, ms)
    if t == NO_TIME:
        cnt[C_REJ + REJ_BAD_CLOCK] += 1
        return
    cnt[C_CLOCK] += 1
    pg[G_SCALARS, S_ZDA_T] = t
    pg[G_SCALARS, S_ZDA_LINE] = cnt[C_LINES]
