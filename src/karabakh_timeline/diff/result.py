"""The result of a diff: per-table differences, metadata changes, issues, the semver verdict and the version check."""
from __future__ import annotations

from dataclasses import dataclass, field

from karabakh_timeline.diff.inputs import Side
from karabakh_timeline.diff.kinds import KINDS, Change
from karabakh_timeline.diff.rows import RowChange, RowRecord
from karabakh_timeline.policy.versioning import VersionCheck, at_least, check_versions
from karabakh_timeline.support.text import plural
from karabakh_timeline.vocabulary.exits import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE
from karabakh_timeline.vocabulary.issues import Issue


class DiffUsageError(ValueError):
    """The arguments cannot be honoured (e.g. --table names a table neither side has): exit 2."""


@dataclass
class TableDiff:
    """Everything that changed in one table."""

    name: str
    status: str  # added, removed, changed, unchanged, or unreadable (on either side: see note)
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


@dataclass
class DiffResult:
    """The only result of a diff, rendered by diff.render."""

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
                out.append((KINDS["rows-added"].level, f"{t.name}: {plural(len(t.added), 'row')} added"))
            if t.removed:
                out.append((KINDS["rows-removed"].level, f"{t.name}: {plural(len(t.removed), 'row')} removed"))
            if t.changed:
                cells = sum(t.fields_changed.values())
                out.append((KINDS["values-changed"].level, f"{t.name}: {plural(cells, 'value')} changed in {plural(len(t.changed), 'row')}"))
        return out

    @property
    def verdict(self) -> str:
        """The bump the changes require: major, minor, patch or none."""
        return at_least(*(level for level, _ in self.reasons()))

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
        """Compare NEW's version bump over OLD's with the verdict (policy.versioning)."""
        return check_versions(self.old_version, self.new_version, self.verdict)

    @property
    def unreadable(self) -> list[TableDiff]:
        """Tables that OLD or NEW cannot read: they were not compared, and the diff cannot say they are unchanged."""
        return [t for t in self.tables.values() if t.status == "unreadable"]

    def exit_code(self, check_version: bool = False) -> int:
        """diff(1) codes: 0 no differences, 1 differences, 3 a table could not be read on a side;
        with check_version, 1 when the bump is short or an error was found."""
        if self.unreadable:
            return EXIT_UNREADABLE
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
