"""Comparing two versions of the data package: metadata, schemas, and rows (rowdiff.py) table by table.

The result carries a semver verdict after the Frictionless "Data Package Version" recipe, the
check that NEW's version is bumped enough, and the removal rules: an ID that disappears must be
recorded in NEW's retired_ids, and a retired ID must not come back.
"""
from __future__ import annotations

import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from karabakh_timeline.diff.inputs import Side, check_opened, read_side, resolve, retired_ids
from karabakh_timeline.diff.rows import RowChange, RowRecord, diff_rows
from karabakh_timeline.read.typed import TypedTable
from karabakh_timeline.schema.descriptor import Package, open_package
from karabakh_timeline.schema.table_schema import TableSchema
from karabakh_timeline.vocabulary.exits import EXIT_INVALID, EXIT_OK
from karabakh_timeline.vocabulary.issues import Issue

LEVELS = ("none", "patch", "minor", "major")
_READ_PROPERTIES = {"path", "format", "mediatype", "encoding", "dialect", "scheme", "compression"}


class DiffUsageError(ValueError):
    """The arguments cannot be honoured (e.g. --table names a table neither side has): exit 2."""


@dataclass(frozen=True)
class Change:
    """One change to the package's metadata or a table's schema, with the bump it requires."""

    kind: str  # e.g. field-added, constraint-tightened, metadata-changed
    level: str  # major, minor, patch or none
    message: str
    table: str | None = None
    field: str | None = None
    attribute: str | None = None  # the property or constraint concerned (version, enum, maxLength...)
    old: Any = None
    new: Any = None


@dataclass
class TableDiff:
    """Everything that changed in one table."""

    name: str
    status: str  # added, removed, changed or unchanged
    key: tuple[str, ...] = ()
    old_rows: int | None = None
    new_rows: int | None = None
    added: list[RowRecord] = field(default_factory=list)
    removed: list[RowRecord] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    unchanged: int = 0
    fields_changed: dict[str, int] = field(default_factory=dict)  # field -> number of changed cells
    schema: list[Change] = field(default_factory=list)
    note: str | None = None  # why rows were not compared, when they were not

    @property
    def rows_added(self) -> int:
        """Rows added (every row of an added table)."""
        return (self.new_rows or 0) if self.status == "added" else len(self.added)

    @property
    def rows_removed(self) -> int:
        """Rows removed (every row of a removed table)."""
        return (self.old_rows or 0) if self.status == "removed" else len(self.removed)


@dataclass(frozen=True)
class VersionCheck:
    """Is NEW's version at least the bump the changes require over OLD's?"""

    old: str | None
    new: str | None
    bump: str | None  # none, patch, minor, major, downgrade; None when a version is not semver
    required: str
    sufficient: bool
    message: str


