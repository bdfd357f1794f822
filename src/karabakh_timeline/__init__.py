"""karabakh-timeline: the sourced, versioned timeline of the Karabakh conflict as a data package."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("karabakh-timeline")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

from .codes import CODES  # noqa: E402
from .load import InvalidDataError, Timeline, load  # noqa: E402
from .package import PackageError  # noqa: E402
from .report import Issue, Report  # noqa: E402
from .validate import validate  # noqa: E402


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


__all__ = ["CODES", "InvalidDataError", "Issue", "PackageError", "Report", "Timeline", "load", "schemas", "validate", "__version__"]
