"""Bit-level helpers for AIS payloads (ITU-R M.1371-5 and IEC 61162-1 NMEA armouring).

Payloads are held as arrays of 6-bit values (one per armoured character, most significant bit
first). Times are milliseconds since 1970-01-01 UTC.
"""

from __future__ import annotations

import numpy as np

# njit_inline (kernels._jit) is for the decoder's per-sentence helpers, which have one or two
# call sites: inlined, their constant arguments (bit offsets, widths) fold away. The decoder's
# loops are compiled with njit_borrowed (no reference counting), so no helper pays atomic
# reference-count updates per sentence, inlined or not.
from kernels._jit import njit, njit_inline
from kernels.ais.ascii import DOT, LOWER_A, LOWER_F, UPPER_A, UPPER_F, ZERO, is_digit

AT_SIGN = ord("@")  # ends AIS text

#: Marks "no time" in int64 time columns (a value no real receive time can take).
NO_TIME = np.iinfo(np.int64).min

# Receive times outside [1995-01-01, 2100-01-01) cannot come from AIS (first ITU
# recommendation 1998): such values are counted as bad times rather than trusted.
MIN_PLAUSIBLE_MS = 788_918_400_000
MAX_PLAUSIBLE_MS = 4_102_444_800_000


def _sixbit_table() -> np.ndarray:
    """Payload armouring (IEC 61162-1): '0'..'W' carry 0..39, '`'..'w' carry 40..63."""
    t = np.full(256, -1, np.int64)
    t[ord("0") : ord("W") + 1] = np.arange(40)
    t[ord("`") : ord("w") + 1] = np.arange(40, 64)
    return t


# A global array is frozen into the compiled code as a constant: one load per character
# instead of two range tests.
_SIXBIT = _sixbit_table()


@njit_inline
def sixbit(c):
    """6-bit value of one armoured payload character (a byte), or -1 when it is not in the
    alphabet (IEC 61162-1 six-bit armouring: '0'..'W' and '`'..'w')."""
    return _SIXBIT[c]


@njit_inline
def field_u(six, start, width):
    """Unsigned field of ``width`` (<= 57) bits at bit ``start``, all inside the payload (the
    caller checked its length: one inlined body per field, where ``getu`` has three).

    Whole 6-bit characters are shifted into an accumulator, then the field is cut out: a
    handful of shifts per field instead of a loop per bit.
    """
    end = start + width
    c0 = start // 6
    c1 = (end - 1) // 6
    acc = 0
    for ci in range(c0, c1 + 1):
        acc = (acc << 6) | six[ci]
    acc >>= (c1 + 1) * 6 - end
    return acc & ((1 << width) - 1)


@njit_inline
def field_s(six, start, width):
    """Two's-complement signed ``field_u``."""
    v = field_u(six, start, width)
    if v >= (1 << (width - 1)):
        v -= 1 << width
    return v


@njit_inline
def getu(six, nbits_avail, start, nbits):
    """Unsigned field of ``nbits`` (<= 57) at bit ``start``; bits past ``nbits_avail`` read as 0."""
    if start + nbits <= nbits_avail:
        return field_u(six, start, nbits)
    if start >= nbits_avail:
        return 0
    # The field runs past the payload: read what is there, then pad with zeros.
    return field_u(six, start, nbits_avail - start) << (start + nbits - nbits_avail)


@njit_inline
def gets(six, nbits_avail, start, nbits):
    """Two's-complement signed field."""
    v = getu(six, nbits_avail, start, nbits)
    if v >= (1 << (nbits - 1)):
        v -= 1 << nbits
    return v


@njit_inline
def get_text(six, nbits_avail, start, nchars, out, row, col0):
    """AIS 6-bit text into ``out[row, col0:col0 + nchars]`` as ASCII, stopping at the first
    ``@`` like pyais.

    A last character cut short by the payload end is left-aligned (as pyais does); characters
    wholly past the end are not written. Unused bytes are set to 0.
    """
    for k in range(nchars):
        out[row, col0 + k] = 0
    pos = start
    for k in range(nchars):
        if pos >= nbits_avail:
            break
        take = 6
        if nbits_avail - pos < 6:
            take = nbits_avail - pos
        # AIS six-bit ASCII: 0..31 are '@'..'_' (64..95), 32..63 are ' '..'?' as they are.
        v = getu(six, nbits_avail, pos, take) << (6 - take)
        if v < 32:
            v += 64
        if v == AT_SIGN:
            break
        out[row, col0 + k] = v
        pos += take


@njit
def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = m + 9 if m <= 2 else m - 3
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@njit
def civil_ms(y, mo, d, h, mi, s, ms):
    """Milliseconds since the epoch of a UTC calendar time; NO_TIME when a field is out of range."""
    if mo < 1 or mo > 12 or d < 1 or d > 31 or h < 0 or h > 23 or mi < 0 or mi > 59:
        return NO_TIME
    if s < 0 or s > 60 or ms < 0 or ms > 999:
        return NO_TIME
    days = days_from_civil(y, mo, d)
    return ((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms


@njit_inline
def epoch_digits_ms(buf, a, b):
    """An epoch written as digits in ``buf[a:b]``: 10 or fewer digits are seconds, 13 are ms.

    An optional fraction after a dot is read as sub-seconds. Returns NO_TIME when the text is not
    such a number or the time is implausible (before 1995 or after 2099).
    """
    v = 0
    nd = 0
    i = a
    while i < b and is_digit(buf[i]):
        v = v * 10 + (buf[i] - ZERO)
        nd += 1
        i += 1
        if nd > 13:
            return NO_TIME
    frac_ms = 0
    if i < b and buf[i] == DOT:
        i += 1
        scale = 100
        while i < b and is_digit(buf[i]):
            frac_ms += (buf[i] - ZERO) * scale
            scale //= 10
            i += 1
    if i != b or nd == 0:
        return NO_TIME
    if nd <= 10:
        t = v * 1000 + frac_ms
    elif nd == 13:
        t = v
    else:
        return NO_TIME
    if t < MIN_PLAUSIBLE_MS or t >= MAX_PLAUSIBLE_MS:
        return NO_TIME
    return t


@njit_inline
def read_uint(buf, a, b):
    """Non-negative decimal integer in ``buf[a:b]``; -1 when empty or not all digits."""
    if a >= b or b - a > 18:
        return -1
    v = 0
    for i in range(a, b):
        c = buf[i]
        if not is_digit(c):
            return -1
        v = v * 10 + (c - ZERO)
    return v


@njit_inline
def hexval(c):
    """Value of a hexadecimal digit (either case), or -1."""
    if is_digit(c):
        return c - ZERO
    if UPPER_A <= c <= UPPER_F:
        return c - UPPER_A + 10
    if LOWER_A <= c <= LOWER_F:
        return c - LOWER_A + 10
    return -1
