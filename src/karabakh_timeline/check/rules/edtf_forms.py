"""The common EDTF forms, bounded without building the edtf library's grammar.

Building pyparsing's EDTF grammar costs about half a second, more than validating the bundled
dataset takes otherwise, and nearly every date_edtf value has one of a few forms: a year, a month
or a day, optionally qualified (``?`` uncertain, ``~`` approximate, ``%`` both), alone or as an
interval whose end is such a date or open (``..``). Those are bounded here from their digits; any
other string (unspecified digits, seasons, level-2 qualifiers, an unknown end, a date that is not
on the calendar) goes to the library. The edtf library stays the reference: a property test
(tests/test_edtf_forms.py) checks that both give the same bounds on generated strings.
"""
from __future__ import annotations

import calendar
import re

_DATE = r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?[?~%]?"
_FORM = re.compile(rf"{_DATE}(?:/(?:{_DATE}|(\.\.)))?")
NOT_COMMON = "not-common"  # the string is not one of the forms handled here: ask the library


def _bounds(year: str, month: str | None, day: str | None) -> tuple[str, str] | None:
    """(first, last) day a date of year, month or day precision covers; None when it is not on the calendar."""
    y = int(year)
    if month is None:
        return f"{year}-01-01", f"{year}-12-31"
    m = int(month)
    if not 1 <= m <= 12:
        return None
    last = (31, 29 if calendar.isleap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[m - 1]
    if day is None:
        return f"{year}-{month}-01", f"{year}-{month}-{last:02d}"
    if not 1 <= int(day) <= last:
        return None
    return f"{year}-{month}-{day}", f"{year}-{month}-{day}"


def common_bounds(text: str) -> tuple[str, str | None] | str:
    """(lower, upper) strict bounds as ISO dates (upper None when open), or NOT_COMMON for the library to decide."""
    found = _FORM.fullmatch(text)
    if found is None:
        return NOT_COMMON
    y1, m1, d1, y2, m2, d2, open_end = found.groups()
    start = _bounds(y1, m1, d1)
    if start is None:
        return NOT_COMMON
    if open_end:
        return start[0], None
    if y2 is None:
        return start
    end = _bounds(y2, m2, d2)
    return NOT_COMMON if end is None else (start[0], end[1])
