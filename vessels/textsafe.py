"""AIS text is attacker-controlled: helpers that make it safe for each output format.

The AIS 6-bit alphabet includes ``< > " ' & = + - @``; a vessel can name itself
``<IMG SRC=X ONERROR=ALERT(1)>`` or ``=HYPERLINK("X")``. Every output that shows AIS text goes
through one of these.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = [
    "CONTROL_CHARS",
    "clean_ais_text",
    "csv_cell",
    "drop_controls",
    "html_text",
    "strip_controls",
    "xml_text",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: Characters no AIS text may carry into an output: C0 controls (ESC starts terminal escape
#: sequences), DEL, C1 controls, and the bidirectional marks, embeddings, overrides and isolates
#: (U+202E turns "gnp.exe" into "exe.png" on screen; Boucher & Anderson 2021, "Trojan Source").
_BIDI_AND_C1 = "\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069"
CONTROL_CHARS = re.compile(f"[\\x00-\\x1f{_BIDI_AND_C1}]")
_CONTROLS_BUT_SPACE = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f{_BIDI_AND_C1}]")


def strip_controls(value: str | None) -> str | None:
    """AIS text without control and bidi-control characters (tabs and line breaks become
    spaces), trimmed; None for an empty result. Ingest applies it to every text column."""
    if value is None:
        return None
    s = CONTROL_CHARS.sub("", value.replace("\t", " ").replace("\n", " ").replace("\r", " "))
    return s.strip() or None


def clean_ais_text(value: str | None) -> str | None:
    """Strip AIS padding (trailing ``@`` and spaces) and control characters; None for an
    empty result."""
    s = strip_controls(value)
    if s is None:
        return None
    return s.rstrip("@ ").strip() or None


def drop_controls(text: str) -> str:
    """``text`` without control and bidi-control characters, but tab and line breaks (which
    HTML, XML and CSV quoting handle): what every output helper below applies."""
    return _CONTROLS_BUT_SPACE.sub("", text)


def html_text(value: Any) -> str:
    """Escape for HTML element content and attribute values (control and bidi-control
    characters but tab and line breaks dropped)."""
    return html.escape(drop_controls("" if value is None else str(value)), quote=True)


# characters XML 1.0 forbids even escaped (C0 controls but tab/newline/CR, surrogates,
# U+FFFE/U+FFFF): one in a name from a provider CSV would make the whole KML unreadable
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> str:
    """Escape for XML (KML) element content and attribute values; characters XML cannot hold
    at all are replaced by U+FFFD."""
    text = html.escape(drop_controls("" if value is None else str(value)), quote=True)
    return _XML_INVALID.sub("\ufffd", text)


def csv_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: prefix a quote to text starting ``= + - @``.

    Numbers pass through unchanged, so a negative longitude stays a number.
    """
    if isinstance(value, str):
        value = drop_controls(value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value
