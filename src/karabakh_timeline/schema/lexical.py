"""The lexical forms of Table Schema v1 types: one cell's text to its value, by type, format and field options.

These are the reference parsers, one call per value, built on real libraries (datetime.strptime
and python-dateutil for dates with formats, isodate for durations, email-validator, rfc3986,
uuid, geojson-pydantic). The validator calls them once per distinct value of a column, and only
for the types and formats that Arrow cannot type in one vectorised pass (read.cells); constraint
bounds and enum values in a schema are read with them too, so a bound is compared as its field's
type. Each parser raises ValueError for a cell that is not of the type.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|NaN|INF|-INF|nan|inf|-inf")
_YEAR = re.compile(r"-?[0-9]{4}")
_YEARMONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?")
_ISO_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?")
_GEOPOINT = re.compile(r"\s*([+-]?[0-9]+(?:\.[0-9]*)?)\s*,\s*([+-]?[0-9]+(?:\.[0-9]*)?)\s*")
DEFAULT_TRUE = ("true", "True", "TRUE", "1")
DEFAULT_FALSE = ("false", "False", "FALSE", "0")


def pattern(fmt: str) -> str | None:
    """The strptime pattern of a date/time format ("%d/%m/%Y" or the legacy "fmt:%d/%m/%Y"), None for default and any."""
    if fmt in ("default", "any", ""):
        return None
    return fmt[4:] if fmt.startswith("fmt:") else fmt


def numeric_text(text: str, options: Mapping[str, Any]) -> str:
    """A number cell with the field's groupChar removed, its decimalChar made '.', and (bareNumber false) what surrounds the digits."""
    group, decimal = options.get("groupChar"), options.get("decimalChar")
    if group:
        text = text.replace(group, "")
    if decimal and decimal != ".":
        text = text.replace(decimal, ".")
    if options.get("bareNumber") is False and text not in ("NaN", "INF", "-INF"):
        text = re.sub(r"^[^-+0-9.]+|[^0-9.]+$", "", text)
    return text


def parse_integer(text: str, options: Mapping[str, Any]) -> int:
    """An integer of any size."""
    text = numeric_text(text, options)
    if not _INTEGER.fullmatch(text):
        raise ValueError(text)
    return int(text)


def parse_number(text: str, options: Mapping[str, Any]) -> float:
    """A decimal or exponent number, NaN, INF or -INF."""
    text = numeric_text(text, options)
    if not _NUMBER.fullmatch(text):
        raise ValueError(text)
    return float(text)


def parse_boolean(text: str, options: Mapping[str, Any]) -> bool:
    """trueValues / falseValues (default true, True, TRUE, 1 / false, False, FALSE, 0)."""
    if text in options.get("trueValues", DEFAULT_TRUE):
        return True
    if text in options.get("falseValues", DEFAULT_FALSE):
        return False
    raise ValueError(text)


T = TypeVar("T", dt.date, dt.time)


def _with_format(text: str, fmt: str, iso: re.Pattern[str], from_iso: Callable[[str], T], part: Callable[[dt.datetime], T]) -> T:
    """A date or time by a field's format: the ISO form by default, python-dateutil for any, else the strptime pattern."""
    if fmt == "any":
        from dateutil import parser

        return part(parser.parse(text))
    found = pattern(fmt)
    if found is None:
        if not iso.fullmatch(text):
            raise ValueError(text)
        return from_iso(text)
    return part(dt.datetime.strptime(text, found))


def parse_date(text: str, fmt: str = "default") -> dt.date:
    """YYYY-MM-DD by default; any form python-dateutil reads with format any; else the strptime pattern."""
    return _with_format(text, fmt, _ISO_DATE, dt.date.fromisoformat, dt.datetime.date)


def parse_datetime(text: str, fmt: str = "default") -> dt.datetime:
    """ISO 8601 YYYY-MM-DDThh:mm:ss[.f][Z|±hh:mm] by default (no zone: UTC); any; or a strptime pattern. Always in UTC."""
    if fmt == "any":
        from dateutil import parser

        value = parser.parse(text)
    elif (found := pattern(fmt)) is not None:
        value = dt.datetime.strptime(text, found)
    else:
        if not _ISO_DATETIME.fullmatch(text):
            raise ValueError(text)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def parse_time(text: str, fmt: str = "default") -> dt.time:
    """hh:mm:ss[.f] by default; any; or a strptime pattern."""
    return _with_format(text, fmt, _ISO_TIME, dt.time.fromisoformat, dt.datetime.time)


def parse_year(text: str) -> int:
    """A four-digit year."""
    if not _YEAR.fullmatch(text):
        raise ValueError(text)
    return int(text)


def parse_yearmonth(text: str) -> str:
    """YYYY-MM (kept as text: it sorts and compares as the month it names)."""
    if not _YEARMONTH.fullmatch(text):
        raise ValueError(text)
    return text


