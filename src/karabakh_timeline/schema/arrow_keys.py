"""schema.keys on Arrow: the constraint and key checks the validator runs on typed Arrow columns.

schema.keys (pandas) stays the definition the compiled pandera schemas use (``kt.schemas()``);
each function here gives the same verdict per cell or row on the Arrow columns the validator holds
(tests/test_constraints_agree.py compares both on generated tables). What pandas does implicitly is
done here on purpose: NaN counts as missing (a pandas Float64 column holds it as NA), -0.0 equals
0.0 in keys and enums (pandas' hash tables), missing equals missing in a primary key, and a
pattern is matched as pandas matches it: by RE2 where RE2 and Python's re agree, else by re.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.schema import v2
from karabakh_timeline.schema.table_schema import Field, ForeignKey
from karabakh_timeline.support.arrow import isin, isin_prepared, mask, strictly_increasing

Column: TypeAlias = pa.ChunkedArray | pa.Array
BOUND_CHECKS: dict[str, Callable[[Any, Any], Any]] = {
    "minimum": pc.greater_equal, "maximum": pc.less_equal, "exclusiveMinimum": pc.greater, "exclusiveMaximum": pc.less}


def bound(fld: Field, value: object) -> object:
    """A typed constraint value (schema.lexical) as the Arrow columns hold it: a time as its hh:mm:ss text, anything else as is."""
    if fld.type == "time" and hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def missing(column: Column) -> np.ndarray:
    """Per cell: missing, NaN included (pandas holds a NaN number as NA, so every pandas check skips it)."""
    return mask(pc.is_null(column, nan_is_null=True))


def _normalized(column: Column) -> pa.Array:
    """One array whose equal values are equal in Arrow's hash kernels as in pandas': NaN as null, -0.0 as 0.0."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_floating(array.type):
        array = pc.add(pc.if_else(pc.is_nan(array), pa.scalar(None, array.type), array), pa.scalar(0.0, array.type))
    return array


