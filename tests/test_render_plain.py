"""The plain summary line of a clean report (check.render.plain_enough) is byte for byte what rich prints."""
from __future__ import annotations

import io

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.markup import escape

from karabakh_timeline.check.render import plain_enough, render_text, summary_line
from karabakh_timeline.support.text import printable
from karabakh_timeline.vocabulary.issues import Report


@settings(max_examples=300, deadline=None)
@example("\x1f", {}, False)  # a control character in the package name: escaped on both paths
@given(st.text(max_size=30), st.dictionaries(st.text(min_size=1, max_size=5), st.integers(0, 10**7), max_size=4), st.booleans())
def test_the_plain_line_is_what_rich_prints(package: str, tables: dict[str, int], strict: bool) -> None:
    report = Report(package, [], tables, {})
    fast = io.StringIO()
    render_text(report, fast, strict)
    reference = io.StringIO()
    line = summary_line(report, strict)
    # Control characters reach no terminal (issue 10): the rich path shows them escaped, as printable() does.
    Console(file=reference, highlight=False, soft_wrap=True).print(f"[green]{escape(printable(line))}[/green]")
    assert fast.getvalue() == reference.getvalue()


def test_the_plain_path_is_taken_for_a_clean_report() -> None:
    report = Report("datapackage.json", [], {"events": 3}, {})
    assert plain_enough(report, io.StringIO(), summary_line(report, False))
