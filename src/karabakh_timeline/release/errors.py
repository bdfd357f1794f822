"""Why publishing stopped: a refusal or an error, with the CLI's exit code."""
from __future__ import annotations

from karabakh_timeline.vocabulary.exits import EXIT_INVALID
from karabakh_timeline.vocabulary.issues import Report


class PublishError(Exception):
    """Publishing was refused or cannot go on (nothing was written, unless written says so); exit_code is the CLI's code."""

    def __init__(self, message: str, exit_code: int = EXIT_INVALID, report: Report | None = None, written: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.report = report
        self.written = written  # True only when the release was written and a later step (the tag) failed
