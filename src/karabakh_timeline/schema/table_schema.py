"""Table Schemas: the one source of truth for fields, types, constraints and keys.

Everything else (reading, typing, pandera schemas, pandas dtypes, the R loader, the diff) derives
from the objects built here out of ``schemas/*.json`` and from the type table in ``types``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import pyarrow as pa

from karabakh_timeline.schema import lexical, v2
from karabakh_timeline.schema.types import TYPES as _TYPE_TABLE
from karabakh_timeline.schema.types import type_info

TYPES = tuple(_TYPE_TABLE)
CONSTRAINTS = ("required", "unique", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
               "jsonSchema")
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
ORDERED = ("integer", "number", "date", "datetime", "time", "year", "yearmonth")  # types whose values have an order
LENGTHS = ("string", "list", "array", "object")  # types with a length: characters, items, items, keys
OPTIONS = ("trueValues", "falseValues", "groupChar", "decimalChar", "bareNumber", "missingValues", "delimiter", "itemType")  # read here
_FORMATS = {"string": ("default", "email", "uri", "uuid", "binary"), "geopoint": ("default", "array", "object"),
            "geojson": ("default", "topojson")}  # date, datetime and time take any strptime pattern


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
    options: dict[str, Any] = field(default_factory=dict)  # trueValues, groupChar, missingValues... as the schema gives them
    typed: dict[str, Any] = field(default_factory=dict)  # enum and bounds read as values of the field's type (schema.lexical)

    @property
    def required(self) -> bool:
        """True when the field may not be empty."""
        return bool(self.constraints.get("required"))

    @property
    def enum(self) -> list[Any] | None:
        """The allowed values, in the schema's order, or None."""
        return self.constraints.get("enum")

    @property
    def categories(self) -> list[Any] | None:
        """The v2 categories' values read as the field's type, in the schema's order, or None."""
        return self.typed.get("categories")

    @property
    def allowed(self) -> list[Any] | None:
        """What a value must be one of: enum (a subset of the categories, when both are given), else the categories, else None."""
        return self.typed.get("enum", self.categories)

    def arrow_type(self) -> pa.DataType:
        """The Arrow type of this field's typed values (enums stay strings here)."""
        return type_info(self.type).arrow

    def missing_values(self, schema: TableSchema) -> tuple[str, ...]:
        """The cells that mean "missing" in this field: its own missingValues, else the schema's."""
        own = self.options.get("missingValues")
        return v2.missing_values(own, "") if own is not None else schema.missing_values

    def pandas_dtype(self) -> Any:
        """The dtype of this field in frames returned by load()."""
        import pandas as pd  # only frames need it (validation does not)

        if self.categories is not None and self.type == "string":
            return pd.CategoricalDtype(self.categories, ordered=bool(self.typed.get("categoriesOrdered")))
        if self.enum is not None and self.type == "string":
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
    unique_keys: tuple[tuple[str, ...], ...] = ()  # v2 uniqueKeys: rows with a missing part are not compared
    fields_match: str = "exact"  # v2 fieldsMatch: subset allows extra columns, superset missing ones, partial both (one must match)

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


def _typed(fname: str, ftype: str, fmt: str, options: dict[str, Any], key: str, value: Any) -> Any:
    """A constraint value read as the field's type: a JSON number as is for numeric types, a string through the field's parser."""
    where = f"field {fname!r}: constraint {key}"
    if ftype in ("integer", "year") and isinstance(value, int) and not isinstance(value, bool):
        return value
    if ftype == "number" and _is_number(value):
        return float(value)
    if ftype == "boolean" and isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise SchemaError(f"{where} must be a value of the field's type {ftype}, got {value!r:.80}")
    ok, parsed = lexical.safe(lexical.parser(ftype, fmt, options))(value)
    if not ok:
        raise SchemaError(f"{where}: {value!r:.80} is not {type_info(ftype).words}")
    return parsed


def _check_constraints(fname: str, ftype: str, fmt: str, options: dict[str, Any], constraints: dict[str, Any]) -> dict[str, Any]:
    """Refuse a constraint of the wrong JSON type (it would silently turn its check off); return enum and bounds typed."""
    where = f"field {fname!r}: constraint"
    typed: dict[str, Any] = {}
    for key in ("required", "unique"):
        if key in constraints and not isinstance(constraints[key], bool):
            raise SchemaError(f"{where} {key} must be true or false, got {constraints[key]!r}")
    for key in ("minLength", "maxLength"):
        value = constraints.get(key)
        if key in constraints and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise SchemaError(f"{where} {key} must be a whole number >= 0, got {value!r}")
        if key in constraints and ftype not in LENGTHS:
            raise SchemaError(f"{where} {key} does not apply to {ftype} fields (only to {', '.join(LENGTHS)})")
    if "pattern" in constraints and ftype != "string":
        raise SchemaError(f"{where} pattern does not apply to a {ftype} field")  # Table Schema: pattern applies to strings
    for key in BOUNDS:
        if key not in constraints:
            continue
        if ftype not in ORDERED:
            raise SchemaError(f"{where} {key} does not apply to a {ftype} field")
        typed[key] = _typed(fname, ftype, fmt, options, key, constraints[key])
        if ftype == "number" and typed[key] != typed[key]:
            raise SchemaError(f"{where} {key} must be a number, got NaN")
    if "enum" in constraints:
        enum = constraints["enum"]
        if not isinstance(enum, list) or not enum:
            raise SchemaError(f"{where} enum must be a non-empty list, got {enum!r:.80}")
        if ftype == "string" and not all(isinstance(v, str) for v in enum):
            raise SchemaError(f"{where} enum must be a non-empty list of strings, got {enum!r:.80}")
        typed["enum"] = [_typed(fname, ftype, fmt, options, "enum", v) for v in enum]
    if "jsonSchema" in constraints:
        v2.json_schema(constraints["jsonSchema"], ftype, where)
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        if not isinstance(pattern, str):
            raise SchemaError(f"{where} pattern must be a string, got {pattern!r:.80}")
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError) as exc:
            raise SchemaError(f"{where} pattern {pattern!r:.80} is not a valid regular expression: {exc}") from exc
    return typed