@dataclass
class DiffResult:
    """The only result of a diff, rendered by render_diff.py."""

    old: Side
    new: Side
    old_version: str | None
    new_version: str | None
    metadata: list[Change] = field(default_factory=list)
    tables: dict[str, TableDiff] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)  # unrecorded-removal, retired-id-reused
    warnings: list[Issue] = field(default_factory=list)  # reading problems that did not stop the comparison

    def reasons(self) -> list[tuple[str, str]]:
        """Every change as (level, one-line reason), in report order."""
        out = [(c.level, c.message) for c in self.metadata]
        for t in self.tables.values():
            out += [(c.level, f"{t.name}: {c.message}") for c in t.schema]
            if t.status in ("added", "removed"):
                continue
            if t.added:
                out.append(("minor", f"{t.name}: {_count(len(t.added), 'row')} added"))
            if t.removed:
                out.append(("minor", f"{t.name}: {_count(len(t.removed), 'row')} removed"))
            if t.changed:
                cells = sum(t.fields_changed.values())
                out.append(("patch", f"{t.name}: {_count(cells, 'value')} changed in {_count(len(t.changed), 'row')}"))
        return out

    @property
    def verdict(self) -> str:
        """The bump the changes require: major, minor, patch or none."""
        return max((level for level, _ in self.reasons()), key=LEVELS.index, default="none")

    def verdict_reasons(self) -> list[str]:
        """The reasons at the verdict's level."""
        verdict = self.verdict
        return [text for level, text in self.reasons() if level == verdict and level != "none"]

    @property
    def differs(self) -> bool:
        """True when anything at all differs (metadata, schema or rows)."""
        return bool(self.metadata) or any(t.status != "unchanged" for t in self.tables.values())

    @property
    def errors(self) -> list[Issue]:
        """Issues of severity error (they fail --check-version)."""
        return [i for i in self.issues if i.severity == "error"]

    def version_check(self) -> VersionCheck:
        """Compare NEW's version bump over OLD's with the verdict."""
        required, old, new = self.verdict, self.old_version, self.new_version
        bump = bump_between(old, new)
        if required == "none":
            return VersionCheck(old, new, bump, required, True, f"no change requires a version bump (version {old} -> {new})")
        if bump is None:
            return VersionCheck(old, new, bump, required, False,
                                f"cannot compare versions {old!r} and {new!r} (not MAJOR.MINOR.PATCH); the changes need a {required} bump")
        ok = bump in LEVELS and LEVELS.index(bump) >= LEVELS.index(required)
        done = "no version change" if bump == "none" else "a downgrade" if bump == "downgrade" else f"a {bump} bump"
        return VersionCheck(old, new, bump, required, ok,
                            f"version {old} -> {new} is {done}; the changes need a {required} bump: {'enough' if ok else 'not enough'}")

    def exit_code(self, check_version: bool = False) -> int:
        """diff(1) codes: 0 no differences, 1 differences; with check_version, 1 when the bump is short or an error was found."""
        if check_version:
            return EXIT_OK if self.version_check().sufficient and not self.errors else EXIT_INVALID
        return EXIT_INVALID if self.differs else EXIT_OK

    def summary(self) -> dict[str, int]:
        """Counts over all tables."""
        tables = self.tables.values()
        return {
            "tables_added": sum(t.status == "added" for t in tables),
            "tables_removed": sum(t.status == "removed" for t in tables),
            "tables_changed": sum(t.status == "changed" for t in tables),
            "rows_added": sum(t.rows_added for t in tables),
            "rows_removed": sum(t.rows_removed for t in tables),
            "rows_changed": sum(len(t.changed) for t in tables),
            "cells_changed": sum(sum(t.fields_changed.values()) for t in tables),
            "schema_changes": sum(len(t.schema) for t in tables),
            "metadata_changes": len(self.metadata),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


_SEMVER = re.compile(r"^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:[-+].*)?$")


def bump_between(old: str | None, new: str | None) -> str | None:
    """The bump from version old to new: none, patch, minor, major or downgrade; None unless both are semver."""
    m_old, m_new = _SEMVER.match(str(old or "")), _SEMVER.match(str(new or ""))
    if not m_old or not m_new:
        return None
    a, b = tuple(map(int, m_old.groups())), tuple(map(int, m_new.groups()))
    if b < a:
        return "downgrade"
    return "none" if a == b else "major" if b[0] > a[0] else "minor" if b[1] > a[1] else "patch"


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
    retired, id_tables, warnings = retired_ids(new, labels[1])
    if "retired_ids" not in scope:
        result.warnings += warnings  # in scope, the table's own reading reports them
    with ThreadPoolExecutor(max_workers=2) as pool:
        for name in scope:
            if name not in new.resources:  # read only to count its rows
                t, warnings = read_side(old, name, labels[0])
                result.warnings += warnings
                result.tables[name] = TableDiff(name, "removed", t.schema.primary_key, old_rows=len(t.lines),
                                                schema=[Change("table-removed", "major", "table removed", name)])
                continue
            if name not in old.resources:
                t, warnings = read_side(new, name, labels[1])
                result.warnings += warnings
                result.tables[name] = TableDiff(name, "added", t.schema.primary_key, new_rows=len(t.lines),
                                                schema=[Change("table-added", "minor", "table added", name)])
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


def _retired_for(retired: dict[str, set[str]], table: str) -> set[str]:
    return retired.get(table, set()) | retired.get("*", set())


def _check_removals(result: DiffResult, table: TableDiff, retired: dict[str, set[str]], id_tables: set[str]) -> None:
    if table.name not in id_tables or len(table.key) != 1:
        return
    (key,) = table.key
    recorded = _retired_for(retired, table.name)
    for row in table.removed:
        rid = row.key[key]
        if rid not in recorded:
            result.issues.append(Issue("unrecorded-removal", f"{rid} was removed from {table.name} but NEW's retired_ids has no entry for it",
                                       table.name, None, key, rid))


def _check_reuse(result: DiffResult, name: str, t: TypedTable, retired: dict[str, set[str]], id_tables: set[str]) -> None:
    ids = _retired_for(retired, name)
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


def metadata_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Package properties (all but resources) that differ; version needs no bump, name a major one."""
    out = []
    for prop in dict.fromkeys([*old, *new]):
        if prop == "resources" or old.get(prop) == new.get(prop):
            continue
        level = "none" if prop == "version" else "major" if prop == "name" else "patch"
        out.append(Change("metadata-changed", level, f"package {prop} changed", attribute=prop, old=old.get(prop), new=new.get(prop)))
    return out


def resource_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Resource properties that differ (the schema is compared field by field elsewhere)."""
    def find(descriptor: dict[str, Any]) -> dict[str, Any]:
        return next((r for r in descriptor.get("resources", []) if isinstance(r, dict) and r.get("name") == name), {})

    a, b = find(old), find(new)
    out = []
    for prop in dict.fromkeys([*a, *b]):
        if prop in ("name", "schema") or a.get(prop) == b.get(prop):
            continue
        level = "major" if prop in _READ_PROPERTIES else "patch"
        out.append(Change("resource-changed", level, f"resource {prop} changed", name, attribute=prop, old=a.get(prop), new=b.get(prop)))
    return out


def _bound(old: Any, new: Any, lower: bool) -> str:
    """tightened, loosened or changed, for a minimum-like (lower) or maximum-like bound."""
    if old is None:
        return "tightened"
    if new is None:
        return "loosened"
    try:
        higher = new > old
    except TypeError:
        return "changed"
    return "tightened" if higher == lower else "loosened"


def _constraint_changes(table: str, fname: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out = []
    for prop in dict.fromkeys([*old, *new]):
        a, b = old.get(prop), new.get(prop)
        if a == b:
            continue
        if prop == "enum":
            if a is None or b is None:
                how = "tightened" if a is None else "loosened"
                out.append(Change(f"constraint-{how}", "major" if a is None else "minor", f"{fname}: enum {'added' if a is None else 'dropped'}",
                                  table, fname, prop, a, b))
                continue
            gone, came = [v for v in a if v not in b], [v for v in b if v not in a]
            if gone:
                out.append(Change("enum-values-removed", "major", f"{fname}: enum values removed: {', '.join(map(str, gone))}", table, fname, prop, a, b))
            if came:
                out.append(Change("enum-values-added", "minor", f"{fname}: enum values added: {', '.join(map(str, came))}", table, fname, prop, a, b))
            if not gone and not came:
                out.append(Change("enum-reordered", "patch", f"{fname}: enum values reordered", table, fname, prop, a, b))
            continue
        if prop in ("required", "unique"):
            how = "tightened" if b and not a else "loosened"
        elif prop == "pattern":
            how = "tightened" if a is None else "loosened" if b is None else "changed"
        else:
            how = _bound(a, b, lower=prop in ("minimum", "minLength"))
        level = "minor" if how == "loosened" else "major"  # a changed pattern may reject what was valid
        out.append(Change(f"constraint-{how}", level, f"{fname}: {prop} {how} ({a!r} -> {b!r})", table, fname, prop, a, b))
    return out


def schema_changes(table: str, old: TableSchema, new: TableSchema) -> list[Change]:
    """Field, constraint and key changes between two Table Schemas of one table."""
    out = []
    old_names, new_names = old.field_names, new.field_names
    for f in old.fields:
        if f.name not in new_names:
            out.append(Change("field-removed", "major", f"field {f.name} removed", table, f.name, old=f.type))
    for f in new.fields:
        if f.name not in old_names:
            out.append(Change("field-added", "minor", f"field {f.name} added ({f.type})", table, f.name, new=f.type))
    common_old = [n for n in old_names if n in new_names]
    common_new = [n for n in new_names if n in old_names]
    if common_old != common_new:
        out.append(Change("fields-reordered", "major", "fields reordered", table, old=common_old, new=common_new))
    for name in common_new:
        a, b = old.field(name), new.field(name)
        if a.type != b.type:
            out.append(Change("type-changed", "major", f"{name}: type changed ({a.type} -> {b.type})", table, name, "type", a.type, b.type))
        if a.format != b.format:
            out.append(Change("format-changed", "major", f"{name}: format changed ({a.format} -> {b.format})", table, name, "format", a.format, b.format))
        out += _constraint_changes(table, name, a.constraints, b.constraints)
        if a.description != b.description:
            out.append(Change("description-changed", "patch", f"{name}: description changed", table, name, "description", a.description, b.description))
    if old.primary_key != new.primary_key:
        out.append(Change("primary-key-changed", "major", f"primary key changed ({', '.join(old.primary_key)} -> {', '.join(new.primary_key)})",
                          table, attribute="primaryKey", old=list(old.primary_key), new=list(new.primary_key)))
    fk_old = {(fk.fields, fk.resource, fk.reference_fields) for fk in old.foreign_keys}
    fk_new = {(fk.fields, fk.resource, fk.reference_fields) for fk in new.foreign_keys}
    for fields, resource, ref in sorted(fk_old - fk_new):
        out.append(Change("foreign-key-removed", "major", f"foreign key {','.join(fields)} -> {resource}.{','.join(ref)} removed", table,
                          attribute="foreignKeys", old={"fields": list(fields), "resource": resource, "reference_fields": list(ref)}))
    for fields, resource, ref in sorted(fk_new - fk_old):
        out.append(Change("foreign-key-added", "major", f"foreign key {','.join(fields)} -> {resource}.{','.join(ref)} added", table,
                          attribute="foreignKeys", new={"fields": list(fields), "resource": resource, "reference_fields": list(ref)}))
    if old.missing_values != new.missing_values:
        out.append(Change("missing-values-changed", "major", "missingValues changed", table, attribute="missingValues",
                          old=list(old.missing_values), new=list(new.missing_values)))
    if old.description != new.description:
        out.append(Change("description-changed", "patch", "table description changed", table, attribute="description", old=old.description, new=new.description))
    return out


__all__ = [
    "LEVELS",
    "Change",
    "DiffResult",
    "DiffUsageError",
    "RowChange",
    "RowRecord",
    "TableDiff",
    "VersionCheck",
    "bump_between",
    "compare_packages",
    "diff_packages",
    "diff_rows",
    "metadata_changes",
    "schema_changes",
]
