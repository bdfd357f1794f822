"""The repository around a package: whether git tracks it, its release tags, the release time."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from karabakh_timeline.policy.versioning import Version, parse_tag
from karabakh_timeline.release.errors import PublishError
from karabakh_timeline.schema.descriptor import DESCRIPTOR
from karabakh_timeline.support.git import commit_of, git_text
from karabakh_timeline.vocabulary.exits import EXIT_USAGE

__all__ = ["Tags", "commit_of", "git", "release_tags", "release_time", "repository_of"]


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """git ARGS in root, text output; without git installed, exit 127 (the package then counts as outside any repository)."""
    return git_text(list(args), root, env=env)


def repository_of(directory: Path) -> Path | None:
    """The root of the git repository that tracks directory's datapackage.json (None outside one, or without git)."""
    found = git(directory, "rev-parse", "--show-toplevel")
    if found.returncode or not found.stdout.strip():
        return None
    # An installed copy inside some other repository (a virtualenv in a checkout) is not that repository's package.
    tracked = git(directory, "ls-files", "--error-unmatch", "--", DESCRIPTOR)
    return Path(found.stdout.strip()) if tracked.returncode == 0 else None


Tags = list[tuple[Version, str]]


def release_tags(root: Path) -> Tags:
    """The repository's vX.Y.Z tags as (version tuple, tag), oldest first."""
    listed = git(root, "tag", "--list", "v*").stdout.split()
    return sorted((number, name) for name in listed if (number := parse_tag(name)) is not None)


_LAST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime holds


def release_time(root: Path | None) -> dt.datetime:
    """SOURCE_DATE_EPOCH if set, else the commit time of HEAD; never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        if not (epoch.isascii() and epoch.strip().isdigit() and int(epoch) <= _LAST_EPOCH):
            raise PublishError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970 in ASCII digits, at most {_LAST_EPOCH} "
                               f"(9999-12-31), got {epoch[:40]!r}", EXIT_USAGE)
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    if root is not None:
        stamp = git(root, "log", "-1", "--format=%cI")
        if stamp.returncode == 0 and stamp.stdout.strip():
            return dt.datetime.fromisoformat(stamp.stdout.strip()).astimezone(dt.UTC)
    raise PublishError("cannot date the release: the package is not in a git repository with a commit and SOURCE_DATE_EPOCH "
                       "is not set; set it to the release time, e.g. SOURCE_DATE_EPOCH=$(date +%s)", EXIT_USAGE)
