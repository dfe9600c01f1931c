"""Column layout of the decoder's packed arrays (shared by the kernels and ``ingest.nmea``).

The decoder writes few wide arrays rather than one array per field: every array a compiled
call receives is passed (and reference counted) on each call, which cost ~1 us per sentence
with one array per field.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

# positions, field-major (one contiguous row per field), one array per width so that each
# row already is the typed column: float64 (2, n) lat/lon, float32 (2, n) speed/course,
# int64 (n,) time, int32 (3, n), int8 (6, n)
PF_LAT, PF_LON = 0, 1
PF_N = 2
PS_SOG, PS_COG = 0, 1
PS_N = 2
PI_MMSI, PI_RECV, PI_HEAD = 0, 1, 2
PI_N = 3
PB_NAV, PB_TYPE, PB_SAT, PB_SEC, PB_BAD, PB_TSRC = range(6)
PB_N = 6

# static: int64 (n, 14) and ASCII text uint8 (n, 47): call sign, name, destination
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
    SI_BAD,
) = range(14)
SI_N = 14
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
# Last $xxZDA clock line: its time and its line number (0: none seen yet in this stream).
S_ZDA_T, S_ZDA_LINE = 5, 6
F_KIND, F_ROW, F_T, F_SAT = 11, 12, 13, 14
PG_ROWS, PG_COLS = 16, 16

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
C_CLOCK = 9  # $xxZDA clock lines read
C_ROWS_FULL = 18  # rows not written because the caller's arrays were full (a caller bug)
C_TSRC = 10  # + time source code: 0 none, 1 $PGHP, 2 tag block, 3 trailing, 4 prefix, 5 fixed,
# 6 $xxZDA clock line
C_REJ = 20  # + reject code (up to 44 codes)
C_TYPE = 64  # + message type (0..63)
# For the line reconciliation (every line in exactly one count, ingest.result.IngestStats):
C_PGHP = 128  # $PGHP lines (the bad ones are also rejects: bad_pghp)
C_JOINED = 129  # fragments of completed multi-sentence messages other than the completing one
C_SHARED = 130  # sentences (or $ lines) after the first on one line
N_COUNTERS = 136

TSRC_NAMES = ("none", "pghp", "tag_block", "trailing_epoch", "line_prefix", "fixed", "zda_clock")
TSRC_NONE, TSRC_PGHP, TSRC_TAG, TSRC_TRAILING, TSRC_PREFIX, TSRC_FIXED, TSRC_ZDA = range(7)

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
REJ_NO_POSITION = 11  # lat 91 or lon 181: "not available"
REJ_BAD_POSITION = 12  # out of range
REJ_MALFORMED_TAG = 13
REJ_BAD_PGHP = 14
REJ_INVALID_MMSI = 15  # 0 or more than nine digits
REJ_BAD_CLOCK = 16

#: Reject reason names by code (index).
REJECT_NAMES = (
    "bad_checksum",
    "malformed_sentence",
    "bad_payload_char",
    "short_payload",
    "multipart_orphan",
    "multipart_incomplete",  # counted per fragment (line) of a message that never completed
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
    "bad_clock_line",
)

#: Bytes of the shortest input that can yield a row: "!AIVDM,1,1,,," (13), a type 27 payload of
#: 16 characters (94 bits, the shortest position report) and ",0*hh" (5). Several fragments of
#: one message are longer still, so buffer bytes // MIN_ROW_BYTES + 1 bounds the rows of either
#: table without a counting pass over the buffer.
MIN_ROW_BYTES = 34
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
# A $xxZDA line (IEC 61162-1 "time and date", written once a second by the AMSA feed's GPS
# clock) dates the sentences that follow it until the next one. A clock that stops must not
# date traffic forever: past ZDA_MAX_LINES lines (~17 s at that feed's ~115 lines/s) without a
# new ZDA, sentences count as having no time again.
ZDA_MAX_LINES = 2000
RECV_SLOTS = 4096
RECV_LEN = 48
RECV_HASH = 8192
RECV_LAST = RECV_SLOTS + RECV_HASH + 1  # in the receiver ints: the last name found
RECV_INTS = RECV_SLOTS + RECV_HASH + 2

#: Scratch integers of the decoder (field positions of the line being parsed).
WORK_INTS = 32


class DecoderState(NamedTuple):
    """Everything ``decode_chunk`` reads and writes besides the input bytes, in one structure
    (a Numba tuple: free to pass to an inlined helper, and named in every one that uses it).

    The caller owns the arrays: rows go to the position and static arrays from
    ``counters[C_NPOS]`` / ``counters[C_NSTA]`` on; the pending table, ``$PGHP`` state and
    receiver names carry over from one chunk to the next.
    """

    counters: npt.NDArray[np.int64]  # (N_COUNTERS,), the C_* layout
    pos_f: npt.NDArray[np.float64]  # (PF_N, rows): lat, lon
    pos_s: npt.NDArray[np.float32]  # (PS_N, rows): speed, course
    pos_t: npt.NDArray[np.int64]  # (rows,): receive time, ms
    pos_i: npt.NDArray[np.int32]  # (PI_N, rows): MMSI, receiver, heading
    pos_b: npt.NDArray[np.int8]  # (PB_N, rows): status, type, satellite, second, bad, time source
    sta_i: npt.NDArray[np.int64]  # (rows, SI_N)
    sta_txt: npt.NDArray[np.uint8]  # (rows, TX_N): call sign, name, destination
    pend_i: npt.NDArray[np.int64]  # (N_SLOTS, P_N): pending multi-sentence messages
    pend_len: npt.NDArray[np.int64]  # (N_SLOTS, MAX_PARTS): payload characters per part
    pend_data: npt.NDArray[np.uint8]  # (N_SLOTS, MAX_PARTS, MAX_PART_CHARS): six-bit values
    pghp: npt.NDArray[np.int64]  # (PG_ROWS, PG_COLS): $PGHP and clock-line state
    rc_bytes: npt.NDArray[np.uint8]  # (RECV_SLOTS, RECV_LEN): receiver names
    rc_int: npt.NDArray[np.int64]  # (RECV_INTS,): name lengths, hash table, count, last found
    six: npt.NDArray[np.uint8]  # (MAX_PARTS * MAX_PART_CHARS,): the message being decoded
    work: npt.NDArray[np.int64]  # (WORK_INTS,): field positions of the line being parsed
    fixed_t: int  # the time of sentences that carry none (ms), or NO_TIME
    keep_bad: bool  # keep (and count) sentences with a wrong checksum
