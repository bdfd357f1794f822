"""Versions: the one semver pattern, the bump between two versions, and whether a bump is enough.

Used by diff (--check-version), publish (refusing a short bump) and the changelog (its sections).
Versions are strict MAJOR.MINOR.PATCH (0.x included); release tags are the same with a leading v.
A pre-release or build suffix is not a version this project releases, so it does not compare.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

LEVELS = ("none", "patch", "minor", "major")  # the bumps, smallest first
CORE = r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
_VERSION = re.compile(rf"^{CORE}$")
_TAG = re.compile(rf"^v{CORE}$")
SECTION = re.compile(rf"^## {CORE}\b", re.MULTILINE)  # a release's heading in CHANGELOG.md

Version = tuple[int, int, int]


def parse_version(text: object) -> Version | None:
    """(major, minor, patch) of a MAJOR.MINOR.PATCH string, else None."""
    match = _VERSION.match(text) if isinstance(text, str) else None
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def parse_tag(name: str) -> Version | None:
    """(major, minor, patch) of a release tag vMAJOR.MINOR.PATCH, else None."""
    match = _TAG.match(name)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def tag_of(version: str) -> str:
    """The release tag of a version: 1.2.3 -> v1.2.3."""
    return f"v{version}"


def bump_between(old: str | None, new: str | None) -> str | None:
    """The bump from version old to new: none, patch, minor, major or downgrade; None unless both are versions."""
    a, b = parse_version(old), parse_version(new)
    if a is None or b is None:
        return None
    if b < a:
        return "downgrade"
    return "none" if a == b else "major" if b[0] > a[0] else "minor" if b[1] > a[1] else "patch"


def at_least(*levels: str) -> str:
    """The largest of some levels (none when given none)."""
    return max(levels, key=LEVELS.index, default="none")


def sufficient(bump: str | None, required: str) -> bool:
    """Is a bump (from bump_between) enough for the changes' required level?

    A downgrade never is. Versions that do not compare (None) are enough only when nothing
    requires a bump.
    """
    if bump is None:
        return required == "none"
    return bump in LEVELS and LEVELS.index(bump) >= LEVELS.index(required)


def describe_bump(bump: str | None, old: str | None) -> str:
    """A bump in words: 'a minor bump', 'no version change', 'a downgrade', "not comparable with 'x'"."""
    named = {None: f"not comparable with {old!r}", "none": "no version change", "downgrade": "a downgrade"}
    return named.get(bump, f"a {bump} bump")


@dataclass(frozen=True)
class VersionCheck:
    """Is NEW's version at least the bump the changes require over OLD's?"""

    old: str | None
    new: str | None
    bump: str | None  # none, patch, minor, major, downgrade; None when a version is not MAJOR.MINOR.PATCH
    required: str
    sufficient: bool
    message: str


def check_versions(old: str | None, new: str | None, required: str) -> VersionCheck:
    """The version check of diff --check-version (and the facts publish words its refusal from)."""
    bump = bump_between(old, new)
    ok = sufficient(bump, required)
    if required == "none" and bump != "downgrade":
        return VersionCheck(old, new, bump, required, ok, f"no change requires a version bump (version {old} -> {new})")
    if bump is None:
        return VersionCheck(old, new, bump, required, ok,
                            f"cannot compare versions {old!r} and {new!r} (not MAJOR.MINOR.PATCH); the changes need a {required} bump")
    done = "no version change" if bump == "none" else describe_bump(bump, old)
    need = f"the changes need a {required} bump" if required != "none" else "no change requires a bump"
    return VersionCheck(old, new, bump, required, ok, f"version {old} -> {new} is {done}; {need}: {'enough' if ok else 'not enough'}")
