"""Whether dated rows fall in some recorded period of their actor: the join behind role-period, in Arrow and NumPy.

A statement is covered when one of its speaker's roles began on or before its date and has not
ended before it (an open end never ends). Instead of pairing every statement with every role of
its speaker (a merge, as many pairs as statements times roles), the roles are sorted by actor
and start: the roles begun by a date are then a prefix of the actor's run, found by binary
search, and the latest end within that prefix (a running maximum) decides. Dates are compared
through their ranks, so any orderable type works and the keys pack into one int64.
tests/test_rules_arrow.py proves this agrees with the pandas merge it replaces.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.support.arrow import Column, arrow, first_rows, instants, mask

_LOW = np.int64(0xFFFFFFFF)


def _ordered(*columns: pa.ChunkedArray) -> list[np.ndarray]:
    """Null-free columns as NumPy values that order as the cells do: dates and times as microseconds, else one common type."""
    if all(pa.types.is_date(c.type) or pa.types.is_timestamp(c.type) for c in columns):
        return [np.asarray(instants(c).to_numpy(), dtype=np.int64) for c in columns]
    if len({c.type for c in columns}) > 1:
        columns = tuple(pc.cast(c, pa.large_string()) for c in columns)
    return [c.to_numpy() for c in columns]


def outside_periods(who: Column, when: Column, actor: Column, start: Column, end: Column) -> np.ndarray:
    """Rows whose who has at least one period (actor, start, end; missing end = open) and none that holds when.

    Rows without who or when, and periods without actor or start, take no part.
    """
    who, when, actor, start, end = (arrow(c) for c in (who, when, actor, start, end))
    out = np.zeros(len(who), dtype=bool)
    usable = pc.and_(pc.is_valid(actor), pc.is_valid(start))
    actor, start, end = (pc.filter(c, usable) for c in (actor, start, end))
    members = pc.unique(actor)
    code = first_rows(who, members)  # the speaker's number among the actors with periods, -1 for none (IDs typed differently: as first_rows compares them)
    rows = np.flatnonzero((code >= 0) & mask(pc.is_valid(when)))
    if not len(rows):
        return out
    person = code[rows]
    role_person = first_rows(actor, members)
    ended = mask(pc.is_valid(end))
    date, begins, ends = _ordered(pc.take(when, pa.array(rows)), start, end.drop_null())
    firsts, lasts = np.unique(begins), np.unique(ends)
    begin_rank = np.searchsorted(firsts, begins, side="left")
    reached = np.searchsorted(firsts, date, side="right")  # a role has begun by date when its begin_rank is below this
    end_rank = np.full(len(role_person), len(lasts), dtype=np.int64)  # an open end ranks after every end
    end_rank[ended] = np.searchsorted(lasts, ends, side="left")
    order = np.lexsort((begin_rank, role_person))
    person_high = role_person[order] << 32
    sorted_keys = person_high | begin_rank[order]
    latest = np.maximum.accumulate(person_high | end_rank[order])  # per person (persons ascend), the latest end so far
    first = np.searchsorted(person_high, np.arange(len(members), dtype=np.int64) << 32, side="left")[person]
    begun = np.searchsorted(sorted_keys, (person << 32) | reached, side="left")  # past the person's roles begun by date
    rank = latest[np.maximum(begun - 1, 0)] & _LOW
    still = rank == len(lasts)  # open
    if len(lasts):
        still |= lasts[np.minimum(rank, len(lasts) - 1)] >= date
    out[rows[~((begun > first) & still)]] = True
    return out
