"""Rendering reports as text (terminal), JSON (stable, documented) or GitHub workflow annotations."""
from __future__ import annotations

import os
import re
import sys
from collections import Counter
from typing import TextIO

from karabakh_timeline.support.files import dumps
from karabakh_timeline.support.text import plural, printable
from karabakh_timeline.vocabulary.issues import Issue, Report


def _esc(text: str) -> str:
    """Text for the terminal: control and invisible characters escaped (support.text.printable), rich markup escaped."""
    from rich.markup import escape  # imported on first use, as rich itself is (render_text)

    return escape(printable(text))


FORMATS = ("text", "json", "github")
GITHUB_CAP = 50  # GitHub shows at most 50 annotations per job; the rest are counted


def summary_line(report: Report, strict: bool) -> str:
    """One line: verdict, counts of errors and warnings, tables and rows."""
    size = f"{plural(len(report.tables), 'table')}, {plural(sum(report.tables.values()), 'row')}"
    errors, warnings = report.totals
    counts = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
    if report.omitted:
        counts += f" ({sum(report.omitted.values()):,} not shown: --max-issues)"
    verdict = "cannot read" if report.unreadable else "valid" if report.valid(strict) else "invalid"
    return f"{verdict}: {counts} in {size} ({report.package}){' [strict]' if strict else ''}"


_EMOJI_CODE = re.compile(r":\S*:")  # what rich would replace with an emoji
_COLOUR_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")  # would make rich colour a file that is not a terminal


def plain_enough(report: Report, out: TextIO, line: str) -> bool:
    """True when rich would print the summary line as it is: no issues, no terminal, nothing rich transforms.

    Importing rich costs more than validating a small package; a clean run in a pre-commit hook or
    in CI prints this one line (tests/test_render_plain.py compares both paths).
    """
    isatty = getattr(out, "isatty", None)
    return (not report.issues and not (isatty and isatty()) and line.isprintable() and not _EMOJI_CODE.search(line)
            and not any(os.environ.get(v) for v in _COLOUR_ENV) and "IPython" not in sys.modules)


def render_text(report: Report, out: TextIO, strict: bool = False) -> None:
    """Issues grouped by table, then the summary line; colours only when out is a terminal."""
    line = summary_line(report, strict)
    if plain_enough(report, out, line):
        out.write(line + "\n")
        return
    from rich.console import Console

    console = Console(file=out, highlight=False, soft_wrap=True)
    groups: dict[str, list[Issue]] = {}
    for issue in report.issues:
        groups.setdefault(issue.table or "(package)", []).append(issue)
    hidden = Counter[tuple[str, str]]()
    for (c, t, _), n in report.omitted.items():
        hidden[(t or "(package)", c)] += n
    for table, issues in groups.items():
        by_code = Counter(i.code for i in issues)
        for (t, c), n in hidden.items():
            if t == table:
                by_code[c] += n
        console.print(f"[bold]{_esc(table)}[/bold]  " + ", ".join(f"{n:,} {c}" for c, n in sorted(by_code.items())))
        for i in issues:
            colour = "red" if i.severity == "error" else "yellow"
            where = f"line {i.line}" if i.line is not None else "-"
            field = f" {i.field}" if i.field else ""
            console.print(f"  {where:>10}{_esc(field)}  [{colour}]{i.code}[/{colour}]  {_esc(i.message)}")
        for (t, c), n in sorted(hidden.items()):
            if t == table:
                console.print(f"  {'':>10}  … {n:,} more {c} not shown (--max-issues)")
    colour = "green" if report.valid(strict) and not report.unreadable else "red"
    console.print(f"[{colour}]{_esc(line)}[/{colour}]")


def render_json(report: Report, out: TextIO, strict: bool = False) -> None:
    """The report as documented JSON."""
    out.write(dumps(report.to_dict(strict)))


def _escape_data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report, out: TextIO, strict: bool = False) -> None:
    """GitHub workflow commands (::error file=…,line=…,title=…::…), capped, then a summary notice."""
    files = report.files
    for issue in report.issues[:GITHUB_CAP]:
        props = []
        if issue.table in files:
            props.append(f"file={_escape_property(files[issue.table])}")
        if issue.line is not None:
            props.append(f"line={issue.line}")
        props.append(f"title={_escape_property(issue.code)}")
        where = f"{issue.table}" + (f".{issue.field}" if issue.field else "")
        out.write(f"::{issue.severity} {','.join(props)}::{_escape_data(where + ': ' + issue.message)}\n")
    hidden = len(report.issues) - GITHUB_CAP
    more = f" ({hidden:,} more issues not annotated)" if hidden > 0 else ""
    out.write(f"::notice title=karabakh-timeline validate::{_escape_data(summary_line(report, strict) + more)}\n")


RENDERERS = {"text": render_text, "json": render_json, "github": render_github}


def render(report: Report, fmt: str, out: TextIO, strict: bool = False) -> None:
    """Render report in format fmt (one of FORMATS) to out."""
    RENDERERS[fmt](report, out, strict)
