"""The command line: parse arguments, call one function, render its result.

Exit codes: 0 ok, 1 invalid data (or differences), 2 usage error, 3 cannot read the input,
4 internal error (a bug: one line on stderr instead of a traceback).
"""
from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

import click

from karabakh_timeline.check.render import FORMATS
from karabakh_timeline.support.progress import on_terminal
from karabakh_timeline.support.text import printable, safe_text
from karabakh_timeline.vocabulary.codes import PROFILES, cannot_read, is_usage
from karabakh_timeline.vocabulary.codes import code as issue_code
from karabakh_timeline.vocabulary.exits import EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE
from karabakh_timeline.vocabulary.issues import MAX_ISSUES


def example(*commands: str) -> str:
    """An epilog, printed after the options, so that every help text ends in its example."""
    return "\b\nExample:\n" + "\n".join(f"  {c}" for c in commands)


class GuardedGroup(click.Group):
    """The net under every command: an unexpected exception is one coded line and exit 4, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn an exception that escapes it into `Error: internal-error: …` and exit 4."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # the net itself: anything else is a bug to report
            if ctx.params.get("debug") or os.environ.get("KT_DEBUG") == "1":
                traceback.print_exc()
            detail = safe_text(f"{type(exc).__name__}: {exc}", 300).replace("\n", " ").replace("\r", " ")
            message = issue_code("internal-error").message(detail=detail)
            click.echo(printable(f"Error: internal-error: {message}"), err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=example("karabakh-timeline validate --strict"))
@click.version_option(package_name="karabakh-timeline", prog_name="karabakh-timeline")  # looked up only for --version
@click.option("--debug", is_flag=True, help="On an internal error, print the traceback too (or set KT_DEBUG=1).")
def main(debug: bool) -> None:
    """Validate, diff and publish the Karabakh conflict timeline data package.

    Exit codes: 0 ok, 1 invalid data or differences, 2 usage error, 3 cannot read the input,
    4 internal error (a bug; --debug shows its traceback).
    """


@main.command(epilog=example("karabakh-timeline validate path/to/package --format github --strict"))
@click.argument("path", required=False, type=click.Path(dir_okay=True, file_okay=True, path_type=str))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="How to render the report.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--profile", type=click.Choice(PROFILES), default=None,
              help="Rules beyond the specifications: timeline (this dataset's house rules) or none. "
                   "Default: what datapackage.json declares in validationProfile, else none.")
@click.option("--max-issues", type=click.IntRange(min=0), default=MAX_ISSUES, show_default=True, metavar="N",
              help="Show at most N issues of each code in each table (0: all); the summary counts every one.")
def validate(path: str | None, fmt: str, strict: bool, profile: str | None, max_issues: int) -> None:
    """Check every table, cell, key and timeline rule of a data package in one pass.

    PATH is a package directory or its datapackage.json; default the package in the
    working directory (datapackage.json, .yaml or .yml) if any, else the bundled
    dataset. The package is never written to. Every package gets the Data Package,
    Table Schema and CSV Dialect checks; the timeline's house rules run when the
    package declares "validationProfile": "timeline" (or with --profile timeline).

    \b
    Exit codes: 0 valid, 1 invalid (errors; warnings too with --strict),
    2 usage error, 3 cannot read the package (missing or broken
    datapackage.json, a path outside the package, a remote URL).
    """
    from karabakh_timeline.support.memory import use_returning_pool

    use_returning_pool()  # this process is ours: freed Arrow memory goes back to the system (before pyarrow loads: it sets up jemalloc)

    from karabakh_timeline.check.render import render
    from karabakh_timeline.check.validator import validate as validate_package  # imported here: only validate needs it
    from karabakh_timeline.support.lean import arrow_without_pandas

    arrow_without_pandas()  # and validating it never needs pandas: its import is most of the start-up
    with on_terminal():  # a progress bar on stderr, only when it is a terminal
        report = validate_package(path, profile=profile).cap(max_issues)
    render(report, fmt, sys.stdout, strict)
    sys.exit(report.exit_code(strict))


def fail(issue_or_message: object, code: int = EXIT_UNREADABLE) -> NoReturn:
    """Print `Error: …` to stderr and exit with the documented code (3: cannot read the input; 2 for a usage-level issue)."""
    message = getattr(issue_or_message, "message", None) or str(issue_or_message)
    name = getattr(issue_or_message, "code", None)
    if name and is_usage(name):
        code = EXIT_USAGE
    click.echo(printable(f"Error: {name + ': ' if name else ''}{message}"), err=True)
    sys.exit(code)


@main.command(epilog=example("karabakh-timeline diff HEAD~1 HEAD --format markdown > CHANGES.md",
                             "karabakh-timeline diff origin/main --check-version"))
@click.argument("old")
@click.argument("new", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True, help="How to render the differences.")
@click.option("--table", "tables", multiple=True, help="Only these tables (repeatable).")
@click.option("--check-version", is_flag=True, help="Exit 1 when NEW's version is not at least the bump the changes require over OLD's.")
@click.option("--key", "key", metavar="FIELD,...", default="",
              help="Match rows on these fields instead of the primary key (in every table that has them on both sides).")
def diff(old: str, new: str | None, fmt: str, tables: tuple[str, ...], check_version: bool, key: str) -> None:
    """Show what changed between two versions of the dataset: rows, cells, schema, version.

    OLD and NEW are each a git revision of the current repository (tag, branch, commit), a package
    directory or datapackage.json, or a release zip. NEW defaults to the working tree.

    Rows are matched on the primary key (or --key). A table without one, and rows whose key
    is empty or repeated, are compared as whole rows: added and removed, counted as a multiset.

    \b
    Exit codes: 0 no differences, 1 differences, 2 usage error, 3 cannot
    read OLD or NEW (or one of their tables: the others are still compared). With --check-version: 0 when NEW's version is bumped
    enough and no ID was removed unrecorded, 1 otherwise (the needed bump
    and why go to stderr).
    """
    from karabakh_timeline.diff.compare import diff_packages
    from karabakh_timeline.diff.render import check_message, render_diff
    from karabakh_timeline.diff.result import DiffUsageError
    from karabakh_timeline.schema.descriptor import PackageError

    fields = tuple(f.strip() for f in key.split(",") if f.strip())
    if key and not fields:
        raise click.UsageError("--key needs at least one field name")
    try:
        result = diff_packages(old, new, tables=tables, key=fields)
    except PackageError as exc:
        fail(exc.issue)
    except DiffUsageError as exc:
        raise click.UsageError(str(exc)) from exc
    render_diff(result, fmt, sys.stdout)
    for issue in result.issues:
        if cannot_read(issue.code) or any(t.name == issue.table for t in result.unreadable):
            click.echo(f"Error: {issue.code}: {issue.message}", err=True)
    code = result.exit_code(check_version)
    if check_version:  # on stderr too: in CI, stdout often goes to a file or a job summary
        click.echo(check_message(result), err=True)
    sys.exit(code)


@main.command(epilog=example("karabakh-timeline stats --format markdown"))
@click.argument("path", required=False, type=str)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True, help="How to render the figures.")
def stats(path: str | None, fmt: str) -> None:
    """Rows per table, events per year and type, sourcing shares, statements per speech act.

    PATH as for validate. Exit codes: 0 ok, 2 usage error, 3 cannot read or type the package.
    """
    from karabakh_timeline.api import load
    from karabakh_timeline.read.timeline import InvalidDataError
    from karabakh_timeline.schema.descriptor import PackageError, locate
    from karabakh_timeline.support.files import dumps
    from karabakh_timeline.tools.stats import compute_stats, render_markdown, render_text

    try:
        figures = compute_stats(load(locate(path)))  # the CLI's rule: the working directory's package first (kt.load() means the bundled data)
    except PackageError as exc:
        fail(exc.issue)
    except InvalidDataError as exc:
        fail(exc.issues[0])
    renderers: dict[str, Callable[[Any], str]] = {"json": dumps, "markdown": render_markdown, "text": render_text}
    click.echo(renderers[fmt](figures), nl=False)


@main.command(name="format", epilog=example("karabakh-timeline format --check"))
@click.argument("path", required=False, type=str)
@click.option("--check", is_flag=True, help="Write nothing; list files that would change and exit 1 if any.")
def format_(path: str | None, check: bool) -> None:
    """Rewrite every CSV canonically: schema column order, rows sorted by primary key, UTF-8
    without BOM, LF, minimal quoting, Unicode NFC.

    No value changes in any other way and no row or column is dropped; formatting twice changes
    nothing. A file that does not parse, whose header lacks a schema field or repeats a column, that
    is a symlink or hard-linked, or that changed on disk since it was read, is refused and nothing is
    written. PATH as for validate, except that the bundled dataset is never written to.

    \b
    Exit codes: 0 formatted (or nothing to do), 1 files would change
    (--check) or a file was refused, 2 usage error (no PATH outside a
    package: the bundled dataset), 3 cannot read.
    """
    from karabakh_timeline.schema.descriptor import PackageError
    from karabakh_timeline.tools.format import format_package

    try:
        with on_terminal():
            result = format_package(path, check=check)
    except PackageError as exc:
        fail(exc.issue)
    for issue in result.refused:
        where = f"{issue.table}" + (f" line {issue.line}" if issue.line else "")
        click.echo(printable(f"Error: {issue.code}: {where}: {issue.message}"), err=True)
    if result.refused:
        click.echo("refused: " + ("the other files were written" if result.written_before_refusal else "nothing written"), err=True)
        sys.exit(EXIT_UNREADABLE if any(cannot_read(i.code) for i in result.refused) else EXIT_INVALID)
    verb = "would reformat" if check else "reformatted"
    for name in result.changed:
        click.echo(f"{verb} {name}")
    click.echo(f"{len(result.changed)} file(s) {verb}, {len(result.unchanged)} already canonical", err=True)
    sys.exit(EXIT_INVALID if check and result.changed else EXIT_OK)


@main.command(name="next-id", epilog=example("karabakh-timeline next-id events", "karabakh-timeline next-id sources --count 3"))
@click.argument("table")
@click.argument("path", required=False, type=str)
@click.option("--count", type=click.IntRange(1, 1000), default=1, show_default=True, help="How many consecutive IDs to print.")
def next_id(table: str, path: str | None, count: int) -> None:
    """Print the next free ID of TABLE (above every ID in use or retired, so none is reused).

    PATH as for validate. Exit codes: 0 ok, 2 usage error (unknown table, or a table without
    an ID column), 3 cannot read the package.
    """
    from karabakh_timeline.schema.descriptor import PackageError
    from karabakh_timeline.tools.next_id import IdError, next_ids

    try:
        ids = next_ids(table, path, count)
    except PackageError as exc:
        fail(exc.issue)
    except IdError as exc:
        fail(exc, EXIT_USAGE)
    click.echo("\n".join(ids))


@main.command(epilog=example("karabakh-timeline publish --out dist", "karabakh-timeline publish path/to/package --out dist --tag"))
@click.argument("path", required=False, type=str)
@click.option("--out", default="dist", show_default=True, type=click.Path(file_okay=False, path_type=str),
              help="Folder to write the release folder and zip into.")
@click.option("--since", metavar="REV", help="Compare with this git revision instead of the newest vX.Y.Z tag.")
@click.option("--force", is_flag=True, help="Rebuild a version that is already released (its tag exists), identically.")
@click.option("--tag", is_flag=True, help="Also refresh the repository's CHANGELOG.md (its Unreleased notes move into this version) "
                   "and CITATION.cff, and create the annotated tag vX.Y.Z.")
def publish(path: str | None, out: str, since: str | None, force: bool, tag: bool) -> None:
    """Build the release of the version in datapackage.json: OUT/karabakh-timeline-X.Y.Z/ and its zip.

    PATH as for validate. The release holds the canonical data and schemas, datapackage.json with
    sizes and hashes, SQLite, Parquet and flat CSV exports, an offline index.html, README, LICENSE,
    CITATION.cff, CHANGELOG.md and SHA256SUMS. It is dated by SOURCE_DATE_EPOCH or the commit's
    time, never the clock, so the same commit always gives the same bytes; it is built inside OUT
    and moved into place, so a refusal or an error leaves OUT as it was. The previous release is
    the newest vX.Y.Z tag (or --since REV); without one, this is the first release.

    \b
    Exit codes: 0 published, 1 refused (the data does not validate; the
    version is not bumped as much as the changes since the previous
    release require; it is already released; --tag with uncommitted
    changes), 2 usage error (outside git without SOURCE_DATE_EPOCH),
    3 cannot read the package or the previous release.
    """
    from karabakh_timeline.check.render import render
    from karabakh_timeline.release.publish import PublishError
    from karabakh_timeline.release.publish import publish as publish_release
    from karabakh_timeline.schema.descriptor import PackageError

    try:
        with on_terminal():
            result = publish_release(path, out, since=since, force=force, tag=tag)
    except PackageError as exc:
        fail(exc.issue)
    except PublishError as exc:
        if exc.report is not None:
            render(exc.report, "text", sys.stderr)
        fail(f"{exc.message}{'' if exc.written else '; nothing written'} (exit {exc.exit_code})", exc.exit_code)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    against = f"{result.verdict} changes since {result.previous}" if result.previous else "first release"
    click.echo(f"published {result.version} ({against}; {len(result.files)} files, created {result.created})"
               + (f", tagged {result.tagged}" if result.tagged else ""), err=True)
    click.echo(f"{result.directory}\n{result.zip_path}")


@main.command(epilog=example("karabakh-timeline serve", "karabakh-timeline serve path/to/package --port 8080"))
@click.argument("path", required=False, type=str)
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True, help="Port on 127.0.0.1 to serve on.")
def serve(path: str | None, port: int) -> None:
    """Browse, facet and search the data in Datasette, on http://127.0.0.1:PORT/ only.

    PATH as for validate. Builds the release's SQLite export (full-text indexes included) and its
    Datasette metadata.json in a temporary folder, then runs Datasette until Ctrl-C. Needs the
    optional extra: pip install 'karabakh-timeline[serve]'.

    \b
    Exit codes: 0 stopped, 1 the data does not validate, 2 usage error
    (Datasette not installed), 3 cannot read the package.
    """
    from karabakh_timeline.check.render import render
    from karabakh_timeline.release.publish import PublishError
    from karabakh_timeline.release.serve import serve as run_server
    from karabakh_timeline.schema.descriptor import PackageError

    try:
        code = run_server(path, port, announce=lambda line: click.echo(line, err=True))
    except PackageError as exc:
        fail(exc.issue)
    except PublishError as exc:
        if exc.report is not None:
            render(exc.report, "text", sys.stderr)
        fail(exc.message, exc.exit_code)
    sys.exit(code)