def _scalar(value: object, kind: pa.DataType) -> pa.Scalar | None:
    try:
        return pa.scalar(value, kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
        return None  # not a value of the column's type (an integer beyond int64): no cell can equal it


def enum_passes(column: Column, allowed: list[Any]) -> Column:
    """Per cell: one of the allowed values (pandas' isin)."""
    members = [s for s in (_scalar(v, column.type) for v in allowed) if s is not None]
    value_set = _normalized(pa.array([s.as_py() for s in members], column.type))
    return pc.is_in(_normalized(column), value_set=value_set)


def bound_passes(fld: Field, key: str, column: Column) -> Column:
    """Per cell: within the bound key (minimum, maximum, exclusiveMinimum, exclusiveMaximum) of fld."""
    value = bound(fld, fld.typed[key])
    limit = _scalar(value, column.type)
    if limit is None:  # a bound outside the column's type (an integer beyond int64): compared as numbers
        column, limit = pc.cast(column, pa.float64()), pa.scalar(float(value))  # type: ignore[arg-type]
    return BOUND_CHECKS[key](column, limit)


def per_distinct(column: Column, fn: Callable[[Any], Any], kind: pa.DataType) -> pa.Array:
    """fn called once per distinct non-missing value, the results spread back over the cells (missing stays missing)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    encoded = pc.dictionary_encode(array)
    results = pa.array([None if v is None else fn(v) for v in encoded.dictionary.to_pylist()], kind)
    return results.take(encoded.indices)


def lengths(fld: Field, column: Column) -> Column:
    """What minLength and maxLength bound: a string's characters (code points), a list's or an array's items, an object's keys."""
    if fld.type == "list":
        return pc.list_value_length(pc.split_pattern(column, fld.options["delimiter"]))
    if fld.type in ("array", "object"):
        return per_distinct(column, lambda text: len(json.loads(text)), pa.int64())
    return pc.utf8_length(column)


def length_passes(fld: Field, column: Column) -> Column:
    """Per cell: its length (lengths) within minLength and maxLength."""
    n, low, high = lengths(fld, column), fld.constraints.get("minLength"), fld.constraints.get("maxLength")
    if high is None:
        return pc.greater_equal(n, low)
    return pc.less_equal(n, high) if low is None else pc.and_(pc.less_equal(n, high), pc.greater_equal(n, low))


def json_schema_passes(fld: Field, column: Column) -> Column:
    """Per cell of an object or array field: it conforms to the field's jsonSchema (checked once per distinct value)."""
    schema = fld.constraints["jsonSchema"]
    return per_distinct(column, lambda text: v2.json_schema_problem(schema, text) is None, pa.bool_())


def _regex_nodes(tokens: Any, parser: Any) -> Iterator[tuple[Any, Any]]:
    repeats = {parser.MAX_REPEAT, parser.MIN_REPEAT, getattr(parser, "POSSESSIVE_REPEAT", parser.MAX_REPEAT)}
    for op, argument in tokens:
        yield op, argument
        if op == parser.SUBPATTERN:
            yield from _regex_nodes(argument[3], parser)
        elif op == parser.BRANCH:
            for branch in argument[1]:
                yield from _regex_nodes(branch, parser)
        elif op in repeats:
            yield from _regex_nodes(argument[2], parser)
        elif op in (getattr(parser, "ATOMIC_GROUP", None), parser.IN):
            yield from _regex_nodes(argument, parser)


@lru_cache(maxsize=256)
def python_regex_needed(pattern: str) -> str:
    """Which cells RE2 would match otherwise than Python's re, as pandas decides it: "all" (lookarounds,
    backreferences, \\s, \\u escapes), "non-ascii" (\\w, \\d, \\b are ASCII-only in RE2) or "newline"
    (re's $ also matches before a final newline; the anchored pattern always ends in $)."""
    from re import _parser  # type: ignore[attr-defined]  # the parser pandas consults for the same decision

    if re.search(r"(?<!\\)(?:\\\\)*\\(?:[uU]|N\{)", pattern):
        return "all"
    try:
        nodes = list(_regex_nodes(_parser.parse(pattern), _parser))
    except re.error:  # not Python's syntax (parse_schema refuses such patterns): RE2 decides, as in pandas
        return "newline"
    if any(op in (_parser.ASSERT, _parser.ASSERT_NOT, _parser.GROUPREF, _parser.GROUPREF_EXISTS) for op, _ in nodes):
        return "all"
    categories = {argument for op, argument in nodes if op in (_parser.CATEGORY, _parser.AT)}
    if categories & {_parser.CATEGORY_SPACE, _parser.CATEGORY_NOT_SPACE}:
        return "all"
    if categories & {_parser.CATEGORY_WORD, _parser.CATEGORY_NOT_WORD, _parser.CATEGORY_DIGIT, _parser.CATEGORY_NOT_DIGIT,
                     _parser.AT_BOUNDARY, _parser.AT_NON_BOUNDARY}:
        return "non-ascii"
    return "newline"


def _any_byte(column: Column, byte: re.Pattern[bytes]) -> bool:
    """Whether a byte of the text column's data matches byte (a scan of the data buffers: True may come from no cell's bytes)."""
    for chunk in column.chunks if isinstance(column, pa.ChunkedArray) else [column]:
        data = chunk.buffers()[2] if len(chunk) else None
        if data is not None and byte.search(memoryview(data)):
            return True
    return False


_NEWLINE, _NON_ASCII = re.compile(b"\n"), re.compile(b"[\x80-\xff]")


@lru_cache(maxsize=256)
def fixed_ranges(pattern: str) -> tuple[tuple[int, int], ...] | None:
    """Per character, the range of printable ASCII bytes a pattern allows when it is a fixed sequence of literals and single
    ranges, repeats of a fixed count included (``evt_[0-9]{6}``, a package's ID patterns); None for any other pattern."""
    from re import _parser  # type: ignore[attr-defined]  # as python_regex_needed reads patterns

    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & ~re.UNICODE.value:  # (?i), (?x)...: not a plain sequence
        return None

    def one(op: Any, argument: Any) -> tuple[int, int] | None:
        if op == _parser.IN and len(argument) == 1:
            op, argument = argument[0]
        low, high = (argument, argument) if op == _parser.LITERAL else argument if op == _parser.RANGE else (-1, -1)
        return (low, high) if 0x20 <= low <= high <= 0x7E else None

    ranges: list[tuple[int, int]] = []
    for op, argument in parsed:
        if op == _parser.MAX_REPEAT and argument[0] == argument[1] and len(argument[2]) == 1:
            found, count = one(*argument[2][0]), argument[0]
        else:
            found, count = one(op, argument), 1
        if found is None:
            return None
        ranges += [found] * count
    return tuple(ranges)


def all_within(column: Column, ranges: tuple[tuple[int, int], ...]) -> bool:
    """True when every non-missing cell has one byte per range, each byte in its range: then the cell matches the pattern
    fixed_ranges() read. Proven by each byte position's extremes (support.fixed_keys), without a regex."""
    from karabakh_timeline.support.fixed_keys import extremes, matrix

    present = column.drop_null()
    if not len(present):
        return True
    lengths = pc.min_max(pc.binary_length(present)).as_py()
    if lengths["min"] != len(ranges) or lengths["max"] != len(ranges) or not ranges:
        return False
    low, high = extremes(matrix(present, len(ranges)))
    bounds = np.array(ranges, dtype=np.int64)
    return bool((low >= bounds[:, 0]).all() and (high <= bounds[:, 1]).all())


def pattern_passes(pattern: str, column: Column) -> Column:
    """Per cell: the whole cell matches pattern (pandas' str.match of ``^(?:pattern)$``): RE2 in Arrow, Python's re once per
    distinct value for the cells where the two differ (every cell when RE2 cannot compile the pattern). A column whose cells
    all fit a fixed pattern (a package's IDs) is passed by their bytes' extremes (all_within), without the regex."""
    ranges = fixed_ranges(pattern)
    if ranges is not None and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)) and all_within(column, ranges):
        return pa.array(np.ones(len(column), dtype=bool))
    anchored = f"^(?:{pattern})$"
    needed = python_regex_needed(anchored)
    try:
        fast = None if needed == "all" else pc.match_substring_regex(column, anchored)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # RE2 refuses it (\Z, possessive repeats...)
        fast = None
    newline, non_ascii = _any_byte(column, _NEWLINE), needed == "non-ascii" and _any_byte(column, _NON_ASCII)
    if fast is not None and not newline and not non_ascii:
        return fast
    slow = pc.match_substring(column, "\n")
    if non_ascii:
        slow = pc.or_(slow, pc.invert(pc.string_is_ascii(column)))
    regex = re.compile(anchored)
    cells = column if fast is None else pc.if_else(slow, column, pa.scalar(None, column.type))
    matched = per_distinct(cells, lambda text: regex.match(text) is not None, pa.bool_())
    return matched if fast is None else pc.if_else(slow, matched, fast)


