"""Rules on dates: order, precision, EDTF agreement, nothing in the future (on the typed Arrow columns)."""
from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.check.rules.compare import as_dates, compare
from karabakh_timeline.check.rules.edtf_forms import NOT_COMMON, common_bounds
from karabakh_timeline.check.rules.registry import TABLE, Context, issues_at, rule
from karabakh_timeline.support.arrow import Column, arrow, mask
from karabakh_timeline.vocabulary.issues import Issue

DATED = ("events", "statements")  # tables with date_start, date_end, date_precision, date_edtf


@rule("date-order", scope=TABLE)
def date_order(ctx: Context) -> Iterator[Issue]:
    """date_end before date_start, in every table with both."""
    for t in ctx.tables.values():
        if ctx.has(t.name, "date_start", "date_end"):
            yield from issues_at(t, compare(pc.less, t.column("date_end"), t.column("date_start")), "date-order", "date_end",
                                 lambda v: f"date_end {v} is before date_start")


def _next_day(dates: Column) -> pa.ChunkedArray:
    """Each date plus one day (date32 counts days since 1970)."""
    days = pc.cast(arrow(dates), pa.int32())
    return pc.cast(pc.add(days, pa.scalar(1, pa.int32())), pa.date32())


def precision_masks(start: Column, end: Column, precision: Column) -> tuple[np.ndarray, np.ndarray]:
    """(bad month, bad year): rows of month precision whose dates do not span whole months, of year precision whole years.

    A missing date_start or date_end fails the span; a missing precision is neither. A date is the
    last of its month (year) when the day after it is a 1st (1 January).
    """
    after = _next_day(end)
    bad = []
    for level, first, last in (("month", pc.day(start), pc.day(after)), ("year", pc.day_of_year(start), pc.day_of_year(after))):
        wrong = pc.or_(pc.fill_null(pc.not_equal(first, 1), True), pc.fill_null(pc.not_equal(last, 1), True))
        bad.append(mask(pc.and_(pc.equal(precision, level), wrong)))
    return bad[0], bad[1]


@rule("date-precision", scope=TABLE, uses=dict.fromkeys(DATED, ("date_start", "date_end", "date_precision")))
def date_precision(ctx: Context) -> Iterator[Issue]:
    """Month precision spans whole months, year precision whole years."""
    for name in DATED:
        if not ctx.has(name, "date_start", "date_end", "date_precision"):
            continue
        t = ctx.tables[name]
        bad_month, bad_year = precision_masks(as_dates(t.column("date_start")), as_dates(t.column("date_end")), t.column("date_precision"))
        yield from issues_at(t, bad_month, "date-precision", "date_precision",
                             lambda v: "month precision needs date_start on the 1st and date_end on the last day of a month")
        yield from issues_at(t, bad_year, "date-precision", "date_precision",
                             lambda v: "year precision needs date_start on 1 January and date_end on 31 December")


def _iso(dates: Column) -> pa.ChunkedArray:
    """Column as YYYY-MM-DD strings (Arrow's date-to-string cast: several times faster than strftime)."""
    return pc.cast(as_dates(dates), pa.large_string())


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


def canonical_edtf(start: pa.ChunkedArray, end: pa.ChunkedArray, precision: Column) -> pa.ChunkedArray:
    """The EDTF string each row's own dates and precision give (2020-11-10, 2023-05-01/2023-05-04, 2020-11, 2021), in Arrow."""
    single = pc.fill_null(pc.or_kleene(pc.is_null(end), pc.equal(end, start)), True)
    canonical = pc.if_else(single, start, pc.binary_join_element_wise(start, end, pa.scalar("/", pa.large_string())))
    canonical = pc.if_else(pc.fill_null(pc.equal(precision, "month"), False), pc.utf8_slice_codeunits(start, 0, 7), canonical)
    return pc.if_else(pc.fill_null(pc.equal(precision, "year"), False), pc.utf8_slice_codeunits(start, 0, 4), canonical)


def edtf_issue(name: str, line: int, text: str, start: str, end: str | None) -> Issue | None:
    """The issue of one date_edtf cell against the row's date_start and date_end (ISO text), or None when they agree."""
    bounds = edtf_bounds(text)
    if bounds is None:
        return Issue("edtf-invalid", f"{text!r} is not a valid EDTF date", name, line, "date_edtf", text)
    low, high = bounds
    if low != start:
        return Issue("edtf-mismatch", f"EDTF starts {low} but date_start is {start}", name, line, "date_edtf", text)
    if high is None and end is not None:
        return Issue("edtf-mismatch", f"EDTF has an open end but date_end is {end}", name, line, "date_edtf", text)
    if high is not None and high != (start if end is None else end):
        return Issue("edtf-mismatch", f"EDTF ends {high} but date_end is {'empty' if end is None else end}", name, line, "date_edtf", text)
    return None


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
        start, end, edtf = _iso(t.column("date_start")), _iso(t.column("date_end")), t.column("date_edtf")
        agree = pc.fill_null(pc.equal(edtf, canonical_edtf(start, end, t.column("date_precision"))), False)
        rows = np.flatnonzero(mask(pc.and_(pc.and_(pc.is_valid(edtf), pc.is_valid(start)), pc.invert(agree))))
        if not len(rows):
            continue
        picked = pa.array(rows)
        cells = zip(t.lines[rows], *(pc.take(c, picked).to_pylist() for c in (edtf, start, end)), strict=True)
        for line, text, s, e in cells:
            found = edtf_issue(name, int(line), str(text), s, e)
            if found is not None:
                yield found


@rule("future-date", scope=TABLE)
def future_date(ctx: Context) -> Iterator[Issue]:
    """No date field may lie after ctx.today."""
    limit = pa.scalar(ctx.today, pa.date32())
    for t in ctx.tables.values():
        if not t.readable:
            continue
        for f in t.schema.fields:
            if f.type == "date":
                yield from issues_at(t, pc.greater(t.column(f.name), limit), "future-date", f.name,
                                     lambda v: f"{v} is after ctx.today ({ctx.today.isoformat()})")