def _check_options(fname: str, ftype: str, fmt: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The field options this package reads, each of the JSON type the spec gives it; the format, known for its type."""
    where = f"field {fname!r}:"
    options = {k: raw[k] for k in OPTIONS if k in raw}
    if "missingValues" in options:
        v2.missing_values(options["missingValues"], f"{where} ")
    if ftype == "list":
        options |= v2.list_options(raw, where)
        if fmt != "default":
            raise SchemaError(f"{where} a list field has no format but the default, got {fmt!r:.80}")
    for key in ("trueValues", "falseValues"):
        if key in options and not (isinstance(options[key], list) and all(isinstance(v, str) for v in options[key])):
            raise SchemaError(f"{where} {key} must be a list of strings, got {options[key]!r:.80}")
    # groupChar is any string, "" meaning no grouping (Table Schema's JSON Schema sets no minLength, and
    # datapackage-pipelines writes "", as in datasets/oil-prices); a decimalChar must be there to be found.
    if "groupChar" in options and not isinstance(options["groupChar"], str):
        raise SchemaError(f"{where} groupChar must be a string, got {options['groupChar']!r:.80}")
    if "decimalChar" in options and not (isinstance(options["decimalChar"], str) and options["decimalChar"]):
        raise SchemaError(f"{where} decimalChar must be a non-empty string, got {options['decimalChar']!r:.80}")
    if "bareNumber" in options and not isinstance(options["bareNumber"], bool):
        raise SchemaError(f"{where} bareNumber must be true or false, got {options['bareNumber']!r:.80}")
    if ftype in _FORMATS and fmt not in _FORMATS[ftype]:
        raise SchemaError(f"{where} format {fmt!r:.80} is not one of {', '.join(_FORMATS[ftype])} for a {ftype} field")
    return options


def _check_categories(fname: str, ftype: str, fmt: str, options: dict[str, Any], raw: dict[str, Any], typed: dict[str, Any]) -> dict[str, Any]:
    """v2 categories read as the field's type (schema.v2), and categoriesOrdered; an enum must be a subset of them."""
    if "categories" not in raw:
        if "categoriesOrdered" in raw:
            raise SchemaError(f"field {fname!r}: categoriesOrdered without categories")
        return {}
    values, ordered = v2.categories(raw, ftype, f"field {fname!r}:", partial(_typed, fname, ftype, fmt, options, "categories"))
    if "enum" in typed and any(v not in values for v in typed["enum"]):
        raise SchemaError(f"field {fname!r}: the enum values must be some of the categories")
    return {"categories": values, "categoriesOrdered": ordered}


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
        for attr in ("description", "format"):
            if attr in raw and not isinstance(raw[attr], str):
                raise SchemaError(f"field {raw['name']!r}: {attr} must be a string, got {raw[attr]!r:.80}")
        fmt = raw.get("format", "default") or "default"
        try:
            options = _check_options(raw["name"], ftype, fmt, raw)
            typed = _check_constraints(raw["name"], ftype, fmt, options, constraints)
            typed |= _check_categories(raw["name"], ftype, fmt, options, raw, typed)
        except SchemaError:
            raise
        except ValueError as exc:  # a v2 property of the wrong shape (schema.v2)
            raise SchemaError(str(exc)) from exc
        fields.append(Field(raw["name"], ftype, raw.get("description", ""), fmt, dict(constraints), options, typed))
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise SchemaError("field names must be unique")
    pk = _as_tuple(descriptor.get("primaryKey", []))
    # A primary key's fields cannot be null: as if each were required (Table Schema v1 and v2).
    fields = [replace(f, constraints={**f.constraints, "required": True}) if f.name in pk and not f.required else f for f in fields]
    fks = []
    raw_fks = descriptor.get("foreignKeys", [])
    if not isinstance(raw_fks, list):
        raise SchemaError(f"foreignKeys must be a list, got {raw_fks!r:.80}")
    for raw in raw_fks:
        try:
            ref = raw["reference"]
            resource = ref.get("resource", "")  # v2: omitted means this same table (v1 wrote "")
            if not isinstance(resource, str):
                raise TypeError(resource)
            fk = ForeignKey(_as_tuple(raw["fields"]), resource or name, _as_tuple(ref["fields"]))
        except (KeyError, TypeError, AttributeError, SchemaError) as exc:
            raise SchemaError(f"malformed foreign key {raw!r}") from exc
        if len(fk.fields) != len(fk.reference_fields):
            raise SchemaError(f"foreign key {raw!r}: field counts differ")
        fks.append(fk)
    for key in [pk, *(fk.fields for fk in fks)]:
        missing = set(key) - set(names)
        if missing:
            raise SchemaError(f"key names fields that do not exist: {sorted(missing)}")
    try:
        missing_values = v2.missing_values(descriptor.get("missingValues", [""]), "")
        unique_keys = v2.unique_keys(descriptor["uniqueKeys"], names) if "uniqueKeys" in descriptor else ()
        fields_match = v2.fields_match(descriptor.get("fieldsMatch", "exact"))
    except ValueError as exc:
        raise SchemaError(str(exc)) from exc
    description = descriptor.get("description", "")
    if not isinstance(description, str):
        raise SchemaError(f"description must be a string, got {description!r:.80}")
    return TableSchema(name, tuple(fields), pk, tuple(fks), missing_values, description, unique_keys, fields_match)
