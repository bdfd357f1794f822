"""The trust model: which sources are independent of each other, and what corroborates an event.

One home for the definitions that the verification rules, ``stats``, the flat CSV and the page
share (README, "Trust model"):

- a source counts under its *original* publisher: ``original_publisher_id`` when the document
  reprints, relays or translates another publisher's story, else ``publisher_id``;
- publishers of a *compiling* kind (reference works, aggregators, blogs) never corroborate;
- a source published before the event starts does not corroborate it;
- an event is *independently corroborated* when at least two distinct original publishers count
  and at least one of them is third-party (side ``none``), or at least one sits on each side of
  the conflict (Armenian side = ``armenia`` or ``nagorno_karabakh``; Azerbaijani side = ``azerbaijan``);
- a source is *weak* when its original publisher is an aggregator or a blog (a mirror of an
  unknown original); an event or statement resting on weak sources only is not sourced.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.support.arrow import first_rows, instants, mask, unique_ids

if TYPE_CHECKING:
    import pandas as pd

COMPILING_KINDS = frozenset({"reference", "aggregator", "blog"})  # compile others' reports: never corroborate
WEAK_KINDS = frozenset({"aggregator", "blog"})  # without a known original, not a source at all
ARMENIAN_SIDE = frozenset({"armenia", "nagorno_karabakh"})
AZERBAIJANI_SIDE = frozenset({"azerbaijan"})
THIRD_PARTY = "none"
# Verification levels (events.verification) that the rules and the page treat specially.
CONFIRMED = "confirmed"  # needs independent corroboration (verification-unsupported); the page shows no badge for it
UNDERSTATED_IF_CORROBORATED = ("single_source", "party_claim")  # verification-understated when independently corroborated
DISPUTED = "disputed"  # needs a contesting statement or a note (dispute-unrecorded)
CONTESTED_VERIFICATIONS = (DISPUTED, "party_claim")  # verification levels the page marks as contested
PARAPHRASE = "paraphrase"  # the text_kind that is not the speaker's words (verbatim and translation are quoted)
CONTESTING_ACTS = frozenset({"deny", "reject", "accuse", "claim"})  # speech acts that dispute an event
# Words by which an event's notes say who disputes what (dispute-unrecorded).
DISPUTE_WORDS = r"(?i)\b(?:disput|contest|den(?:y|ies|ied)|reject|claim|accus|contradict)"

# The tables and fields corroboration() reads (the verification rules declare these as their needs).
CORROBORATION_FIELDS: dict[str, tuple[str, ...]] = {
    "events": ("event_id", "date_start"),
    "event_sources": ("event_id", "source_id"),
    "sources": ("source_id", "publisher_id", "original_publisher_id", "published_date"),
    "publishers": ("publisher_id", "name", "kind", "side"),
}

_FIGURES = ("originals", "third_party", "armenian_side", "azerbaijani_side", "independent", "weak_only")
_COLUMNS = [*_FIGURES, "names"]
Tables = Mapping[str, Any]  # table name -> anything whose column(field) gives a pa.ChunkedArray (pa.Table, read.typed.TypedTable)


@dataclass(frozen=True)
class Corroboration:
    """How its sources corroborate each event: one entry per distinct event ID, in the order of their first rows.

    originals, third_party, armenian_side, azerbaijani_side (counts), independent and weak_only
    (flags) are NumPy arrays, names a tuple of publisher names per event (see corroborate()).
    """

    event_ids: pa.Array
    originals: np.ndarray
    third_party: np.ndarray
    armenian_side: np.ndarray
    azerbaijani_side: np.ndarray
    independent: np.ndarray
    weak_only: np.ndarray
    names: list[tuple[str, ...]]
    one_per_row: bool = False  # the events' IDs were unique and present: entry i is events row i

    def rows_of(self, event_ids: pa.ChunkedArray | pa.Array) -> np.ndarray:
        """Per ID of event_ids (the events column this was computed from), its entry here, -1 for a missing ID."""
        if self.one_per_row and len(event_ids) == len(self.event_ids):
            return np.arange(len(event_ids))
        return first_rows(event_ids, self.event_ids)

    def frame(self, names: bool = True) -> pd.DataFrame:
        """As a pandas frame indexed by event_id (what stats, the release's exports and the page read)."""
        import pandas as pd  # the callers outside validation want a frame

        index = pd.Index(np.array(self.event_ids.to_pylist(), dtype=object), name="event_id")
        frame = pd.DataFrame({c: getattr(self, c) for c in _FIGURES}, index=index)
        frame[list(_FIGURES[:4])] = frame[list(_FIGURES[:4])].astype(int)
        if names:
            frame["names"] = self.names
        return frame


def _column(tables: Tables, table: str, name: str) -> pa.ChunkedArray:
    """A field of a table, dictionaries decoded and an all-missing column of no type as text."""
    column = tables[table].column(name)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return column.cast(pa.large_string()) if pa.types.is_null(column.type) else column


def original_publishers(tables: Tables) -> pa.ChunkedArray:
    """Per source row, the publisher it counts under: original_publisher_id for a reprint, relay or translation, else publisher_id."""
    return pc.coalesce(_column(tables, "sources", "original_publisher_id"), _column(tables, "sources", "publisher_id"))


def _origin_rows(tables: Tables) -> np.ndarray:
    """Per source row, the publishers row of its original publisher (the first with that ID), -1 when none."""
    return first_rows(original_publishers(tables), _column(tables, "publishers", "publisher_id"))


def source_origins(tables: Tables) -> pa.Table:
    """Per source row: its ID, its original publisher's id, name, kind and side, and whether it is weak.

    A publisher id missing from publishers (a foreign-key error, reported elsewhere) gives missing
    name, kind and side.
    """
    origin = _origin_rows(tables)
    at = pa.array(origin, mask=origin < 0)
    kind = pc.take(_column(tables, "publishers", "kind"), at)
    return pa.table({
        "source_id": _column(tables, "sources", "source_id"),
        "original": original_publishers(tables),
        **{c: pc.take(_column(tables, "publishers", c), at) for c in ("name", "kind", "side")},
        "published_date": _column(tables, "sources", "published_date"),
        "weak": pc.fill_null(pc.is_in(kind, value_set=pa.array(sorted(WEAK_KINDS), kind.type)), False),
    })


def _pairs(keys: pa.ChunkedArray, reference: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Every (key row, reference row) whose non-missing values are equal, by key row and then reference row: what an inner merge pairs."""
    if unique_ids(reference):
        rows = first_rows(keys, reference)
        at = np.flatnonzero(rows >= 0)
        return at, rows[at]
    distinct = pc.unique(reference).drop_null()
    ref_code, key_code = first_rows(reference, distinct), first_rows(keys, distinct)  # missing: -1 (distinct holds no missing value)
    counts = np.bincount(ref_code[ref_code >= 0], minlength=len(distinct))
    order = np.argsort(ref_code, kind="stable")
    grouped = order[ref_code[order] >= 0]  # reference rows by code, each code's rows in row order
    starts = np.cumsum(counts) - counts
    at = np.flatnonzero(key_code >= 0)
    per = counts[key_code[at]]
    within = np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per)
    return np.repeat(at, per), grouped[np.repeat(starts[key_code[at]], per) + within]


def _first_occurrences(keys: np.ndarray) -> np.ndarray:
    """The positions where each distinct key first occurs, in order (NumPy's unique sorts stably and gives each key's first
    position: on integers, 10x faster than Arrow's hash table here)."""
    return np.sort(np.unique(keys, return_index=True)[1]) if len(keys) else np.zeros(0, dtype=np.int64)


def corroborate(tables: Tables, named: Callable[[Corroboration], np.ndarray] | None = None) -> Corroboration:
    """How its sources corroborate each event, computed on the Arrow columns of CORROBORATION_FIELDS.

    Per distinct event ID: ``originals`` (distinct original publishers that count),
    ``third_party``, ``armenian_side``, ``azerbaijani_side`` (how many of them on each side),
    ``independent`` (the definition above), ``weak_only`` (every linked source is weak; False
    without sources) and ``names`` (the counted publishers' names, third-party first, then by name).
    Repeated keys pair as a merge would (corroboration_merged, the reference: tests/test_trust.py).

    named, given the result without names, picks the events whose names are wanted (the rest get
    none): the rules name only the events they report, which saves a tuple per event.
    """
    event_ids = _column(tables, "events", "event_id")
    one_per_row = unique_ids(event_ids)
    ids = event_ids.combine_chunks() if one_per_row else pc.unique(event_ids).drop_null()
    n = len(ids)
    first = np.arange(n) if one_per_row else first_rows(ids, event_ids)  # each distinct ID's first row
    starts = pc.take(instants(_column(tables, "events", "date_start")), pa.array(first))
    link_events = first_rows(_column(tables, "event_sources", "event_id"), ids)
    link, source = _pairs(_column(tables, "event_sources", "source_id"), _column(tables, "sources", "source_id"))
    keep = link_events[link] >= 0
    event, source = link_events[link[keep]], source[keep]  # the linked rows: (event, source row), in link order
    del link_events, link, keep  # a row's worth each: freed as soon as done with (1M events: the rules' peak)
    origin = _origin_rows(tables)[source]
    kind, side = _column(tables, "publishers", "kind"), _column(tables, "publishers", "side")
    known = origin >= 0
    at = np.where(known, origin, 0)

    def per_origin(flags: pa.ChunkedArray) -> np.ndarray:  # a publisher attribute per linked row, False without a publisher
        return known & mask(flags)[at] if len(flags) else np.zeros(len(origin), dtype=bool)

    weak = per_origin(pc.is_in(kind, value_set=pa.array(sorted(WEAK_KINDS), kind.type)))
    published = pc.take(instants(_column(tables, "sources", "published_date")), pa.array(source))
    after = mask(pc.is_null(published)) | mask(pc.greater_equal(published, pc.take(starts, pa.array(event))))
    counts = after & per_origin(pc.and_not(pc.is_valid(kind), pc.is_in(kind, value_set=pa.array(sorted(COMPILING_KINDS), kind.type))))
    del published, after
    rows = np.flatnonzero(counts)
    del counts
    rows = rows[_first_occurrences(event[rows].astype(np.int64) * max(len(kind), 1) + origin[rows])]  # one row per (event, original
    # publisher), the first in link order
    ev, org = event[rows], origin[rows]
    named_original = mask(pc.is_valid(original_publishers(tables)))[source[rows]]
    third = mask(pc.equal(side, THIRD_PARTY))

    def tally(flags: np.ndarray) -> np.ndarray:
        return np.bincount(ev[flags[org]], minlength=n) if len(flags) else np.zeros(n, dtype=np.int64)

    originals = np.bincount(ev[named_original], minlength=n)  # a merge counts distinct IDs: a missing one is none
    third_party = tally(third)
    armenian, azerbaijani = (tally(mask(pc.is_in(side, value_set=pa.array(sorted(s), side.type)))) for s in (ARMENIAN_SIDE, AZERBAIJANI_SIDE))
    result = Corroboration(
        ids, originals, third_party, armenian, azerbaijani,
        (originals >= 2) & ((third_party >= 1) | ((armenian >= 1) & (azerbaijani >= 1))),
        (np.bincount(event, minlength=n) > 0) & ~(np.bincount(event[~weak], minlength=n) > 0), [()] * n, one_per_row)
    wanted = np.ones(n, dtype=bool) if named is None else np.asarray(named(result), dtype=bool)
    return replace(result, names=_names(tables, ev[wanted[ev]], org[wanted[ev]], third, n))


def _names(tables: Tables, ev: np.ndarray, org: np.ndarray, third: np.ndarray, n: int) -> list[tuple[str, ...]]:
    """Per event, the names of its counted publishers (org, publishers rows, beside ev, events), third-party first (a missing
    side is not third-party), then by name (missing last), stably; a missing name shows as pandas prints it."""
    names = _column(tables, "publishers", "name")
    listed: list[tuple[str, ...]] = [()] * n
    if not len(ev):
        return listed
    third_rank = np.where(third, 0, 1)
    name_rank = np.asarray(pc.rank(names, sort_keys="ascending", tiebreaker="dense").to_numpy(zero_copy_only=False))  # missing last
    order = np.lexsort((name_rank[org], third_rank[org], ev))
    ev, org = ev[order], org[order]
    texts = ["<NA>" if v is None else v for v in pc.take(names, pa.array(org)).to_pylist()]
    bounds = np.flatnonzero(np.r_[True, ev[1:] != ev[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        listed[ev[a]] = tuple(texts[a:b])
    return listed


def _arrow_tables(frames: Mapping[str, pd.DataFrame]) -> dict[str, pa.Table]:
    """The corroboration fields of pandas frames as Arrow tables."""
    return {name: pa.Table.from_pandas(frames[name][list(cols)], preserve_index=False) for name, cols in CORROBORATION_FIELDS.items()}


def corroboration(frames: Mapping[str, pd.DataFrame], named: Callable[[pd.DataFrame], np.ndarray] | None = None) -> pd.DataFrame:
    """corroborate() on pandas frames, as a frame indexed by event_id (every event present) with the columns above."""
    pick = None if named is None else (lambda corr: named(corr.frame(names=False)))
    return corroborate(_arrow_tables(frames), pick).frame()


def corroboration_merged(frames: Mapping[str, pd.DataFrame], named: Callable[[pd.DataFrame], np.ndarray] | None = None) -> pd.DataFrame:
    """corroboration() by pandas merges of the key columns: the reference (policy.trust_merged)."""
    from karabakh_timeline.policy.trust_merged import corroboration_merged as merged  # pandas: the reference only

    return merged(frames, named)


BASES = ("third_party", "both_sides", "armenian_side", "azerbaijani_side", "none")  # what bases() gives each event, strongest first


def bases(corr: pd.DataFrame) -> pd.Series:
    """Per event of a corroboration() frame, where its counted sources sit, strongest first: one of BASES."""
    import pandas as pd  # stats' frames

    third, arm, aze = (corr[c].to_numpy() > 0 for c in ("third_party", "armenian_side", "azerbaijani_side"))
    choice = np.select([third, arm & aze, arm, aze], list(BASES[:4]), default=BASES[4])
    return pd.Series(choice, index=corr.index, dtype="string")


def describe(row: pd.Series) -> str:
    """One line for readers: e.g. 'independently corroborated by 3 publishers, incl. Reuters and AP'."""
    n = int(row["originals"])
    names = list(row["names"])
    if n == 0:
        return "no corroborating publisher (reference or aggregator sources only)"
    shown = " and ".join(names[:2]) if len(names) <= 2 else f"{names[0]}, {names[1]} and {len(names) - 2} more"
    lead = "independently corroborated by" if row["independent"] else "reported by"
    return f"{lead} {n} publisher{'s' if n != 1 else ''}, incl. {shown}" if n > 2 else f"{lead} {shown}"


def corroboration_of_arrow(tables: Tables) -> pd.DataFrame:
    """corroboration() for typed Arrow tables (the release's exports and page)."""
    return corroborate(tables).frame()


__all__ = [
    "ARMENIAN_SIDE", "AZERBAIJANI_SIDE", "BASES", "COMPILING_KINDS", "CONFIRMED", "CONTESTED_VERIFICATIONS", "CONTESTING_ACTS", "CORROBORATION_FIELDS",
    "DISPUTED", "PARAPHRASE", "THIRD_PARTY", "UNDERSTATED_IF_CORROBORATED", "WEAK_KINDS",
    "Corroboration", "bases", "corroborate", "corroboration", "corroboration_of_arrow", "describe", "original_publishers", "source_origins",
]
