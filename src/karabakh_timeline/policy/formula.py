"""Spreadsheet formulas: the characters that make a spreadsheet run a cell as a formula (OWASP CSV injection).

The unsafe-text rule refuses free text that starts with one; the flat CSV export, which carries
derived text too, guards every cell that does.
"""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WIDE_FORMULA_STARTS = ("\uff1d", "\uff0b", "\uff0d", "\uff20")  # fullwidth = + - @: some spreadsheets fold them to ASCII
INVISIBLE_PREFIX = "\ufeff\u200b"  # a BOM or zero-width space in front of a formula hides it from a plain startswith
DDE = "cmd|"  # the dynamic data exchange form (cmd|' /C calc'!A0), case-insensitive


def starts_formula(text: str) -> bool:
    """True when a spreadsheet would run text as a formula."""
    bare = text.lstrip(INVISIBLE_PREFIX)
    return bare.startswith(FORMULA_STARTS) or bare.startswith(WIDE_FORMULA_STARTS) or DDE in text.lower()


def guard_formula(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a single quote (OWASP)."""
    return "'" + value if starts_formula(value) else value
