"""Progress bars for long operations, on a terminal only.

The command line opens ``on_terminal()`` around a command; code below it asks for ``task(label, total)``
and advances it. Outside ``on_terminal()``, or when stderr is not a terminal (a pipe, a file, a CI log),
tasks do nothing, so no library call and no log ever gets a bar. The bars are drawn by rich on stderr and
removed when the command ends, so a terminal keeps only the command's own output.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress

_current: ContextVar[Progress | None] = ContextVar("karabakh_timeline_progress", default=None)


class Task:
    """One operation's steps; this one draws nothing (no terminal, or no bars asked for)."""

    def advance(self, step: str = "") -> None:
        """One step done; step names the next one."""


class _Bar(Task):
    def __init__(self, progress: Progress, label: str, total: int) -> None:
        self._progress, self._label = progress, label
        self._id = progress.add_task(label, total=total)

    def advance(self, step: str = "") -> None:
        self._progress.update(self._id, advance=1, description=f"{self._label}: {step}" if step else self._label)


def task(label: str, total: int) -> Task:
    """A bar of total steps when the command line asked for bars on a terminal; otherwise a task that draws nothing."""
    progress = _current.get()
    return Task() if progress is None else _Bar(progress, label, total)


def is_terminal(stream: TextIO) -> bool:
    """Whether bars may be drawn on stream: a terminal that can move the cursor (not a pipe, a file or TERM=dumb)."""
    try:
        return stream.isatty() and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


@contextmanager
def on_terminal(stream: TextIO | None = None) -> Iterator[None]:
    """Draw the tasks started inside this block as bars on stream (default stderr), if it is a terminal."""
    stream = sys.stderr if stream is None else stream
    if not is_terminal(stream):
        yield
        return
    from rich.console import Console  # only a terminal pays for rich's import (a pre-commit hook or a CI log does not)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=stream, force_terminal=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        token = _current.set(progress)
        try:
            yield
        finally:
            _current.reset(token)
