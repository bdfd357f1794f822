"""The command line: parse arguments, call one function, render its result.

Exit codes: 0 ok, 1 invalid data (or differences), 2 usage error, 3 cannot read the input.
"""
from __future__ import annotations

import sys

import click

from . import __version__
from .render import FORMATS, render
from .validate import validate as validate_package

def example(*commands: str) -> str:
    """An epilog, printed after the options, so that every help text ends in its example."""
    return "\b\nExample:\n" + "\n".join(f"  {c}" for c in commands)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=example("karabakh-timeline validate --strict"))
@click.version_option(__version__, prog_name="karabakh-timeline")
def main() -> None:
    """Validate, diff and publish the Karabakh conflict timeline data package.

    Exit codes: 0 ok, 1 invalid data or differences, 2 usage error, 3 cannot read the input.
    """


@main.command(epilog=example("karabakh-timeline validate path/to/package --format github --strict"))
@click.argument("path", required=False, type=click.Path(dir_okay=True, file_okay=True, path_type=str))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="How to render the report.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def validate(path: str | None, fmt: str, strict: bool) -> None:
    """Check every table, cell, key and timeline rule of a data package in one pass.

    PATH is a package directory or its datapackage.json; default ./datapackage.json
    if present, else the bundled dataset. The package is never written to.

    \b
    Exit codes: 0 valid, 1 invalid (errors; warnings too with --strict),
    2 usage error, 3 cannot read the package (missing or broken
    datapackage.json, a path outside the package, a remote URL).
    """
    report = validate_package(path)
    render(report, fmt, sys.stdout, strict)
    sys.exit(report.exit_code(strict))