def parse_duration(text: str) -> str:
    """An ISO 8601 duration (isodate), kept as written."""
    import isodate

    try:
        isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError, TypeError, OverflowError) as exc:
        raise ValueError(text) from exc
    return text


def _lon_lat(lon: Any, lat: Any) -> None:
    if isinstance(lon, bool) or isinstance(lat, bool) or not isinstance(lon, int | float) or not isinstance(lat, int | float):
        raise ValueError("coordinates must be numbers")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError("longitude in -180..180, latitude in -90..90")


def parse_geopoint(text: str, fmt: str = "default") -> str:
    """"lon, lat" (default), [lon, lat] (array) or {"lon": .., "lat": ..} (object), in range; kept as written."""
    if fmt == "array":
        value = _json(text)
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError(text)
        _lon_lat(*value)
    elif fmt == "object":
        value = _json(text)
        if not isinstance(value, dict) or set(value) != {"lon", "lat"}:
            raise ValueError(text)
        _lon_lat(value["lon"], value["lat"])
    else:
        found = _GEOPOINT.fullmatch(text)
        if not found:
            raise ValueError(text)
        _lon_lat(float(found.group(1)), float(found.group(2)))
    return text


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(text) from exc


def parse_object(text: str) -> str:
    """A JSON object, kept as written."""
    if not isinstance(_json(text), dict):
        raise ValueError(text)
    return text


def parse_array(text: str) -> str:
    """A JSON array, kept as written."""
    if not isinstance(_json(text), list):
        raise ValueError(text)
    return text


def parse_geojson(text: str, fmt: str = "default") -> str:
    """A GeoJSON object (geojson-pydantic), or a TopoJSON object (format topojson); kept as written."""
    value = _json(text)
    if not isinstance(value, dict):
        raise ValueError(text)
    if fmt == "topojson":
        if value.get("type") != "Topology" or not isinstance(value.get("objects"), dict):
            raise ValueError(text)
        return text
    import geojson_pydantic
    import pydantic

    model = getattr(geojson_pydantic, str(value.get("type")), None) if value.get("type") in _GEOJSON_TYPES else None
    if model is None:
        raise ValueError(text)
    try:
        model.model_validate(value)
    except pydantic.ValidationError as exc:
        raise ValueError(text) from exc
    return text


_GEOJSON_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection", "Feature",
                  "FeatureCollection")


def parse_string(text: str, fmt: str = "default") -> str:
    """A string, checked against its format: email (email-validator), uri (rfc3986, with a scheme), uuid, binary (base64)."""
    if fmt == "email":
        import email_validator

        try:
            email_validator.validate_email(text, check_deliverability=False)
        except email_validator.EmailNotValidError as exc:
            raise ValueError(text) from exc
    elif fmt == "uri":
        import rfc3986
        from rfc3986 import exceptions, validators

        try:
            validators.Validator().require_presence_of("scheme").check_validity_of("scheme", "host", "port", "path", "query",
                                                                                    "fragment").validate(rfc3986.uri_reference(text))
        except (exceptions.RFC3986Exception, ValueError) as exc:
            raise ValueError(text) from exc
    elif fmt == "uuid":
        uuid.UUID(text)
    elif fmt == "binary":
        try:
            base64.b64decode(text, validate=True)
        except binascii.Error as exc:
            raise ValueError(text) from exc
    return text


def parse_list(text: str, options: Mapping[str, Any]) -> str:
    """A v2 list: items split at the delimiter (default ","), each of itemType (default string) in that type's default form; kept as written."""
    item = parser(options.get("itemType", "string"), "default", {})
    for part in text.split(options.get("delimiter", ",")):
        item(part)
    return text


def parser(ftype: str, fmt: str, options: Mapping[str, Any]) -> Callable[[str], Any]:
    """The one-value parser of a field: text -> value, ValueError when the text is not of the type."""
    table: dict[str, Callable[[str], Any]] = {
        "string": lambda t: parse_string(t, fmt),
        "any": lambda t: t,
        "integer": lambda t: parse_integer(t, options),
        "number": lambda t: parse_number(t, options),
        "boolean": lambda t: parse_boolean(t, options),
        "date": lambda t: parse_date(t, fmt),
        "datetime": lambda t: parse_datetime(t, fmt),
        "time": lambda t: parse_time(t, fmt),
        "year": parse_year,
        "yearmonth": parse_yearmonth,
        "duration": parse_duration,
        "geopoint": lambda t: parse_geopoint(t, fmt),
        "geojson": lambda t: parse_geojson(t, fmt),
        "object": parse_object,
        "array": parse_array,
        "list": lambda t: parse_list(t, options),
    }
    return table[ftype]


def safe(parse: Callable[[str], Any]) -> Callable[[str], tuple[bool, Any]]:
    """parse as (ok, value), catching what the libraries raise on bad text (not only ValueError)."""

    def run(text: str) -> tuple[bool, Any]:
        try:
            return True, parse(text)
        except (ValueError, TypeError, OverflowError, AttributeError, IndexError, KeyError, RecursionError):
            return False, None

    return run
