"""Opaque IDs: the next free one for a table, never reusing a retired ID."""
from __future__ import annotations

import os
import re

from karabakh_timeline.policy.retirement import every_retired, read_retired_ids
from karabakh_timeline.read.typed import read_typed
from karabakh_timeline.schema.descriptor import open_package

_ID_PATTERN = re.compile(r"^\^?\(?([a-z]+_)\)?\[0-9\]\{(\d+)\}\$?$")


class IdError(ValueError):
    """The table has no opaque ID column, or no free ID is left."""


def id_format(pattern: str) -> tuple[str, int]:
    """(prefix, digits) from an ID pattern such as evt_[0-9]{6}."""
    match = _ID_PATTERN.match(pattern)
    if not match:
        raise IdError(f"pattern {pattern!r} is not an opaque ID pattern (prefix_[0-9]{{N}})")
    return match.group(1), int(match.group(2))


def next_ids(table: str, path: str | os.PathLike[str] | None = None, count: int = 1) -> list[str]:
    """The next count free IDs of table: above every ID in use or retired, so none is ever reused."""
    package = open_package(path)
    if table not in package.resources:
        raise IdError(f"no table {table!r}; tables are {', '.join(package.resources)}")
    schema = package.resources[table].schema
    if len(schema.primary_key) != 1 or "pattern" not in schema.field(schema.primary_key[0]).constraints:
        raise IdError(f"table {table!r} has no opaque ID column (its key is {', '.join(schema.primary_key)})")
    key = schema.primary_key[0]
    prefix, digits = id_format(schema.field(key).constraints["pattern"])
    used = {v for v in read_typed(package, table).column(key).to_pylist() if v is not None}
    used |= every_retired(read_retired_ids(package))
    numbers = [int(v[len(prefix):]) for v in used if isinstance(v, str) and v.startswith(prefix) and v[len(prefix):].isdigit()]
    start = max(numbers, default=0) + 1
    if start + count - 1 >= 10**digits:
        raise IdError(f"no free {prefix} IDs left with {digits} digits")
    return [f"{prefix}{n:0{digits}d}" for n in range(start, start + count)]
