"""A strict JSON reader for descriptors and schemas: what a lenient parser would silently accept is refused.

Refused: objects with a duplicate key (only the last would count), NaN and Infinity (not JSON), nesting
deeper than MAX_DEPTH, integers longer than MAX_INT_DIGITS digits, and files above MAX_BYTES.
"""
from __future__ import annotations

import json
import math
from typing import Any

MAX_BYTES = 16 * 1024 * 1024  # a descriptor or a schema; the timeline's are a few kilobytes
MAX_DEPTH = 64
MAX_INT_DIGITS = 30


class StrictJSONError(ValueError):
    """Not strict JSON; line is the 1-based line of the problem when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise StrictJSONError(f"the key {key[:80]!r} appears twice in one object (only the last would count)")
        seen[key] = value
    return seen


def _constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not valid JSON")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise StrictJSONError(f"an integer of {len(text.lstrip('-')):,} digits (more than {MAX_INT_DIGITS})")
    return int(text)


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise StrictJSONError(f"the number {text[:40]} is too large to represent")
    return value


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects, ignoring brackets inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def loads(text: str) -> Any:
    """Parse text as strict JSON, raising StrictJSONError (or json.JSONDecodeError for a syntax error)."""
    if _depth(text) > MAX_DEPTH:
        raise StrictJSONError(f"nesting deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_integer, parse_float=_number)
    except RecursionError as exc:  # unreachable after the depth check; kept so no input can raise it
        raise StrictJSONError(f"nesting deeper than {MAX_DEPTH} levels") from exc
