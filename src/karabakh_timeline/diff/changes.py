"""Schema and metadata changes between two versions: fields, constraints, keys, package and resource properties.

Each change is of a kind registered in diff.kinds, which also gives its semver level.
"""
from __future__ import annotations

from typing import Any

from karabakh_timeline.diff.kinds import Change, change
from karabakh_timeline.schema.table_schema import TableSchema

# How a constraint moved -> its kind (a changed pattern may reject what was valid, so it is major).
_CONSTRAINT_KINDS = {"tightened": "constraint-tightened", "loosened": "constraint-loosened", "changed": "constraint-changed"}


def metadata_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Package properties (all but resources) that differ; version needs no bump, name a major one."""
    out = []
    for prop in dict.fromkeys([*old, *new]):
        if prop == "resources" or old.get(prop) == new.get(prop):
            continue
        out.append(change("metadata-changed", f"package {prop} changed", attribute=prop, old=old.get(prop), new=new.get(prop)))
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
        out.append(change("resource-changed", f"resource {prop} changed", name, attribute=prop, old=a.get(prop), new=b.get(prop)))
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
                kind = "constraint-tightened" if a is None else "constraint-loosened"
                out.append(change(kind, f"{fname}: enum {'added' if a is None else 'dropped'}", table, fname, prop, a, b))
                continue
            gone, came = [v for v in a if v not in b], [v for v in b if v not in a]
            if gone:
                out.append(change("enum-values-removed", f"{fname}: enum values removed: {', '.join(map(str, gone))}", table, fname, prop, a, b))
            if came:
                out.append(change("enum-values-added", f"{fname}: enum values added: {', '.join(map(str, came))}", table, fname, prop, a, b))
            if not gone and not came:
                out.append(change("enum-reordered", f"{fname}: enum values reordered", table, fname, prop, a, b))
            continue
        if prop in ("required", "unique"):
            how = "tightened" if b and not a else "loosened"
        elif prop == "pattern":
            how = "tightened" if a is None else "loosened" if b is None else "changed"
        else:
            how = _bound(a, b, lower=prop in ("minimum", "minLength"))
        out.append(change(_CONSTRAINT_KINDS[how], f"{fname}: {prop} {how} ({a!r} -> {b!r})", table, fname, prop, a, b))
    return out


def schema_changes(table: str, old: TableSchema, new: TableSchema) -> list[Change]:
    """Field, constraint and key changes between two Table Schemas of one table."""
    out = []
    old_names, new_names = old.field_names, new.field_names
    for f in old.fields:
        if f.name not in new_names:
            out.append(change("field-removed", f"field {f.name} removed", table, f.name, old=f.type))
    for f in new.fields:
        if f.name not in old_names:
            out.append(change("field-added", f"field {f.name} added ({f.type})", table, f.name, new=f.type))
    common_old = [n for n in old_names if n in new_names]
    common_new = [n for n in new_names if n in old_names]
    if common_old != common_new:
        out.append(change("fields-reordered", "fields reordered", table, old=common_old, new=common_new))
    for name in common_new:
        a, b = old.field(name), new.field(name)
        if a.type != b.type:
            out.append(change("type-changed", f"{name}: type changed ({a.type} -> {b.type})", table, name, "type", a.type, b.type))
        if a.format != b.format:
            out.append(change("format-changed", f"{name}: format changed ({a.format} -> {b.format})", table, name, "format", a.format, b.format))
        out += _constraint_changes(table, name, a.constraints, b.constraints)
        if a.description != b.description:
            out.append(change("description-changed", f"{name}: description changed", table, name, "description", a.description, b.description))
    if old.primary_key != new.primary_key:
        out.append(change("primary-key-changed", f"primary key changed ({', '.join(old.primary_key)} -> {', '.join(new.primary_key)})",
                          table, attribute="primaryKey", old=list(old.primary_key), new=list(new.primary_key)))
    fk_old = {(fk.fields, fk.resource, fk.reference_fields) for fk in old.foreign_keys}
    fk_new = {(fk.fields, fk.resource, fk.reference_fields) for fk in new.foreign_keys}
    for fields, resource, ref in sorted(fk_old - fk_new):
        out.append(change("foreign-key-removed", f"foreign key {','.join(fields)} -> {resource}.{','.join(ref)} removed", table,
                          attribute="foreignKeys", old={"fields": list(fields), "resource": resource, "reference_fields": list(ref)}))
    for fields, resource, ref in sorted(fk_new - fk_old):
        out.append(change("foreign-key-added", f"foreign key {','.join(fields)} -> {resource}.{','.join(ref)} added", table,
                          attribute="foreignKeys", new={"fields": list(fields), "resource": resource, "reference_fields": list(ref)}))
    if old.missing_values != new.missing_values:
        out.append(change("missing-values-changed", "missingValues changed", table, attribute="missingValues",
                          old=list(old.missing_values), new=list(new.missing_values)))
    if old.description != new.description:
        out.append(change("description-changed", "table description changed", table, attribute="description", old=old.description, new=new.description))
    return out
