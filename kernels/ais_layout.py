"""Column layout of the decoder's packed arrays (shared by the kernels and ``ingest.nmea``).

The decoder writes few wide arrays rather than one array per field: every array a compiled
call receives is passed (and reference counted) on each call, which cost ~1 us per sentence
with one array per field.
"""

from __future__ import annotations

# positions: float64 (n, 4) and int64 (n, 10)
PF_LAT, PF_LON, PF_SOG, PF_COG = 0, 1, 2, 3
PF_N = 4
PI_MMSI, PI_T, PI_HEAD, PI_NAV, PI_TYPE, PI_RECV, PI_SAT, PI_SEC, PI_BAD, PI_TSRC = range(10)
PI_N = 10

# static: int64 (n, 13) and ASCII text uint8 (n, 47): call sign, name, destination
(
    SI_MMSI,
    SI_T,
    SI_TYPE,
    SI_PART,
    SI_IMO,
    SI_STYPE,
    SI_BOW,
    SI_STERN,
    SI_PORT,
    SI_STAR,
    SI_RECV,
    SI_SAT,
    SI_TSRC,
) = range(13)
SI_N = 13
TX_CALL, TX_CALL_N = 0, 7
TX_NAME, TX_NAME_N = 7, 20
TX_DEST, TX_DEST_N = 27, 20
TX_N = 47

# pending multi-sentence messages: int64 (slots, 12)
(
    P_ACTIVE,
    P_KEYF,
    P_KEYG,
    P_TOTAL,
    P_MASK,
    P_AGE,
    P_T,
    P_RECV,
    P_SAT,
    P_BAD,
    P_TSRC,
    P_FILL,
) = range(12)
P_N = 12

# $PGHP state: int64 (16, 16). Rows G_*: waiting $PGHP lines; R_*: ring of recent sentences;
# row G_SCALARS: counters; F_*: re-datings of rows of an earlier chunk for the caller to apply.
G_CC, G_T, G_SAT, G_LINE = 0, 1, 2, 3
R_CK, R_PROW, R_SROW, R_TSRC, R_DIST, R_LINE = 4, 5, 6, 7, 8, 9
G_SCALARS = 10
S_PG_NEXT, S_RING_NEXT, S_POS_BASE, S_STA_BASE, S_NFIX = 0, 1, 2, 3, 4
F_KIND, F_ROW, F_T, F_SAT = 11, 12, 13, 14
PG_ROWS, PG_COLS = 16, 16
