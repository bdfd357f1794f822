"""karabakh-timeline: the sourced, versioned timeline of the Karabakh conflict as a data package.

The package is laid out by stage, each importing only from the ones below it:
support and vocabulary (codes, Issue, Report, exit codes) → schema → read → policy → check → diff
→ tools → release → api (load, validate, schemas) → cli. CONTRIBUTING.md, "Where things live".

>>> import karabakh_timeline as kt
>>> dir(kt)
['CODES', 'InvalidDataError', 'Issue', 'PackageError', 'Report', 'Timeline', '__version__', 'load', 'schemas', 'validate']
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from karabakh_timeline.api import load, schemas, validate
    from karabakh_timeline.read.timeline import InvalidDataError, Timeline
    from karabakh_timeline.schema.descriptor import PackageError
    from karabakh_timeline.vocabulary.codes import CODES
    from karabakh_timeline.vocabulary.issues import Issue, Report

__all__ = ["CODES", "InvalidDataError", "Issue", "PackageError", "Report", "Timeline", "__version__", "load", "schemas", "validate"]

# Imported on first use (PEP 562): importing any submodule runs this file first, and the CLI's
# validate must not pay for the diff, the pandas loader and pandera at start-up.
_HOMES = {"load": "api", "schemas": "api", "validate": "api", "InvalidDataError": "read.timeline", "Timeline": "read.timeline",
          "PackageError": "schema.descriptor", "CODES": "vocabulary.codes", "Issue": "vocabulary.issues", "Report": "vocabulary.issues"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(import_module(f"karabakh_timeline.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("karabakh-timeline")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return list(__all__)
