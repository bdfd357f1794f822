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
from karabakh_timeline.policy.profile import TIMELINE, active_profile, keep
from karabakh_timeline.policy.retirement import Retired, retired_for
from karabakh_timeline.read.typed import TypedTable
from karabakh_timeline.schema.descriptor import Package, PackageError, open_package
from karabakh_timeline.vocabulary.issues import Issue

# --- comparing packages ----------------------------------------------------------------------


def diff_packages(old: str, new: str | None = None, *, tables: tuple[str, ...] | list[str] = (), key: tuple[str, ...] = ()) -> DiffResult:
    """Compare package OLD with NEW (default: the working tree); each is a path, a zip or a git revision.

    key (FIELD, ...) matches rows on those fields instead of the primary key, in every table in scope that has them.
    """
    with tempfile.TemporaryDirectory(prefix="karabakh-timeline-diff-") as tmp:
        old_side = resolve(old, Path(tmp) / "old")
        new_side = resolve(new, Path(tmp) / "new")
        return compare_packages(open_package(old_side.descriptor), open_package(new_side.descriptor), old_side, new_side, tables, key)


def _broken(package: Package) -> dict[str, Issue]:
    """Resources named in the descriptor that could not be opened, with the first issue of each."""
    out: dict[str, Issue] = {}
    for issue in package.issues:
        if issue.table is not None:
            out.setdefault(issue.table, issue)
    return out


def _unreadable(result: DiffResult, name: str, label: str, issue: Issue) -> None:
    """Record a table that one side cannot read: an error of the result (exit 3), never a table silently dropped."""
    message = issue.message if issue.message.startswith(label) else f"{label}: {issue.message}"
    found = Issue(issue.code, message, name, issue.line, issue.field, issue.value, "error")
    result.issues.append(found)
    previous = result.tables.get(name)
    note = found.message if previous is None or previous.note is None else f"{previous.note}; {found.message}"
    result.tables[name] = TableDiff(name, "unreadable", note=note)


def _one_side(result: DiffResult, package: Package, name: str, label: str, added: bool) -> TypedTable | None:
    """A table on one side only: reported as added (or removed) with its row count, or as unreadable."""
    t, warnings, failed = _read(package, name, label)
    if t is None or failed is not None:
        _unreadable(result, name, label, failed or Issue("file-unreadable", "unreadable", name))
        return None
    result.warnings += warnings
    status, kind = ("added", "table-added") if added else ("removed", "table-removed")
    count = len(t.lines)
    result.tables[name] = TableDiff(name, status, t.schema.primary_key, old_rows=None if added else count, new_rows=count if added else None,
                                    schema=[change(kind, f"table {status}", name)])
    return t


def _read(package: Package, name: str, label: str) -> tuple[TypedTable | None, list[Issue], Issue | None]:
    """(table, warnings kept under the package's profile, None), or (None, [], the issue) when the table cannot be read."""
    try:
        t, warnings = read_side(package, name, label)
    except PackageError as exc:
        return None, [], exc.issue
    return t, keep(warnings, active_profile(package.descriptor)[0]), None


