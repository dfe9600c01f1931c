"""Field extraction for the AIS messages the project keeps (ITU-R M.1371-5).

Positions: types 1, 2, 3 (Class A), 18, 19 (Class B) and 27 (long range, 1/10 minute
resolution). Static: 5 (Class A voyage data), 19 (Class B extended), 24 A/B (Class B static).
Each writer returns 0 on success or a reject code (``REJECT_NAMES`` in ``kernels.ais.layout``);
rows go into the packed arrays of ``kernels.ais.layout``.

Unavailable values (ITU-R M.1371-5 Table 50): lon 181 and lat 91 make the row unusable;
speed 102.3 kn (1023) and course 360 become NaN; heading 511 becomes -1; the UTC second stays
as sent (60-63 mean not available).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kernels._jit import njit, njit_borrowed, njit_inline
from kernels.ais.bits import field_s, field_u, get_text, getu
from kernels.ais.layout import (
    PB_BAD,
    PB_NAV,
    PB_SAT,
    PB_SEC,
    PB_TSRC,
    PB_TYPE,
    PF_LAT,
    PF_LON,
    PI_HEAD,
    PI_MMSI,
    PI_RECV,
    PS_COG,
    PS_SOG,
    REJ_BAD_POSITION,
    REJ_INVALID_MMSI,
    REJ_NO_POSITION,
    REJ_SHORT,
    SI_BAD,
    SI_BOW,
    SI_IMO,
    SI_MMSI,
    SI_N,
    SI_PART,
    SI_PORT,
    SI_RECV,
    SI_SAT,
    SI_STAR,
    SI_STERN,
    SI_STYPE,
    SI_T,
    SI_TSRC,
    SI_TYPE,
    TX_CALL,
    TX_CALL_N,
    TX_DEST,
    TX_DEST_N,
    TX_NAME,
    TX_NAME_N,
)

MAX_MMSI = 999_999_999  # nine decimal digits (ITU-R M.585); larger 30-bit values are corrupt


class Reception(NamedTuple):
    """How a message came in, written beside its fields: receive time (ms), receiver index
    (-1 unknown), satellite flag (1, 0, -1 unknown), time source (TSRC_*), 1 when a checksum
    was wrong but the message kept."""

    t: int
    recv: int
    sat: int
    tsrc: int
    bad: int


#: Bits each layout needs up to its last field we read (shorter payloads are rejected).
MIN_BITS_CLASS_A = 143  # through the UTC second
MIN_BITS_CLASS_B = 139
MIN_BITS_TYPE19_STATIC = 301
MIN_BITS_TYPE27 = 94
MIN_BITS_TYPE5 = 270  # through the dimensions; the destination may be cut short
MIN_BITS_TYPE24A = 160
MIN_BITS_TYPE24B = 162


@njit
def _latlon_ok(lat, lon):
    """0 when usable, else the reject code (unavailable or out of range)."""
    if lat == 91.0 or lon == 181.0:
        return REJ_NO_POSITION
    if not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0):
        return REJ_BAD_POSITION
    return 0


# Inlined into the decoder loops, where the field offsets and widths are constants.
@njit_inline
def position_row(d, r, nbits, mtype, rx):
    """Decode the position report in ``d.six`` (``nbits`` bits) into row ``r`` of the position
    arrays of the decoder state ``d``; 0 or a reject code. The caller checked that the payload
    holds the MMSI (38 bits); each layout's length is checked before its fields are read."""
    six = d.six
    mmsi = field_u(six, 8, 30)
    if mmsi == 0 or mmsi > MAX_MMSI:
        return REJ_INVALID_MMSI
    second = -1
    heading = -1
    if mtype <= 3:
        if nbits < MIN_BITS_CLASS_A:
            return REJ_SHORT
        nav = field_u(six, 38, 4)
        sog_raw = field_u(six, 50, 10)
        lon = field_s(six, 61, 28) / 600000.0
        lat = field_s(six, 89, 27) / 600000.0
        cog_raw = field_u(six, 116, 12)
        heading = field_u(six, 128, 9)
        second = field_u(six, 137, 6)
        sog = np.nan if sog_raw == 1023 else sog_raw / 10.0
        cog = np.nan if cog_raw >= 3600 else cog_raw / 10.0
    elif mtype == 27:
        if nbits < MIN_BITS_TYPE27:
            return REJ_SHORT
        nav = field_u(six, 40, 4)
        lon = field_s(six, 44, 18) / 600.0
        lat = field_s(six, 62, 17) / 600.0
        s27 = field_u(six, 79, 6)
        c27 = field_u(six, 85, 9)
        sog = np.nan if s27 == 63 else float(s27)
        cog = np.nan if c27 >= 360 else float(c27)
    else:  # 18, 19
        if nbits < MIN_BITS_CLASS_B:
            return REJ_SHORT
        nav = 15  # Class B reports carry no navigational status: "undefined"
        sog_raw = field_u(six, 46, 10)
        lon = field_s(six, 57, 28) / 600000.0
        lat = field_s(six, 85, 27) / 600000.0
        cog_raw = field_u(six, 112, 12)
        heading = field_u(six, 124, 9)
        second = field_u(six, 133, 6)
        sog = np.nan if sog_raw == 1023 else sog_raw / 10.0
        cog = np.nan if cog_raw >= 3600 else cog_raw / 10.0
    code = _latlon_ok(lat, lon)
    if code != 0:
        return code
    if heading > 359:
        heading = -1
    d.pos_f[PF_LAT, r] = lat
    d.pos_f[PF_LON, r] = lon
    d.pos_s[PS_SOG, r] = sog
    d.pos_s[PS_COG, r] = cog
    d.pos_t[r] = rx.t
    pos_i = d.pos_i
    pos_i[PI_MMSI, r] = mmsi
    pos_i[PI_RECV, r] = rx.recv
    pos_i[PI_HEAD, r] = heading
    pos_b = d.pos_b
    pos_b[PB_NAV, r] = nav
    pos_b[PB_TYPE, r] = mtype
    pos_b[PB_SAT, r] = rx.sat
    pos_b[PB_SEC, r] = second
    pos_b[PB_BAD, r] = rx.bad
    pos_b[PB_TSRC, r] = rx.tsrc
    return 0


