"""Running git read-only: one runner that never raises when git is missing (exit 127 instead)."""
from __future__ import annotations

import subprocess
from pathlib import Path

GIT_MISSING = 127  # the shell's "command not found"


def run_git(args: list[str], cwd: Path | None = None, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """git ARGS in cwd, output captured as bytes; returncode 127 and the reason in stderr when git cannot be run."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, env=env)
    except OSError as exc:
        return subprocess.CompletedProcess(["git", *args], GIT_MISSING, b"", str(exc.strerror or exc).encode())


def git_text(args: list[str], cwd: Path | None = None, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """run_git with stdout and stderr decoded as UTF-8."""
    done = run_git(args, cwd, env=env)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))


def commit_of(root: Path, rev: str) -> str | None:
    """The full commit id rev names in the repository at root, or None."""
    found = git_text(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], root)
    return found.stdout.strip() if found.returncode == 0 else None
