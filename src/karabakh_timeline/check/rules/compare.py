"""Comparing two columns a schema may type differently (a rule's fields are named, their types are the package's)."""
from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.read.cells import iso_dates
from karabakh_timeline.support.arrow import Column, arrow


def compare(function: Callable[..., pa.ChunkedArray], left: Column, right: Column) -> pa.ChunkedArray:
    """function (pc.less, pc.equal, ...) of the two columns, cell by cell; columns Arrow cannot compare (a date with a
    string, an ID typed integer with one typed string) are compared as their text, instead of failing the run."""
    left, right = arrow(left), arrow(right)
    try:
        return function(left, right)
    except pa.ArrowNotImplementedError:
        return function(pc.cast(left, pa.large_string()), pc.cast(right, pa.large_string()))


def as_dates(column: Column) -> pa.ChunkedArray:
    """The column as Arrow dates: itself when typed date, the day of a datetime, and a text cell's date when it is one
    (YYYY-MM-DD on the calendar; else missing), so that a package typing a date field otherwise is still checked."""
    values = arrow(column)
    if pa.types.is_date32(values.type):
        return values
    if pa.types.is_date(values.type) or pa.types.is_timestamp(values.type):
        return pc.cast(values, pa.date32())
    return iso_dates(pc.cast(values, pa.large_string()))[0]  # read.cells' date rule: the one way a text is a date
