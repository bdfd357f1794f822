"""Table Schemas: the one source of truth for fields, types, constraints and keys.

Everything else (reading, typing, pandera schemas, pandas dtypes, the R loader, the diff) derives
from the objects built here out of ``schemas/*.json`` and from the type table in ``types``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from karabakh_timeline.schema.types import TYPES as _TYPE_TABLE
from karabakh_timeline.schema.types import type_info

TYPES = tuple(_TYPE_TABLE)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CONSTRAINTS = ("required", "unique", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum")


class SchemaError(ValueError):
    """A Table Schema that this package cannot use."""


@dataclass(frozen=True)
class Field:
    """One field of a Table Schema."""

    name: str
    type: str
    description: str = ""
    format: str = "default"
    constraints: dict[str, Any] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        """True when the field may not be empty."""
        return bool(self.constraints.get("required"))

    @property
    def enum(self) -> list[Any] | None:
        """The allowed values, in the schema's order, or None."""
        return self.constraints.get("enum")

    def arrow_type(self) -> pa.DataType:
        """The Arrow type of this field's typed values (enums stay strings here)."""
        return type_info(self.type).arrow

    def pandas_dtype(self) -> Any:
        """The dtype of this field in frames returned by load()."""
        if self.enum is not None:
            return pd.CategoricalDtype(self.enum, ordered=False)
        return type_info(self.type).pandas


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key: fields of this table that must match fields of the referenced table."""

    fields: tuple[str, ...]
    resource: str  # "" in the descriptor means this same table; resolved to its name here
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class TableSchema:
    """A parsed, checked Table Schema."""

    name: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    missing_values: tuple[str, ...]
    description: str = ""

    @property
    def field_names(self) -> list[str]:
        """Field names in schema order."""
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        """The field called name."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def dtypes(self) -> dict[str, Any]:
        """pandas dtypes of every field, in schema order."""
        return {f.name: f.pandas_dtype() for f in self.fields}


def _as_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise SchemaError(f"expected a field name or a list of field names, got {value!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value and abs(value) != float("inf")


def _check_constraints(fname: str, ftype: str, constraints: dict[str, Any]) -> None:
    """Refuse a constraint of the wrong JSON type: it would silently turn its check off (or iterate a string)."""
    where = f"field {fname!r}: constraint"
    for key in ("required", "unique"):
        if key in constraints and not isinstance(constraints[key], bool):
            raise SchemaError(f"{where} {key} must be true or false, got {constraints[key]!r}")
    for key in ("minLength", "maxLength"):
        value = constraints.get(key)
        if key in constraints and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise SchemaError(f"{where} {key} must be a whole number >= 0, got {value!r}")
    for key in ("minimum", "maximum"):
        if key not in constraints:
            continue
        value = constraints[key]
        if ftype in ("integer", "number") and not _is_number(value):
            raise SchemaError(f"{where} {key} must be a number for a {ftype} field, got {value!r}")
        if ftype == "date" and not (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
            raise SchemaError(f"{where} {key} must be a date YYYY-MM-DD for a date field, got {value!r}")
        if ftype in ("string", "boolean"):
            raise SchemaError(f"{where} {key} does not apply to a {ftype} field")
    if "enum" in constraints:
        enum = constraints["enum"]
        if ftype != "string":
            raise SchemaError(f"{where} enum is supported on string fields only, not on a {ftype} field")
        if not isinstance(enum, list) or not enum or not all(isinstance(v, str) for v in enum):
            raise SchemaError(f"{where} enum must be a non-empty list of strings, got {enum!r:.80}")
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        if not isinstance(pattern, str):
            raise SchemaError(f"{where} pattern must be a string, got {pattern!r:.80}")
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError) as exc:
            raise SchemaError(f"{where} pattern {pattern!r:.80} is not a valid regular expression: {exc}") from exc


def parse_schema(name: str, descriptor: Any) -> TableSchema:
    """Build a TableSchema from its JSON descriptor, rejecting what this package cannot check."""
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("fields"), list):
        raise SchemaError("a Table Schema must be an object with a list of fields")
    fields = []
    for raw in descriptor["fields"]:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise SchemaError(f"every field needs a name: {raw!r}")
        ftype = raw.get("type", "string")
        if ftype not in TYPES:
            raise SchemaError(f"field {raw['name']!r}: type {ftype!r} is not one of {', '.join(TYPES)}")
        constraints = raw.get("constraints", {})
        if not isinstance(constraints, dict):
            raise SchemaError(f"field {raw['name']!r}: constraints must be an object, got {constraints!r:.80}")
        unknown = set(constraints) - set(CONSTRAINTS)
        if unknown:
            raise SchemaError(f"field {raw['name']!r}: unknown constraints {sorted(unknown)}")
        _check_constraints(raw["name"], ftype, constraints)
        for attr in ("description", "format"):
            if attr in raw and not isinstance(raw[attr], str):
                raise SchemaError(f"field {raw['name']!r}: {attr} must be a string, got {raw[attr]!r:.80}")
        fields.append(Field(raw["name"], ftype, raw.get("description", ""), raw.get("format", "default"), dict(constraints)))
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise SchemaError("field names must be unique")
    pk = _as_tuple(descriptor.get("primaryKey", []))
    fks = []
    raw_fks = descriptor.get("foreignKeys", [])
    if not isinstance(raw_fks, list):
        raise SchemaError(f"foreignKeys must be a list, got {raw_fks!r:.80}")
    for raw in raw_fks:
        try:
            ref = raw["reference"]
            if not isinstance(ref["resource"], str):
                raise TypeError(ref["resource"])
            fk = ForeignKey(_as_tuple(raw["fields"]), ref["resource"] or name, _as_tuple(ref["fields"]))
        except (KeyError, TypeError, SchemaError) as exc:
            raise SchemaError(f"malformed foreign key {raw!r}") from exc
        if len(fk.fields) != len(fk.reference_fields):
            raise SchemaError(f"foreign key {raw!r}: field counts differ")
        fks.append(fk)
    for key in [pk, *(fk.fields for fk in fks)]:
        missing = set(key) - set(names)
        if missing:
            raise SchemaError(f"key names fields that do not exist: {sorted(missing)}")
    missing_values = descriptor.get("missingValues", [""])
    if not isinstance(missing_values, list) or not all(isinstance(v, str) for v in missing_values):
        raise SchemaError(f"missingValues must be a list of strings, got {missing_values!r:.80}")
    description = descriptor.get("description", "")
    if not isinstance(description, str):
        raise SchemaError(f"description must be a string, got {description!r:.80}")
    return TableSchema(name, tuple(fields), pk, tuple(fks), tuple(missing_values), description)
