"""The registry of diff change kinds: every change the diff reports has one entry here, with the
semver level it requires and a title (README's verdict table is generated from this registry).

A kind whose level depends on the attribute that changed (package metadata, resource properties)
lists the exceptions in by_attribute, so no call site writes a level itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_READ_PROPERTIES = ("path", "format", "mediatype", "encoding", "dialect", "scheme", "compression")  # change how a file is read


@dataclass(frozen=True)
class Kind:
    """One kind of change: its name, the bump it requires, and what it means."""

    name: str
    level: str  # major, minor, patch or none
    title: str
    by_attribute: dict[str, str] = field(default_factory=dict)  # attribute -> level where it differs from level

    def level_for(self, attribute: str | None = None) -> str:
        """The level of this kind of change to attribute."""
        return self.by_attribute.get(attribute or "", self.level)


_KINDS = [
    # Tables.
    Kind("table-added", "minor", "A table added."),
    Kind("table-removed", "major", "A table removed."),
    # Rows (the verdict's row reasons; rows are listed, not reported as changes).
    Kind("rows-added", "minor", "Rows added."),
    Kind("rows-removed", "minor", "Rows removed (their IDs retired)."),
    Kind("values-changed", "patch", "Values corrected in existing rows."),
    # Fields.
    Kind("field-added", "minor", "A field added."),
    Kind("field-removed", "major", "A field removed (a rename is a removal plus an addition)."),
    Kind("fields-reordered", "major", "The fields shared by both sides are in another order."),
    Kind("type-changed", "major", "A field's type changed."),
    Kind("format-changed", "major", "A field's format changed."),
    Kind("description-changed", "patch", "A field's or table's description changed."),
    # Constraints.
    Kind("constraint-tightened", "major", "A constraint tightened: required or unique added, minimum raised, maximum lowered, a pattern or an enum added."),
    Kind("constraint-loosened", "minor", "A constraint loosened: required or unique dropped, minimum lowered, maximum raised, a pattern or an enum dropped."),
    Kind("constraint-changed", "major", "A constraint changed in a way that may reject what was valid (a different pattern, an incomparable bound)."),
    Kind("enum-values-added", "minor", "Allowed values added to an enum."),
    Kind("enum-values-removed", "major", "Allowed values removed from an enum."),
    Kind("enum-reordered", "patch", "An enum's values reordered."),
    # Keys and missing values.
    Kind("primary-key-changed", "major", "The primary key changed."),
    Kind("foreign-key-added", "major", "A foreign key added."),
    Kind("foreign-key-removed", "major", "A foreign key removed."),
    Kind("missing-values-changed", "major", "missingValues changed."),
    # Package and resource metadata.
    Kind("metadata-changed", "patch", "A package property changed (the name: major; the version alone needs no bump).",
         {"version": "none", "name": "major"}),
    Kind("resource-changed", "patch", "A resource property changed (path, format, encoding and other properties that change how the file is read: major).",
         dict.fromkeys(_READ_PROPERTIES, "major")),
]

KINDS: dict[str, Kind] = {k.name: k for k in _KINDS}


@dataclass(frozen=True)
class Change:
    """One change to the package's metadata or a table's schema, with the bump it requires."""

    kind: str  # a name in KINDS
    level: str  # major, minor, patch or none (from the registry)
    message: str
    table: str | None = None
    field: str | None = None
    attribute: str | None = None  # the property or constraint concerned (version, enum, maxLength...)
    old: Any = None
    new: Any = None


def change(kind: str, message: str, table: str | None = None, field: str | None = None, attribute: str | None = None,
           old: Any = None, new: Any = None) -> Change:
    """A Change of a registered kind, its level looked up in the registry (KeyError for an unknown kind: a bug)."""
    return Change(kind, KINDS[kind].level_for(attribute), message, table, field, attribute, old, new)
