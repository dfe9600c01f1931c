"""Field extraction for the AIS messages the project keeps (ITU-R M.1371-5).

Positions: types 1, 2, 3 (Class A), 18, 19 (Class B) and 27 (long range, 1/10 minute
resolution). Static: 5 (Class A voyage data), 19 (Class B extended), 24 A/B (Class B static).
Each writer returns 0 on success or a reject code (see ``kernels.ais_decode``).

Unavailable values (ITU-R M.1371-5 Table 50): lon 181 and lat 91 make the row unusable;
speed 102.3 kn (1023) and course 360 become NaN; heading 511 becomes -1; UTC second stays as
sent (60-63 mean not available).
"""

from __future__ import annotations

import numpy as np

from kernels._jit import njit
from kernels.ais_bits import get_text, gets, getu

REJ_SHORT = 3
REJ_NO_POSITION = 11
REJ_BAD_POSITION = 12
REJ_INVALID_MMSI = 15
MAX_MMSI = 999_999_999  # nine decimal digits (ITU-R M.585); larger 30-bit values are corrupt

#: Bits each layout needs up to its last field we read (shorter payloads are rejected).
MIN_BITS_CLASS_A = 143  # through the UTC second
MIN_BITS_CLASS_B = 139
MIN_BITS_TYPE19_STATIC = 301
MIN_BITS_TYPE27 = 94
MIN_BITS_TYPE5 = 270  # through the dimensions; destination may be cut short
MIN_BITS_TYPE24A = 160
MIN_BITS_TYPE24B = 162


@njit
def _set_position(pos, r, mmsi, mtype, lat, lon, sog, cog, heading, nav, second, meta):
    (
        p_mmsi,
        p_t,
        p_lat,
        p_lon,
        p_sog,
        p_cog,
        p_head,
        p_nav,
        p_type,
        p_recv,
        p_sat,
        p_sec,
        p_bad,
        p_tsrc,
    ) = pos
    p_mmsi[r] = mmsi
    p_t[r] = meta[0]
    p_lat[r] = lat
    p_lon[r] = lon
    p_sog[r] = sog
    p_cog[r] = cog
    p_head[r] = heading
    p_nav[r] = nav
    p_type[r] = mtype
    p_recv[r] = meta[1]
    p_sat[r] = meta[2]
    p_sec[r] = second
    p_bad[r] = meta[3]
    p_tsrc[r] = meta[4]


@njit
def _latlon_ok(lat, lon):
    """0 when usable, else the reject code (unavailable or out of range)."""
    if lat == 91.0 or lon == 181.0:
        return REJ_NO_POSITION
    if not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0):
        return REJ_BAD_POSITION
    return 0


@njit
def position_row(six, nbits, mtype, pos, r, meta):
    """Decode a position report into row ``r`` of ``pos``; 0 or a reject code.

    ``meta`` = (t_ms, receiver, is_sat, bad_checksum, time_source) as int64.
    """
    mmsi = getu(six, nbits, 8, 30)
    if mmsi == 0 or mmsi > MAX_MMSI:
        return REJ_INVALID_MMSI
    if mtype <= 3:
        if nbits < MIN_BITS_CLASS_A:
            return REJ_SHORT
        nav = getu(six, nbits, 38, 4)
        sog_raw = getu(six, nbits, 50, 10)
        lon = gets(six, nbits, 61, 28) / 600000.0
        lat = gets(six, nbits, 89, 27) / 600000.0
        cog_raw = getu(six, nbits, 116, 12)
        heading = getu(six, nbits, 128, 9)
        second = getu(six, nbits, 137, 6)
    elif mtype == 27:
        if nbits < MIN_BITS_TYPE27:
            return REJ_SHORT
        nav = getu(six, nbits, 40, 4)
        lon = gets(six, nbits, 44, 18) / 600.0
        lat = gets(six, nbits, 62, 17) / 600.0
        s27 = getu(six, nbits, 79, 6)
        c27 = getu(six, nbits, 85, 9)
        sog = np.float32(np.nan) if s27 == 63 else np.float32(s27)
        cog = np.float32(np.nan) if c27 >= 360 else np.float32(c27)
        code = _latlon_ok(lat, lon)
        if code != 0:
            return code
        _set_position(pos, r, mmsi, mtype, lat, lon, sog, cog, -1, nav, -1, meta)
        return 0
    else:  # 18, 19
        if nbits < MIN_BITS_CLASS_B:
            return REJ_SHORT
        nav = 15  # Class B reports carry no navigational status: "undefined"
        sog_raw = getu(six, nbits, 46, 10)
        lon = gets(six, nbits, 57, 28) / 600000.0
        lat = gets(six, nbits, 85, 27) / 600000.0
        cog_raw = getu(six, nbits, 112, 12)
        heading = getu(six, nbits, 124, 9)
        second = getu(six, nbits, 133, 6)
    code = _latlon_ok(lat, lon)
    if code != 0:
        return code
    sog = np.float32(np.nan) if sog_raw == 1023 else np.float32(sog_raw / 10.0)
    cog = np.float32(np.nan) if cog_raw >= 3600 else np.float32(cog_raw / 10.0)
    if heading > 359:
        heading = -1
    _set_position(pos, r, mmsi, mtype, lat, lon, sog, cog, heading, nav, second, meta)
    return 0


