"""Comparing two versions of the data package: metadata, schemas (diff.changes) and rows (diff.rows) table by table.

The result (diff.result) carries a semver verdict after the Frictionless "Data Package Version"
recipe, the check that NEW's version is bumped enough (policy.versioning), and the removal rules
(policy.retirement): an ID that disappears must be recorded in NEW's retired_ids, and a retired ID
must not come back.
"""
from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.diff.changes import metadata_changes, resource_changes, schema_changes
from karabakh_timeline.diff.inputs import Side, check_opened, read_retired, read_side, resolve
from karabakh_timeline.diff.kinds import change
from karabakh_timeline.diff.result import DiffResult, DiffUsageError, TableDiff
from karabakh_timeline.diff.rows import diff_rows
from karabakh_timeline.policy.retirement import Retired, retired_for
from karabakh_timeline.read.typed import TypedTable
from karabakh_timeline.schema.descriptor import Package, open_package
from karabakh_timeline.vocabulary.issues import Issue

# --- comparing packages ----------------------------------------------------------------------


def diff_packages(old: str, new: str | None = None, *, tables: tuple[str, ...] | list[str] = ()) -> DiffResult:
    """Compare package OLD with NEW (default: the working tree); each is a path, a zip or a git revision."""
    with tempfile.TemporaryDirectory(prefix="karabakh-timeline-diff-") as tmp:
        old_side = resolve(old, Path(tmp) / "old")
        new_side = resolve(new, Path(tmp) / "new")
        return compare_packages(open_package(old_side.descriptor), open_package(new_side.descriptor), old_side, new_side, tables)


def compare_packages(old: Package, new: Package, old_side: Side, new_side: Side, tables: tuple[str, ...] | list[str] = ()) -> DiffResult:
    """Compare two opened packages, table by table (both sides of one table in memory at a time)."""
    names = list(dict.fromkeys([*old.resources, *new.resources]))
    unknown = [t for t in tables if t not in names]
    if unknown:
        raise DiffUsageError(f"no table {', '.join(map(repr, unknown))} in OLD or NEW; tables are {', '.join(names)}")
    scope = [n for n in names if not tables or n in tables]
    labels = (f"OLD ({old_side.label})", f"NEW ({new_side.label})")
    check_opened(old, labels[0], set(scope))
    check_opened(new, labels[1], set(scope) | {"retired_ids"})
    result = DiffResult(old_side, new_side, old.version, new.version, metadata_changes(old.descriptor, new.descriptor))
    retired, id_tables, warnings = read_retired(new, labels[1])
    if "retired_ids" not in scope:
        result.warnings += warnings  # in scope, the table's own reading reports them
    with ThreadPoolExecutor(max_workers=2) as pool:
        for name in scope:
            if name not in new.resources:  # read only to count its rows
                t, warnings = read_side(old, name, labels[0])
                result.warnings += warnings
                result.tables[name] = TableDiff(name, "removed", t.schema.primary_key, old_rows=len(t.lines),
                                                schema=[change("table-removed", "table removed", name)])
                continue
            if name not in old.resources:
                t, warnings = read_side(new, name, labels[1])
                result.warnings += warnings
                result.tables[name] = TableDiff(name, "added", t.schema.primary_key, new_rows=len(t.lines),
                                                schema=[change("table-added", "table added", name)])
                _check_reuse(result, name, t, retired, id_tables)
                continue
            # Both sides of a table are read side by side (pyarrow releases the GIL), one table at a time.
            got_old, got_new = pool.submit(read_side, old, name, labels[0]), pool.submit(read_side, new, name, labels[1])
            (t_old, warn_old), (t_new, warn_new) = got_old.result(), got_new.result()
            result.warnings += warn_old + warn_new
            changes = resource_changes(name, old.descriptor, new.descriptor) + schema_changes(name, t_old.schema, t_new.schema)
            rows = diff_rows(t_old, t_new, result.warnings, labels)
            status = "changed" if changes or rows.added or rows.removed or rows.changed else "unchanged"
            table = TableDiff(name, status, rows.key, len(t_old.lines), len(t_new.lines), rows.added, rows.removed, rows.changed,
                              rows.unchanged, rows.fields_changed, changes, rows.note)
            result.tables[name] = table
            _check_removals(result, table, retired, id_tables)
            _check_reuse(result, name, t_new, retired, id_tables)
    result.issues.sort(key=Issue.sort_key)
    return result


def _check_removals(result: DiffResult, table: TableDiff, retired: Retired, id_tables: set[str]) -> None:
    if table.name not in id_tables or len(table.key) != 1:
        return
    (key,) = table.key
    recorded = retired_for(retired, table.name)
    for row in table.removed:
        rid = row.key[key]
        if rid not in recorded:
            result.issues.append(Issue("unrecorded-removal", f"{rid} was removed from {table.name} but NEW's retired_ids has no entry for it",
                                       table.name, None, key, rid))


def _check_reuse(result: DiffResult, name: str, t: TypedTable, retired: Retired, id_tables: set[str]) -> None:
    ids = retired_for(retired, name)
    if name not in id_tables or len(t.schema.primary_key) != 1 or not ids:
        return
    (key,) = t.schema.primary_key
    column = t.arrow[key].combine_chunks() if t.arrow is not None else pa.Array.from_pandas(t.frame[key])
    hits = np.flatnonzero(pc.fill_null(pc.is_in(column, value_set=pa.array(sorted(ids), column.type)), False).to_numpy(zero_copy_only=False))
    for i in hits:
        rid = column[int(i)].as_py()
        result.issues.append(Issue("retired-id-reused", f"{rid} is listed in NEW's retired_ids but is a row of {name} again",
                                   name, int(t.lines[i]), key, rid))


# --- schema and metadata ---------------------------------------------------------------------
