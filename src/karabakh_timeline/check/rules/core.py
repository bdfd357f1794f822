"""Timeline rules that Table Schema cannot express: small named functions, one issue code each.

Each rule receives the typed tables of a package and returns issues. A rule whose tables or fields
are absent (a fixture, a user's partial package) has nothing to check and returns no issues.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from karabakh_timeline.read.typed import TypedTable
from karabakh_timeline.support.arrow import arrow, isin, value_set
from karabakh_timeline.vocabulary.issues import Issue

Tables = dict[str, TypedTable]
Rule = Callable[[Tables, dt.date], Iterable[Issue]]
RULES: dict[str, Rule] = {}
DATED = ("events", "statements")  # tables with date_start, date_end, date_precision, date_edtf


def rule(code: str) -> Callable[[Rule], Rule]:
    """Register a rule under its issue code."""

    def register(func: Rule) -> Rule:
        RULES[code] = func
        return func

    return register


def _has(tables: Tables, table: str, *fields: str) -> bool:
    t = tables.get(table)
    return t is not None and t.readable and all(f in t.frame.columns for f in fields)


def _issues(t: TypedTable, mask: pd.Series | np.ndarray, code: str, field: str, message: Callable[[object], str], values: pd.Series | None = None) -> Iterator[Issue]:
    mask = np.asarray(mask, dtype=bool)
    shown = t.frame[field] if values is None else values
    for line, value in zip(t.lines[mask], shown[mask]):
        text = None if pd.isna(value) else (value.date().isoformat() if isinstance(value, pd.Timestamp) else str(value))
        yield Issue(code, message(text), t.name, int(line), field, text)


def _text_fields(t: TypedTable) -> list[str]:
    return [f.name for f in t.schema.fields if f.type == "string" and f.enum is None and "pattern" not in f.constraints]


@rule("date-order")
def date_order(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """date_end before date_start, in every table with both."""
    for t in tables.values():
        if _has(tables, t.name, "date_start", "date_end"):
            f = t.frame
            yield from _issues(t, (f["date_end"] < f["date_start"]).fillna(False), "date-order", "date_end",
                               lambda v: f"date_end {v} is before date_start")


@rule("date-precision")
def date_precision(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """Month precision spans whole months, year precision whole years."""
    for name in DATED:
        if not _has(tables, name, "date_start", "date_end", "date_precision"):
            continue
        t = tables[name]
        f = t.frame
        start, end, precision = f["date_start"], f["date_end"], f["date_precision"]
        month = precision == "month"
        bad_month = month & ((start.dt.day != 1) | end.isna() | ~end.dt.is_month_end.fillna(False).astype(bool))
        year = precision == "year"
        bad_year = year & ((start.dt.day_of_year != 1) | end.isna() | ~end.dt.is_year_end.fillna(False).astype(bool))
        yield from _issues(t, bad_month.fillna(False), "date-precision", "date_precision",
                           lambda v: "month precision needs date_start on the 1st and date_end on the last day of a month")
        yield from _issues(t, bad_year.fillna(False), "date-precision", "date_precision",
                           lambda v: "year precision needs date_start on 1 January and date_end on 31 December")


def _iso(series: pd.Series) -> pd.Series:
    """Dates as YYYY-MM-DD strings (Arrow's date-to-string cast: several times faster than strftime)."""
    text = pc.cast(pc.cast(arrow(series), pa.date32()), pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(text), index=series.index)


@lru_cache(maxsize=65536)
def edtf_bounds(text: str) -> tuple[str, str | None] | None:
    """(lower, upper) strict bounds of an EDTF string as ISO dates; upper None when open; None if invalid."""
    from edtf import parse_edtf  # imported on first use: pyparsing's grammar takes a while to build
    from edtf.parser.edtf_exceptions import EDTFParseException

    try:
        parsed = parse_edtf(text)
    except (EDTFParseException, ValueError, TypeError):
        return None
    try:
        lower, upper = parsed.lower_strict(), parsed.upper_strict()
    except (ValueError, TypeError, AttributeError, OverflowError):
        return None

    def iso(t: object) -> str | None:
        if t is None or isinstance(t, float):  # the edtf library returns inf for open bounds
            return None
        return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"

    low = iso(lower)
    return (low, iso(upper)) if low else None


@rule("edtf-mismatch")
def edtf_mismatch(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """date_edtf must parse (edtf library) and its bounds must equal date_start and date_end.

    An EDTF string equal to the canonical rendering of the row's own dates (2020-11-10,
    2023-05-01/2023-05-04, 2020-11, 2021) agrees by construction and is not parsed again: the
    library parses a few hundred strings a second, so it only sees the other forms
    (qualifiers, open ends, unspecified digits).
    """
    for name in DATED:
        if not _has(tables, name, "date_start", "date_end", "date_precision", "date_edtf"):
            continue
        t = tables[name]
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


@rule("future-date")
def future_date(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """No date field may lie after today."""
    limit = pd.Timestamp(today)
    for t in tables.values():
        if not t.readable:
            continue
        for f in t.schema.fields:
            if f.type == "date":
                yield from _issues(t, (t.frame[f.name] > limit).fillna(False), "future-date", f.name,
                                   lambda v: f"{v} is after today ({today.isoformat()})")


def _unreferenced(tables: Tables, table: str, key: str, link: str, code: str, message: str) -> Iterator[Issue]:
    if not (_has(tables, table, key) and _has(tables, link, key)):
        return
    t = tables[table]
    missing = t.frame[key].notna().to_numpy() & ~isin(t.frame[key], tables[link].frame[key])
    yield from _issues(t, missing, code, key, lambda v: message.format(v))


@rule("event-unsourced")
def event_unsourced(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """Every event has at least one source."""
    yield from _unreferenced(tables, "events", "event_id", "event_sources", "event-unsourced", "event {} has no row in event_sources")


@rule("event-without-actor")
def event_without_actor(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """Every event has at least one actor."""
    yield from _unreferenced(tables, "events", "event_id", "event_actors", "event-without-actor", "event {} has no row in event_actors")


@rule("retired-id-reused")
def retired_id_reused(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """A retired ID never appears again as a primary key."""
    if not _has(tables, "retired_ids", "id", "table"):
        return
    retired = tables["retired_ids"].frame
    for t in tables.values():
        if not t.readable or t.name == "retired_ids" or len(t.schema.primary_key) != 1:
            continue
        key = t.schema.primary_key[0]
        ids = set(retired.loc[retired["table"] == t.name, "id"].dropna())
        yield from _issues(t, isin(t.frame[key], pd.Series(sorted(ids), dtype="string[pyarrow]")), "retired-id-reused", key,
                           lambda v: f"{v} is listed in retired_ids and may not be used again")


# RE2 syntax (pyarrow): \pZ adds Unicode spaces such as NBSP, which RE2's \s leaves out.
_UNSAFE = r"^[\s\pZ]|[\s\pZ]$|[\s\pZ]{2}|[\x00-\x1f\x7f]|^[=+\-@]"


_SPACE = np.array([9, 10, 11, 12, 13, 32], dtype=np.uint8)
_FORMULA = np.frombuffer(b"=+-@", dtype=np.uint8)


def _unsafe_chunk(chunk: pa.Array) -> np.ndarray:
    """unsafe_mask for one Arrow string chunk.

    Chunks of printable ASCII (the usual case, found with two numpy reductions) are checked on
    their raw bytes: first and last byte of each cell, and adjacent spaces. Any other chunk goes
    through one RE2 pass, which also knows Unicode whitespace.
    """
    n = len(chunk)
    _, offsets_buf, data_buf = chunk.buffers()
    if n == 0 or data_buf is None:
        return np.zeros(n, dtype=bool)
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=width)[chunk.offset:chunk.offset + n + 1].astype(np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0]:offsets[-1]]
    if len(data) and (data.min() < 0x20 or data.max() >= 0x7F):
        found = pc.match_substring_regex(chunk, _UNSAFE)
        return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)
    starts, ends = offsets[:-1] - offsets[0], offsets[1:] - offsets[0]
    filled = ends > starts
    bad = np.zeros(n, dtype=bool)
    first, last = data[starts[filled]], data[ends[filled] - 1]
    bad[filled] = np.isin(first, _SPACE) | np.isin(first, _FORMULA) | np.isin(last, _SPACE)
    space = data == 32
    pairs = np.flatnonzero(space[1:] & space[:-1])  # position of the first of two spaces
    if len(pairs):
        rows = np.searchsorted(ends, pairs, side="right")
        within = ends[rows] > pairs + 1  # both spaces in the same cell
        bad[rows[within]] = True
    return bad


def unsafe_mask(series: pd.Series) -> np.ndarray:
    """Cells with leading/trailing/double spaces, control characters or a formula-like start."""
    chunks = arrow(series).chunks
    return np.concatenate([_unsafe_chunk(c) for c in chunks]) if chunks else np.zeros(0, dtype=bool)


@rule("unsafe-text")
def unsafe_text(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """Free-text cells: no stray spaces, control characters or spreadsheet formula starts."""
    for t in tables.values():
        if not t.readable:
            continue
        for name in _text_fields(t):
            yield from _issues(t, unsafe_mask(t.frame[name]), "unsafe-text", name, lambda v: f"unsafe text {_why(v)}")


def _why(value: object) -> str:
    text = str(value)
    if text[:1] in "=+-@":
        return f"(starts with {text[0]!r}, which a spreadsheet runs as a formula)"
    if text != text.strip():
        return "(leading or trailing space)"
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return "(control character or line break)"
    return "(double space)"


@rule("url-scheme")
def url_scheme(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """Fields of format uri hold http or https URLs only."""
    for t in tables.values():
        if not t.readable:
            continue
        for f in t.schema.fields:
            if f.format == "uri":
                col = t.frame[f.name]
                bad = col.notna() & ~col.str.match(r"https?://[^\s/]+").fillna(False).astype(bool)
                yield from _issues(t, bad, "url-scheme", f.name, lambda v: f"{v!r} is not an http(s) URL")


def _invalid(column: pd.Series, valid: Callable[[str], bool]) -> np.ndarray:
    """Cells whose value fails valid(), testing each distinct value once."""
    wrong = [v for v in value_set(column).to_pylist() if not valid(v)]
    return isin(column, pa.array(wrong, pa.large_string())) if wrong else np.zeros(len(column), dtype=bool)


@lru_cache(maxsize=4096)
def _is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_3=code) is not None


@rule("country-code")
def country_code(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """country_code fields hold ISO 3166-1 alpha-3 codes (pycountry's list)."""
    for t in tables.values():
        if _has(tables, t.name, "country_code"):
            col = t.frame["country_code"]
            bad = _invalid(col, _is_country)
            yield from _issues(t, bad, "country-code", "country_code", lambda v: f"{v!r} is not an ISO 3166-1 alpha-3 code")


@lru_cache(maxsize=4096)
def _is_language(tag: str) -> bool:
    import langcodes  # imported on first use: its tables take a tenth of a second to load

    return bool(langcodes.tag_is_valid(tag))


@rule("language-tag")
def language_tag(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """language fields hold valid BCP-47 tags (langcodes)."""
    for t in tables.values():
        if _has(tables, t.name, "language"):
            col = t.frame["language"]
            bad = _invalid(col, _is_language)
            yield from _issues(t, bad, "language-tag", "language", lambda v: f"{v!r} is not a valid BCP-47 language tag")


@rule("fatalities-order")
def fatalities_order(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """fatalities_low <= fatalities_best <= fatalities_high where given."""
    if not _has(tables, "events", "fatalities_low", "fatalities_best", "fatalities_high"):
        return
    t = tables["events"]
    f = t.frame
    low, best, high = f["fatalities_low"], f["fatalities_best"], f["fatalities_high"]
    for field, bad in (("fatalities_best", (best < low) | (best > high)), ("fatalities_high", low > high)):
        yield from _issues(t, bad.fillna(False), "fatalities-order", field, lambda v: f"{v} breaks low <= best <= high")


@rule("role-period")
def role_period(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """A statement's speaker held some office on its date, when roles are recorded for the speaker."""
    if not (_has(tables, "statements", "speaker_id", "date_start") and _has(tables, "actor_roles", "actor_id", "date_start", "date_end")):
        return
    t = tables["statements"]
    roles = tables["actor_roles"].frame[["actor_id", "date_start", "date_end"]].dropna(subset=["actor_id", "date_start"])
    said = t.frame[["speaker_id", "date_start"]].reset_index(names="row").dropna()
    pairs = said.merge(roles, left_on="speaker_id", right_on="actor_id", suffixes=("", "_role"))
    inside = (pairs["date_start"] >= pairs["date_start_role"]) & (pairs["date_end"].isna() | (pairs["date_start"] <= pairs["date_end"]))
    has_role = set(pairs["row"])
    covered = set(pairs.loc[inside.to_numpy(dtype=bool), "row"])
    mask = np.zeros(len(t.frame), dtype=bool)
    mask[sorted(has_role - covered)] = True
    yield from _issues(t, mask, "role-period", "date_start", lambda v: f"on {v} the speaker held none of the offices recorded in actor_roles")


@rule("speaker-without-role")
def speaker_without_role(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """A person who makes a statement has at least one office recorded in actor_roles."""
    if not (_has(tables, "statements", "speaker_id") and _has(tables, "actors", "actor_id", "actor_type") and _has(tables, "actor_roles", "actor_id")):
        return
    actors = tables["actors"].frame
    persons = actors.loc[actors["actor_type"] == "person", "actor_id"]
    t = tables["statements"]
    mask = isin(t.frame["speaker_id"], persons) & ~isin(t.frame["speaker_id"], tables["actor_roles"].frame["actor_id"])
    yield from _issues(t, mask, "speaker-without-role", "speaker_id", lambda v: f"speaker {v} is a person with no row in actor_roles")


@rule("self-relation")
def self_relation(tables: Tables, today: dt.date) -> Iterator[Issue]:
    """An event is not related to itself."""
    if _has(tables, "event_relations", "event_id", "related_event_id"):
        t = tables["event_relations"]
        bad = (t.frame["event_id"] == t.frame["related_event_id"]).fillna(False)
        yield from _issues(t, bad, "self-relation", "related_event_id", lambda v: f"event {v} is related to itself")


def run_rules(tables: Tables, today: dt.date, pool: Executor | None = None) -> list[Issue]:
    """Run every registered rule (side by side when given a thread pool: most work is in Arrow, without the GIL)."""
    if pool is None:
        return [issue for func in RULES.values() for issue in func(tables, today)]
    return [issue for found in pool.map(lambda func: list(func(tables, today)), RULES.values()) for issue in found]


from karabakh_timeline.check.rules import trust as _trust_rules  # noqa: E402,F401  (registers the trust-model rules)
