"""Table Schema v2's additions, as frictionless-py 5 and the v2 specification read them.

The list type's options (delimiter, itemType), categories and categoriesOrdered on string and
integer fields, uniqueKeys, the jsonSchema constraint of object and array fields, and missingValues
given as objects ({"value": "-99", "label": "refused"}). Each reader here checks its property's
JSON shape and raises ValueError with a message naming it; schema.table_schema turns that into
schema-invalid. The jsonSchema itself is checked and applied by the jsonschema library, with an
empty registry: a "$ref" to a remote schema is never fetched.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

LIST_ITEM_TYPES = ("string", "integer", "boolean", "number", "datetime", "date", "time")  # the spec's list, frictionless-py's too
CATEGORY_TYPES = ("string", "integer")
JSON_SCHEMA_TYPES = ("object", "array")
FIELDS_MATCH = ("exact", "equal", "subset", "superset", "partial")  # how a header maps onto the fields (default exact)


def _unique(values: list[Any], what: str) -> None:
    seen: list[Any] = []
    for v in values:
        if v in seen:
            raise ValueError(f"{what} {v!r:.80} appears twice")
        seen.append(v)


def missing_values(raw: Any, where: str) -> tuple[str, ...]:
    """The strings of a missingValues property: a list of strings (v1) or of {value, label?} objects with unique values and labels (v2)."""
    if not isinstance(raw, list):
        raise ValueError(f"{where}missingValues must be a list, got {raw!r:.80}")
    if all(isinstance(v, str) for v in raw):
        return tuple(raw)
    if not all(isinstance(v, dict) and isinstance(v.get("value"), str) and isinstance(v.get("label", ""), str) for v in raw):
        raise ValueError(f"{where}missingValues must be a list of strings or of objects with a string value (and a string label), "
                         f"got {raw!r:.80}")
    _unique([v["value"] for v in raw], f"{where}missing value")
    _unique([v["label"] for v in raw if "label" in v], f"{where}missing value label")
    return tuple(v["value"] for v in raw)


def list_options(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """delimiter (a non-empty string, default ",") and itemType (one of LIST_ITEM_TYPES, default string) of a list field."""
    delimiter, item_type = raw.get("delimiter", ","), raw.get("itemType", "string")
    if not isinstance(delimiter, str) or not delimiter:
        raise ValueError(f"{where} delimiter must be a non-empty string, got {delimiter!r:.80}")
    if item_type not in LIST_ITEM_TYPES:
        raise ValueError(f"{where} itemType must be one of {', '.join(LIST_ITEM_TYPES)}, got {item_type!r:.80}")
    return {"delimiter": delimiter, "itemType": item_type}


def categories(raw: dict[str, Any], ftype: str, where: str, typed: Callable[[Any], Any]) -> tuple[list[Any], bool | None]:
    """(the category values read as the field's type, categoriesOrdered or None): unique values, or objects with a unique value and label."""
    found, ordered = raw["categories"], raw.get("categoriesOrdered")
    if ftype not in CATEGORY_TYPES:
        raise ValueError(f"{where} categories apply to string and integer fields, not {ftype}")
    if not isinstance(found, list) or not found:
        raise ValueError(f"{where} categories must be a non-empty list, got {found!r:.80}")
    if all(isinstance(c, dict) for c in found):
        if not all("value" in c and isinstance(c.get("label", ""), str) for c in found):
            raise ValueError(f"{where} each category object needs a value (and a string label), got {found!r:.80}")
        _unique([c["label"] for c in found if "label" in c], f"{where} category label")
        found = [c["value"] for c in found]
    values = [typed(v) for v in found]
    _unique(values, f"{where} category")
    if ordered is not None and not isinstance(ordered, bool):
        raise ValueError(f"{where} categoriesOrdered must be true or false, got {ordered!r:.80}")
    return values, ordered


def unique_keys(raw: Any, names: list[str]) -> tuple[tuple[str, ...], ...]:
    """uniqueKeys: a non-empty list of non-empty lists of field names."""
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"uniqueKeys must be a non-empty list of lists of field names, got {raw!r:.80}")
    keys = []
    for key in raw:
        if not isinstance(key, list) or not key or not all(isinstance(k, str) for k in key):
            raise ValueError(f"each of uniqueKeys must be a non-empty list of field names, got {key!r:.80}")
        missing = [k for k in key if k not in names]
        if missing:
            raise ValueError(f"uniqueKeys names fields that do not exist: {missing}")
        keys.append(tuple(key))
    return tuple(keys)


def fields_match(raw: Any) -> str:
    """fieldsMatch: one of FIELDS_MATCH (default exact)."""
    if raw not in FIELDS_MATCH:
        raise ValueError(f"fieldsMatch must be one of {', '.join(FIELDS_MATCH)}, got {raw!r:.80}")
    return str(raw)


def json_schema(value: Any, ftype: str, where: str) -> dict[str, Any]:
    """A jsonSchema constraint: an object, on an object or array field, that is a valid JSON Schema (jsonschema's check_schema)."""
    import jsonschema

    if ftype not in JSON_SCHEMA_TYPES:
        raise ValueError(f"{where} jsonSchema applies to object and array fields, not {ftype}")
    if not isinstance(value, dict):
        raise ValueError(f"{where} jsonSchema must be an object, got {value!r:.80}")
    try:
        jsonschema.validators.validator_for(value).check_schema(value)
    except jsonschema.exceptions.SchemaError as exc:
        raise ValueError(f"{where} jsonSchema is not a valid JSON Schema: {exc.message:.200}") from exc
    return value


@lru_cache(maxsize=64)
def _validator(text: str) -> Any:
    import jsonschema
    import referencing

    schema = json.loads(text)
    return jsonschema.validators.validator_for(schema)(schema, registry=referencing.Registry())  # no retrieval: nothing fetched


def json_schema_problem(schema: dict[str, Any], cell: str) -> str | None:
    """Why the JSON text cell does not conform to schema (jsonschema's first error), None when it does."""
    import jsonschema
    import referencing.exceptions

    try:
        value = json.loads(cell)
    except (json.JSONDecodeError, RecursionError):
        return "not JSON"
    try:
        error = jsonschema.exceptions.best_match(_validator(json.dumps(schema, sort_keys=True)).iter_errors(value))
    except referencing.exceptions.Unresolvable as exc:
        return f"a $ref cannot be resolved (only references inside the schema are followed; remote schemas are never fetched): {exc}"
    except RecursionError:
        return "the schema or the value nests too deeply"
    if error is None:
        return None
    path = "".join(f"[{p!r}]" for p in error.absolute_path)
    return f"{path + ': ' if path else ''}{error.message}"