def _codes(column: Column) -> tuple[np.ndarray, int]:
    """Per cell a code, equal exactly where the values are (missing equal to missing), numbered in order of first appearance."""
    encoded = pc.dictionary_encode(_normalized(column), null_encoding="encode")
    ids = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    if len(ids) and (ids[0] != 0 or (np.diff(np.maximum.accumulate(ids)) > 1).any()):  # Arrow numbers by first appearance; else renumber
        _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        rank = np.empty(len(first), dtype=np.int64)
        rank[np.argsort(first)] = np.arange(len(first))
        ids = rank[inverse]
    return ids, len(encoded.dictionary)


def group_ids(columns: list[Column]) -> np.ndarray:
    """Per row, one number for its tuple of values across columns (missing equal to missing), in order of first appearance."""
    ids, size = _codes(columns[0])
    for column in columns[1:]:
        more, k = _codes(column)
        if size * max(k, 1) >= 2**62:  # the mixed-radix code would overflow: renumber first
            ids, size = _codes(pa.array(ids))
        ids, size = ids * k + more, size * k
    return _codes(pa.array(ids))[0] if len(columns) > 1 else ids


def firsts(ids: np.ndarray) -> np.ndarray:
    """Per row: the first with its group id (ids numbered in order of first appearance, as group_ids gives them)."""
    if not len(ids):
        return np.zeros(0, dtype=bool)
    return np.concatenate(([True], ids[1:] > np.maximum.accumulate(ids)[:-1]))


