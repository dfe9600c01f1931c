"""AIS text is attacker-controlled: helpers that make it safe for each output format.

The AIS 6-bit alphabet includes ``< > " ' & = + - @``; a vessel can name itself
``<IMG SRC=X ONERROR=ALERT(1)>`` or ``=HYPERLINK("X")``. Every output that shows AIS text goes
through one of these.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["clean_ais_text", "csv_cell", "html_text", "xml_text"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_ais_text(value: str | None) -> str | None:
    """Strip AIS padding (trailing ``@`` and spaces); None for an empty result."""
    if value is None:
        return None
    s = value.rstrip("@ ").strip()
    return s or None


def html_text(value: Any) -> str:
    """Escape for HTML element content and attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


# characters XML 1.0 forbids even escaped (C0 controls but tab/newline/CR, surrogates,
# U+FFFE/U+FFFF): one in a name from a provider CSV would make the whole KML unreadable
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> str:
    """Escape for XML (KML) element content and attribute values; characters XML cannot hold
    at all are replaced by U+FFFD."""
    text = html.escape("" if value is None else str(value), quote=True)
    return _XML_INVALID.sub("\ufffd", text)


def csv_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: prefix a quote to text starting ``= + - @``.

    Numbers pass through unchanged, so a negative longitude stays a number.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