def compare_packages(old: Package, new: Package, old_side: Side, new_side: Side, tables: tuple[str, ...] | list[str] = (),
                     key: tuple[str, ...] = ()) -> DiffResult:
    """Compare two opened packages, table by table (both sides of one table in memory at a time)."""
    broken_old, broken_new = _broken(old), _broken(new)
    names = list(dict.fromkeys([*old.resources, *broken_old, *new.resources, *broken_new]))
    unknown = [t for t in tables if t not in names]
    if unknown:
        raise DiffUsageError(f"no table {', '.join(map(repr, unknown))} in OLD or NEW; tables are {', '.join(names)}")
    scope = [n for n in names if not tables or n in tables]
    if key and not any(_has_key(old, n, key) and _has_key(new, n, key) for n in scope):
        raise DiffUsageError(f"--key {','.join(key)}: no table in scope has these fields on both sides")
    labels = (f"OLD ({old_side.label})", f"NEW ({new_side.label})")
    check_opened(old, labels[0], set())
    check_opened(new, labels[1], {"retired_ids"})
    result = DiffResult(old_side, new_side, old.version, new.version, metadata_changes(old.descriptor, new.descriptor))
    retired, id_tables, warnings = read_retired(new, labels[1])
    if active_profile(new.descriptor)[0] != TIMELINE:
        id_tables = set()  # retired IDs are the timeline's policy: another package's rows may come and go freely
    if "retired_ids" not in scope:
        result.warnings += warnings  # in scope, the table's own reading reports them
    with ThreadPoolExecutor(max_workers=2) as pool:
        for name in scope:
            if name in broken_old or name in broken_new:
                for label, broken in zip(labels, (broken_old, broken_new), strict=True):
                    if name in broken:
                        _unreadable(result, name, label, broken[name])
                continue
            if name not in new.resources or name not in old.resources:  # on one side only: read to count its rows
                added = name not in old.resources
                t = _one_side(result, new if added else old, name, labels[1] if added else labels[0], added)
                if t is not None and added:
                    _check_reuse(result, name, t, retired, id_tables)
                continue
            # Both sides of a table are read side by side (pyarrow releases the GIL), one table at a time.
            got_old, got_new = pool.submit(_read, old, name, labels[0]), pool.submit(_read, new, name, labels[1])
            (t_old, warn_old, fail_old), (t_new, warn_new, fail_new) = got_old.result(), got_new.result()
            if t_old is None or t_new is None:
                for label, failed in zip(labels, (fail_old, fail_new), strict=True):
                    if failed is not None:
                        _unreadable(result, name, label, failed)
                continue
            result.warnings += warn_old + warn_new
            changes = resource_changes(name, old.descriptor, new.descriptor) + schema_changes(name, t_old.schema, t_new.schema)
            table_key = key if key and _has_key(old, name, key) and _has_key(new, name, key) else None
            rows = diff_rows(t_old, t_new, result.warnings, labels, table_key)
            status = "changed" if changes or rows.added or rows.removed or rows.changed else "unchanged"
            table = TableDiff(name, status, rows.key, len(t_old.lines), len(t_new.lines), rows.added, rows.removed, rows.changed,
                              rows.unchanged, rows.fields_changed, changes, rows.note)
            result.tables[name] = table
            _check_removals(result, table, retired, id_tables)
            _check_reuse(result, name, t_new, retired, id_tables)
    result.issues.sort(key=Issue.sort_key)
    return result


def _has_key(package: Package, name: str, key: tuple[str, ...]) -> bool:
    resource = package.resources.get(name)
    return resource is not None and set(key) <= set(resource.schema.field_names)


def _check_removals(result: DiffResult, table: TableDiff, retired: Retired, id_tables: set[str]) -> None:
    if table.name not in id_tables or len(table.key) != 1:
        return
    (key,) = table.key
    recorded = retired_for(retired, table.name)
    for row in table.removed:
        rid = row.key.get(key)
        if rid is not None and rid not in recorded:
            result.issues.append(Issue("unrecorded-removal", f"{rid} was removed from {table.name} but NEW's retired_ids has no entry for it",
                                       table.name, None, key, rid))


def _check_reuse(result: DiffResult, name: str, t: TypedTable, retired: Retired, id_tables: set[str]) -> None:
    ids = retired_for(retired, name)
    if name not in id_tables or len(t.schema.primary_key) != 1 or not ids:
        return
    (key,) = t.schema.primary_key
    column = t.column(key).combine_chunks()
    hits = np.flatnonzero(pc.fill_null(pc.is_in(column, value_set=pa.array(sorted(ids), column.type)), False).to_numpy(zero_copy_only=False))
    for i in hits:
        rid = column[int(i)].as_py()
        result.issues.append(Issue("retired-id-reused", f"{rid} is listed in NEW's retired_ids but is a row of {name} again",
                                   name, int(t.lines[i]), key, rid))


# --- schema and metadata ---------------------------------------------------------------------
