"""Named ASCII bytes for the decoder's scans (the kernels compare ``uint8`` buffer bytes)."""

from __future__ import annotations

from kernels._jit import njit_inline

NUL = 0
TAB = ord("\t")
LF = ord("\n")
CR = ord("\r")
SPACE = ord(" ")
BANG = ord("!")  # starts an encapsulated sentence: !AIVDM
HASH = ord("#")  # a comment line
DOLLAR = ord("$")  # starts a parametric sentence: $PGHP, $GPZDA
PLUS = ord("+")
STAR = ord("*")  # before a checksum
COMMA = ord(",")
MINUS = ord("-")
DOT = ord(".")
COLON = ord(":")
SEMICOLON = ord(";")
BACKSLASH = ord("\\")  # around a tag block
ZERO = ord("0")
ONE = ord("1")
NINE = ord("9")
UPPER_A = ord("A")
UPPER_F = ord("F")
UPPER_Z = ord("Z")
LOWER_A = ord("a")
LOWER_F = ord("f")
LOWER_Z = ord("z")


@njit_inline
def is_digit(c):
    return ZERO <= c <= NINE


@njit_inline
def is_upper_or_digit(c):
    return ZERO <= c <= NINE or UPPER_A <= c <= UPPER_Z


@njit_inline
def is_alnum(c):
    return ZERO <= c <= NINE or UPPER_A <= c <= UPPER_Z or LOWER_A <= c <= LOWER_Z


@njit_inline
def matches(buf, p, text):
    """Whether ``buf[p:]`` starts with the ASCII ``text`` (a constant tuple of bytes; the caller
    keeps ``p + len(text)`` inside the buffer)."""
    for k in range(len(text)):  # noqa: SIM110 - plain loops, as everywhere in the kernels
        if buf[p + k] != text[k]:
            return False
    return True