def repeated(columns: list[Column]) -> np.ndarray:
    """Per row: every copy of a tuple that no part of is missing and that another row repeats (pandas' duplicated(keep=False))."""
    if not columns or not len(columns[0]):
        return np.zeros(len(columns[0]) if columns else 0, dtype=bool)
    complete = ~np.logical_or.reduce([missing(c) for c in columns])
    ids = group_ids(columns)
    counts = np.bincount(ids[complete], minlength=int(ids.max()) + 1)  # a complete tuple's group holds complete rows only
    return complete & (counts[ids] > 1)


def unique_key_passes(table: pa.Table, key: tuple[str, ...]) -> np.ndarray:
    """Per row: False for every copy of a v2 unique key repeated on another row; a row with a missing part is never a copy."""
    return ~repeated([table.column(name) for name in key])


def primary_key_passes(table: pa.Table, key: tuple[str, ...]) -> np.ndarray:
    """Per row: False for every repeat of a key after its first occurrence (missing parts equal to missing ones)."""
    columns = [table.column(name) for name in key]
    if strictly_increasing(columns):  # canonical, key-sorted: no repeats, no hashing
        return np.ones(table.num_rows, dtype=bool)
    return firsts(group_ids(columns))


def _numeric(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind) or pa.types.is_boolean(kind)


def _text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _tuples_found(keys: list[Column], reference: list[Column]) -> np.ndarray:
    """Per row of keys: its tuple is one of reference's tuples without a missing part (pandas' MultiIndex.isin on object
    values: numbers equal as numbers, 1 == 1.0 == True; values of other different types never equal)."""
    n = len(keys[0])
    joint = []
    for key, ref in zip(keys, reference, strict=True):
        if key.type != ref.type:
            common = pa.float64() if _numeric(key.type) and _numeric(ref.type) else pa.large_string() if _text(key.type) and _text(ref.type) else None
            if common is None:
                return np.zeros(n, dtype=bool)
            key, ref = pc.cast(key, common, safe=False), pc.cast(ref, common, safe=False)
        key_chunks = key.chunks if isinstance(key, pa.ChunkedArray) else [key]
        ref_chunks = ref.chunks if isinstance(ref, pa.ChunkedArray) else [ref]
        joint.append(pa.chunked_array(key_chunks + ref_chunks, key.type))
    ids = group_ids(joint)  # a reference tuple with a missing part (pandas drops it) can equal only a key with one, which passes anyway
    return np.isin(ids[:n], ids[n:])


def foreign_key_passes(table: pa.Table, fk: ForeignKey, target: pa.Table | None, key_cache: dict[tuple[str, str], object]) -> np.ndarray:
    """Per row: the key tuple has an empty part or exists in the referenced fields (target None: this same table)."""
    reference = table if target is None else target
    if len(fk.fields) == 1:
        values = table.column(fk.fields[0])
        column = reference.column(fk.reference_fields[0])
        found = isin(values, column) if target is None else isin_prepared(values, column, key_cache, (fk.resource, fk.reference_fields[0]))
        return missing(values) | found
    keys = [table.column(name) for name in fk.fields]
    empty = np.logical_or.reduce([missing(k) for k in keys])
    return empty | _tuples_found(keys, [reference.column(name) for name in fk.reference_fields])


def blank_rows(table: pa.Table) -> np.ndarray:
    """Per row: every cell missing (pandera passes a frame-wide check on such a row)."""
    blank = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        if column.null_count == 0 and not pa.types.is_floating(column.type):
            return np.zeros(table.num_rows, dtype=bool)  # a column without a missing cell: no row is blank
        blank &= missing(column)
    return blank
