"""karabakh-timeline: the sourced, versioned timeline of the Karabakh conflict as a data package."""
from __future__ import annotations

from typing import Any

from .codes import CODES
from .load import InvalidDataError, Timeline, load
from .package import PackageError
from .report import Issue, Report

# Imported on first use (PEP 562): pandera alone takes a quarter of a second to import, which
# commands that do not validate (diff, format, next-id, stats) need not pay.
_LAZY = {"validate": "validator"}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("karabakh-timeline")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def schemas(references: Timeline | None = None) -> dict:
    """pandera DataFrameSchemas compiled from the Table Schemas, keyed by table name.

    Foreign keys within a table are always checked; pass a loaded Timeline (e.g. kt.load()) to
    check foreign keys into its tables too.
    """
    from .package import open_package
    from .pandera_schema import compile_schema

    package = references.package if references is not None else open_package()
    frames = references.tables if references is not None else None
    return {name: compile_schema(r.schema, references=frames) for name, r in package.resources.items()}


__all__ = ["CODES", "InvalidDataError", "Issue", "PackageError", "Report", "Timeline", "__version__", "load", "schemas", "validate"]
