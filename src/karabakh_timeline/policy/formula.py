"""Spreadsheet formulas: the characters that make a spreadsheet run a cell as a formula (OWASP CSV injection).

The unsafe-text rule refuses free text that starts with one; the flat CSV export, which carries
derived text too, guards every cell that does.
"""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(text: str) -> bool:
    """True when a spreadsheet would run text as a formula."""
    return text.startswith(FORMULA_STARTS)


def guard_formula(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a single quote (OWASP)."""
    return "'" + value if starts_formula(value) else value
