"""Rules on dates: order, precision, EDTF agreement, nothing in the future."""
from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.check.rules.edtf_forms import NOT_COMMON, common_bounds
from karabakh_timeline.check.rules.registry import TABLE, Context, issues_at, rule
from karabakh_timeline.support.arrow import arrow
from karabakh_timeline.vocabulary.issues import Issue

DATED = ("events", "statements")  # tables with date_start, date_end, date_precision, date_edtf


@rule("date-order", scope=TABLE)
def date_order(ctx: Context) -> Iterator[Issue]:
    """date_end before date_start, in every table with both."""
    for t in ctx.tables.values():
        if ctx.has(t.name, "date_start", "date_end"):
            f = t.frame
            yield from issues_at(t, (f["date_end"] < f["date_start"]).fillna(False), "date-order", "date_end",
                               lambda v: f"date_end {v} is before date_start")


@rule("date-precision", scope=TABLE, uses=dict.fromkeys(DATED, ("date_start", "date_end", "date_precision")))
def date_precision(ctx: Context) -> Iterator[Issue]:
    """Month precision spans whole months, year precision whole years."""
    for name in DATED:
        if not ctx.has(name, "date_start", "date_end", "date_precision"):
            continue
        t = ctx.tables[name]
        f = t.frame
        start, end, precision = f["date_start"], f["date_end"], f["date_precision"]
        month = precision == "month"
        bad_month = month & ((start.dt.day != 1) | end.isna() | ~end.dt.is_month_end.fillna(False).astype(bool))
        year = precision == "year"
        bad_year = year & ((start.dt.day_of_year != 1) | end.isna() | ~end.dt.is_year_end.fillna(False).astype(bool))
        yield from issues_at(t, bad_month.fillna(False), "date-precision", "date_precision",
                           lambda v: "month precision needs date_start on the 1st and date_end on the last day of a month")
        yield from issues_at(t, bad_year.fillna(False), "date-precision", "date_precision",
                           lambda v: "year precision needs date_start on 1 January and date_end on 31 December")


def _iso(series: pd.Series) -> pd.Series:
    """Dates as YYYY-MM-DD strings (Arrow's date-to-string cast: several times faster than strftime)."""
    text = pc.cast(pc.cast(arrow(series), pa.date32()), pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(text), index=series.index)


@lru_cache(maxsize=65536)
def edtf_bounds(text: str) -> tuple[str, str | None] | None:
    """(lower, upper) strict bounds of an EDTF string as ISO dates; upper None when open; None if invalid.

    The common forms are bounded without the library (edtf_forms, proven to agree with it).
    """
    common = common_bounds(text)
    return library_bounds(text) if common == NOT_COMMON else common  # type: ignore[return-value]


def library_bounds(text: str) -> tuple[str, str | None] | None:
    """edtf_bounds() as the edtf library computes them: the reference for every form."""
    from edtf import parse_edtf  # imported on first use: pyparsing's grammar takes a while to build
    from edtf.parser.edtf_exceptions import EDTFParseException

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the library prints debug text on some invalid input
            parsed = parse_edtf(text)
    except (EDTFParseException, ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        return None  # the library raises more than its own exception on some invalid strings (2020-1X: AttributeError)
    try:
        lower, upper = parsed.lower_strict(), parsed.upper_strict()
    except (ValueError, TypeError, AttributeError, OverflowError):
        return None

    def iso(t: Any) -> str | None:
        if t is None or isinstance(t, float):  # the edtf library returns inf for open bounds (a struct_time otherwise)
            return None
        return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"

    low = iso(lower)
    return (low, iso(upper)) if low else None


@rule("edtf-mismatch", scope=TABLE, uses=dict.fromkeys(DATED, ("date_start", "date_end", "date_precision", "date_edtf")))
def edtf_mismatch(ctx: Context) -> Iterator[Issue]:
    """date_edtf must parse (edtf library) and its bounds must equal date_start and date_end.

    An EDTF string equal to the canonical rendering of the row's own dates (2020-11-10,
    2023-05-01/2023-05-04, 2020-11, 2021) agrees by construction and is not parsed again: the
    library parses a few hundred strings a second, so it only sees the other forms
    (qualifiers, open ends, unspecified digits).
    """
    for name in DATED:
        if not ctx.has(name, "date_start", "date_end", "date_precision", "date_edtf"):
            continue
        t = ctx.tables[name]
        f = t.frame
        # The canonical EDTF of each row's own dates, computed in Arrow (no Python per row).
        start_s = pc.cast(pc.cast(arrow(f["date_start"]), pa.date32()), pa.large_string())
        end_s = pc.cast(pc.cast(arrow(f["date_end"]), pa.date32()), pa.large_string())
        single = pc.fill_null(pc.or_kleene(pc.is_null(end_s), pc.equal(end_s, start_s)), True)
        canonical = pc.if_else(single, start_s, pc.binary_join_element_wise(start_s, end_s, pa.scalar("/", pa.large_string())))
        precision = arrow(f["date_precision"])
        canonical = pc.if_else(pc.fill_null(pc.equal(precision, "month"), False), pc.utf8_slice_codeunits(start_s, 0, 7), canonical)
        canonical = pc.if_else(pc.fill_null(pc.equal(precision, "year"), False), pc.utf8_slice_codeunits(start_s, 0, 4), canonical)
        edtf_a = arrow(f["date_edtf"])
        agree = pc.fill_null(pc.equal(edtf_a, canonical), False)
        todo = np.asarray(pc.and_(pc.and_(pc.is_valid(edtf_a), pc.is_valid(start_s)), pc.invert(agree)).to_numpy(zero_copy_only=False), dtype=bool)
        edtf = f["date_edtf"]
        start, end = _iso(f["date_start"].iloc[np.flatnonzero(todo)]), _iso(f["date_end"].iloc[np.flatnonzero(todo)])
        for i in np.flatnonzero(todo):
            text = str(edtf.iat[i])
            line = int(t.lines[i])
            bounds = edtf_bounds(text)
            if bounds is None:
                yield Issue("edtf-invalid", f"{text!r} is not a valid EDTF date", name, line, "date_edtf", text)
                continue
            low, high = bounds
            s, e = start.loc[f.index[i]], end.loc[f.index[i]]
            if low != s:
                yield Issue("edtf-mismatch", f"EDTF starts {low} but date_start is {s}", name, line, "date_edtf", text)
            elif high is None and not pd.isna(e):
                yield Issue("edtf-mismatch", f"EDTF has an open end but date_end is {e}", name, line, "date_edtf", text)
            elif high is not None and high != (s if pd.isna(e) else e):
                yield Issue("edtf-mismatch", f"EDTF ends {high} but date_end is {'empty' if pd.isna(e) else e}", name, line, "date_edtf", text)


@rule("future-date", scope=TABLE)
def future_date(ctx: Context) -> Iterator[Issue]:
    """No date field may lie after ctx.today."""
    limit = pd.Timestamp(ctx.today)
    for t in ctx.tables.values():
        if not t.readable:
            continue
        for f in t.schema.fields:
            if f.type == "date":
                yield from issues_at(t, (t.frame[f.name] > limit).fillna(False), "future-date", f.name,
                                   lambda v: f"{v} is after ctx.today ({ctx.today.isoformat()})")