@njit_borrowed
def static_row(six, nbits, mtype, sta_i, sta_txt, r, rx):
    """Decode the static report (5, 19, 24A, 24B) in ``six`` (``nbits`` bits) into row ``r`` of
    ``sta_i`` and ``sta_txt``; 0 or a reject code.

    Zero values (IMO, ship type, dimensions) are kept as 0 here; the Arrow layer turns them
    into nulls. ``SI_PART`` is -1 for 5/19, 0 for 24A, 1 for 24B.
    """
    mmsi = field_u(six, 8, 30)  # _emit checked the 38 bits up to here
    if mmsi == 0 or mmsi > MAX_MMSI:
        return REJ_INVALID_MMSI
    if mtype == 5:
        if nbits < MIN_BITS_TYPE5:
            return REJ_SHORT
    elif mtype == 19:
        if nbits < MIN_BITS_TYPE19_STATIC:
            return REJ_SHORT
    else:
        part = getu(six, nbits, 38, 2)
        if part > 1:
            return REJ_SHORT  # part numbers 2 and 3 are not defined
        if nbits < (MIN_BITS_TYPE24A if part == 0 else MIN_BITS_TYPE24B):
            return REJ_SHORT
    for k in range(SI_N):
        sta_i[r, k] = 0
    for k in range(sta_txt.shape[1]):
        sta_txt[r, k] = 0
    sta_i[r, SI_PART] = -1
    # Each layout's length was checked above: fields are read without padding.
    if mtype == 5:
        sta_i[r, SI_IMO] = field_u(six, 40, 30)
        get_text(six, nbits, 70, TX_CALL_N, sta_txt, r, TX_CALL)
        get_text(six, nbits, 112, TX_NAME_N, sta_txt, r, TX_NAME)
        sta_i[r, SI_STYPE] = field_u(six, 232, 8)
        sta_i[r, SI_BOW] = field_u(six, 240, 9)
        sta_i[r, SI_STERN] = field_u(six, 249, 9)
        sta_i[r, SI_PORT] = field_u(six, 258, 6)
        sta_i[r, SI_STAR] = field_u(six, 264, 6)
        get_text(six, nbits, 302, TX_DEST_N, sta_txt, r, TX_DEST)
    elif mtype == 19:
        get_text(six, nbits, 143, TX_NAME_N, sta_txt, r, TX_NAME)
        sta_i[r, SI_STYPE] = field_u(six, 263, 8)
        sta_i[r, SI_BOW] = field_u(six, 271, 9)
        sta_i[r, SI_STERN] = field_u(six, 280, 9)
        sta_i[r, SI_PORT] = field_u(six, 289, 6)
        sta_i[r, SI_STAR] = field_u(six, 295, 6)
    elif field_u(six, 38, 2) == 0:
        sta_i[r, SI_PART] = 0
        get_text(six, nbits, 40, TX_NAME_N, sta_txt, r, TX_NAME)
    else:
        sta_i[r, SI_PART] = 1
        sta_i[r, SI_STYPE] = field_u(six, 40, 8)
        get_text(six, nbits, 90, TX_CALL_N, sta_txt, r, TX_CALL)
        # Auxiliary craft (MMSI 98XXXYYYY) carry the mother ship's MMSI instead of sizes.
        if not (980000000 <= mmsi < 990000000):
            sta_i[r, SI_BOW] = field_u(six, 132, 9)
            sta_i[r, SI_STERN] = field_u(six, 141, 9)
            sta_i[r, SI_PORT] = field_u(six, 150, 6)
            sta_i[r, SI_STAR] = field_u(six, 156, 6)
    sta_i[r, SI_MMSI] = mmsi
    sta_i[r, SI_T] = rx.t
    sta_i[r, SI_TYPE] = mtype
    sta_i[r, SI_RECV] = rx.recv
    sta_i[r, SI_SAT] = rx.sat
    sta_i[r, SI_TSRC] = rx.tsrc
    sta_i[r, SI_BAD] = rx.bad
    return 0
