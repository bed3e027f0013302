"""Member text made safe to put in a spreadsheet cell or an Office XML document."""

from __future__ import annotations

import re

# Characters XML 1.0 cannot hold (C0 controls other than tab, LF and CR; lone surrogates;
# U+FFFE and U+FFFF): openpyxl and python-docx refuse them, so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A spreadsheet treats a cell that starts with one of these as a formula (or, for tab and
# CR, strips them and looks again), so a member's `=HYPERLINK(...)` would run.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def neutralise_formula(text: str) -> str:
    """A leading apostrophe makes a spreadsheet show the cell as text, not evaluate it."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text
