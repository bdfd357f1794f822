"""Wording shared by every renderer: counts with plurals, paths as the user would type them, values as text."""
from __future__ import annotations

import datetime as dt
import math
import re
import sys
from pathlib import Path
from typing import Any


def plural(n: int, word: str) -> str:
    """'1 error', '2 errors', '1,234 rows'."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it (as annotations need), else as given."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def cell_text(value: Any) -> str | None:
    """A typed cell as the CSV would show it: None when missing, dates as YYYY-MM-DD, whole floats without '.0'."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
        return str(value)
    if isinstance(value, dt.datetime):  # a pandas Timestamp is a datetime
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    pd = sys.modules.get("pandas")  # a pandas NA or NaT can only exist once pandas is imported (validation never imports it)
    if pd is not None:
        try:
            if pd.isna(value):
                return None
        except (TypeError, ValueError):  # lists and arrays have no single truth value
            pass
    return str(value)


def safe_text(value: str, limit: int = 200) -> str:
    """value cut to limit characters, lone surrogates escaped, so it can be printed and encoded as UTF-8."""
    cut = value if len(value) <= limit else value[:limit] + "…"
    return cut.encode("utf-8", "backslashreplace").decode("utf-8")


# What a terminal would act on or hide: C0 and C1 controls (ESC starts an escape sequence, CSI is
# U+009B), DEL, zero-width and bidi controls, line and paragraph separators, the BOM, lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


def printable(text: str) -> str:
    """text with every character a terminal would act on or hide written as an escape (\\x1b), as repr() writes values."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)
