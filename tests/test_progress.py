"""Progress bars: drawn on stderr when it is a terminal (a pseudo-terminal here), never in a pipe or a CI log."""
from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_synthetic
from karabakh_timeline.support import progress

CLI = [str(Path(sys.executable).with_name("karabakh-timeline"))]  # the installed entry point, as a user runs it
BAR = "━"  # rich's bar character
ESCAPE = "\x1b["


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "SOURCE_DATE_EPOCH": "1767323045", "HOME": str(tmp_path)}


def _on_pty(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run a command with stderr on a pseudo-terminal and stdout on a pipe; return its exit code, stdout, and the terminal's text."""
    leader, follower = pty.openpty()
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL, env=env) as proc:
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the command closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        out = proc.stdout.read().decode("utf-8") if proc.stdout else ""
        code = proc.wait()
    os.close(leader)
    return code, out, seen.decode("utf-8", "replace")


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    out = tmp_path / "pkg"
    make_synthetic.make(12, out)
    return out


COMMANDS = {
    "validate": (["validate", "{pkg}"], "Validating"),
    "format": (["format", "{pkg}", "--check"], "Checking the format"),
    "publish": (["publish", "{pkg}", "--out", "{out}"], "Building the release"),
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_bar_on_a_terminal_and_none_in_a_pipe(name: str, pkg: Path, tmp_path: Path) -> None:
    args, label = COMMANDS[name]
    if not Path(CLI[0]).is_file():
        pytest.skip("the karabakh-timeline script is not installed next to this Python")
    filled = [a.format(pkg=pkg, out=tmp_path / "dist-pty") for a in args]
    code, out, terminal = _on_pty(CLI + filled, _env(tmp_path))
    assert code == 0, terminal
    assert label in terminal and BAR in terminal, terminal[-500:]
    assert BAR not in out and ESCAPE not in out  # stdout, a pipe, stays clean even then

    piped_args = [a.format(pkg=pkg, out=tmp_path / "dist-pipe") for a in args]
    piped = subprocess.run(CLI + piped_args, capture_output=True, text=True, env=_env(tmp_path), stdin=subprocess.DEVNULL)
    assert piped.returncode == 0, piped.stderr
    for stream in (piped.stdout, piped.stderr):
        assert label not in stream and BAR not in stream and ESCAPE not in stream


def test_no_bar_outside_the_command_line_or_with_a_dumb_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A library call draws nothing, and neither does TERM=dumb; a task without bars accepts its steps silently."""
    bar = progress.task("Anything", 3)
    assert type(bar) is progress.Task
    bar.advance("a step")

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("TERM", "dumb")
    assert not progress.is_terminal(Terminal())  # type: ignore[arg-type]
    monkeypatch.setenv("TERM", "xterm")
    assert progress.is_terminal(Terminal())  # type: ignore[arg-type]
    with open(os.devnull, "w") as null:
        assert not progress.is_terminal(null)