@njit
def _clear_static(sta, r):
    s_call = sta[5]
    s_name = sta[6]
    s_dest = sta[12]
    for k in range(s_call.shape[1]):
        s_call[r, k] = 0
    for k in range(s_name.shape[1]):
        s_name[r, k] = 0
    for k in range(s_dest.shape[1]):
        s_dest[r, k] = 0
    sta[4][r] = 0  # imo
    sta[7][r] = 0  # ship type
    sta[8][r] = 0
    sta[9][r] = 0
    sta[10][r] = 0
    sta[11][r] = 0


@njit
def static_row(six, nbits, mtype, sta, r, meta):
    """Decode a static report (5, 19, 24A, 24B) into row ``r`` of ``sta``; 0 or a reject code.

    Zero values (IMO, ship type, dimensions) are kept as 0 here; the Arrow layer turns them
    into nulls. ``s_part`` is -1 for 5/19, 0 for 24A, 1 for 24B.
    """
    s_mmsi, s_t, s_type, s_part, s_imo = sta[0], sta[1], sta[2], sta[3], sta[4]
    s_call, s_name, s_stype = sta[5], sta[6], sta[7]
    s_bow, s_stern, s_port, s_star, s_dest = sta[8], sta[9], sta[10], sta[11], sta[12]
    s_recv, s_sat, s_tsrc = sta[13], sta[14], sta[15]
    mmsi = getu(six, nbits, 8, 30)
    if mmsi == 0 or mmsi > MAX_MMSI:
        return REJ_INVALID_MMSI
    if mtype == 5:
        if nbits < MIN_BITS_TYPE5:
            return REJ_SHORT
        _clear_static(sta, r)
        s_part[r] = -1
        s_imo[r] = getu(six, nbits, 40, 30)
        get_text(six, nbits, 70, 7, s_call, r)
        get_text(six, nbits, 112, 20, s_name, r)
        s_stype[r] = getu(six, nbits, 232, 8)
        s_bow[r] = getu(six, nbits, 240, 9)
        s_stern[r] = getu(six, nbits, 249, 9)
        s_port[r] = getu(six, nbits, 258, 6)
        s_star[r] = getu(six, nbits, 264, 6)
        get_text(six, nbits, 302, 20, s_dest, r)
    elif mtype == 19:
        if nbits < MIN_BITS_TYPE19_STATIC:
            return REJ_SHORT
        _clear_static(sta, r)
        s_part[r] = -1
        get_text(six, nbits, 143, 20, s_name, r)
        s_stype[r] = getu(six, nbits, 263, 8)
        s_bow[r] = getu(six, nbits, 271, 9)
        s_stern[r] = getu(six, nbits, 280, 9)
        s_port[r] = getu(six, nbits, 289, 6)
        s_star[r] = getu(six, nbits, 295, 6)
    else:  # 24
        part = getu(six, nbits, 38, 2)
        if part == 0:
            if nbits < MIN_BITS_TYPE24A:
                return REJ_SHORT
            _clear_static(sta, r)
            s_part[r] = 0
            get_text(six, nbits, 40, 20, s_name, r)
        elif part == 1:
            if nbits < MIN_BITS_TYPE24B:
                return REJ_SHORT
            _clear_static(sta, r)
            s_part[r] = 1
            s_stype[r] = getu(six, nbits, 40, 8)
            get_text(six, nbits, 90, 7, s_call, r)
            # Auxiliary craft (MMSI 98XXXYYYY) carry the mother ship's MMSI instead of sizes.
            if not (980000000 <= mmsi < 990000000):
                s_bow[r] = getu(six, nbits, 132, 9)
                s_stern[r] = getu(six, nbits, 141, 9)
                s_port[r] = getu(six, nbits, 150, 6)
                s_star[r] = getu(six, nbits, 156, 6)
        else:
            return REJ_SHORT  # part numbers 2 and 3 are not defined
    s_mmsi[r] = mmsi
    s_t[r] = meta[0]
    s_type[r] = mtype
    s_recv[r] = meta[1]
    s_sat[r] = meta[2]
    s_tsrc[r] = meta[4]
    return 0
