"""Publishing a release: checked (valid data, version bumped enough), explained (changelog) and
reproducible (same commit, same bytes), built in a temporary directory inside OUT and moved into place.

A release is OUT/karabakh-timeline-X.Y.Z/ and OUT/karabakh-timeline-X.Y.Z.zip: the canonical data
and schemas, datapackage.json with bytes and hashes, exports (SQLite, Parquet, flat CSV), index.html,
README.md, LICENSE, CITATION.cff, CHANGELOG.md and SHA256SUMS.
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from karabakh_timeline.check.validator import validate
from karabakh_timeline.diff.compare import diff_packages
from karabakh_timeline.diff.inputs import extract_revision
from karabakh_timeline.diff.result import DiffResult
from karabakh_timeline.policy.versioning import at_least, bump_between, describe_bump, parse_version, sufficient, tag_of
from karabakh_timeline.release.assets import PRODUCT
from karabakh_timeline.release.changelog import changelog, changelog_section, with_narrative
from karabakh_timeline.release.contents import build_release, citation_cff, files_of, fix_metadata, write_zip
from karabakh_timeline.release.errors import PublishError
from karabakh_timeline.release.repository import Tags, commit_of, git, release_tags, release_time, repository_of
from karabakh_timeline.release.staging import make_folders, place, remove_created, stage_in
from karabakh_timeline.schema.descriptor import DESCRIPTOR, Package, PackageError, open_package
from karabakh_timeline.support.files import write_atomic
from karabakh_timeline.support.text import plural
from karabakh_timeline.vocabulary.exits import EXIT_INVALID, EXIT_UNREADABLE, EXIT_USAGE

RELEASE_MINIMUM = "patch"  # a release always bumps the version, even when no change requires it

__all__ = ["PublishError", "PublishResult", "publish"]


@dataclass
class PublishResult:
    """What was published, where, and against which previous release."""

    version: str
    directory: Path
    zip_path: Path
    created: str
    previous: str | None  # the previous release compared with (a tag or --since), None for a first release
    verdict: str | None  # the bump the changes required, None for a first release
    files: list[str] = field(default_factory=list)
    tagged: str | None = None
    warnings: list[str] = field(default_factory=list)


# --- publishing ------------------------------------------------------------------------------


def _package_paths(package: Package) -> list[str]:
    paths = [DESCRIPTOR]
    for raw in package.descriptor.get("resources", []):
        paths += [raw[k] for k in ("path", "schema") if isinstance(raw.get(k), str)]
    return paths


def _previous_release(root: Path | None, tags: Tags, version: str, since: str | None) -> tuple[str, str] | None:
    """(label, commit) of the release to compare with: --since, else the newest vX.Y.Z tag below version."""
    if since is not None:
        if root is None:
            raise PublishError("--since needs the package to be in a git repository", EXIT_USAGE)
        commit = commit_of(root, since)
        if commit is None:
            raise PublishError(f"--since {since}: not a revision of the git repository at {root}", EXIT_UNREADABLE)
        return since, commit
    current = parse_version(version)
    assert current is not None  # publish() refused other versions
    if tags and tags[-1][0] > current and f"v{version}" not in {name for _, name in tags}:
        raise PublishError(f"version {version} is not a bump over the previous release {tags[-1][1]}; raise datapackage.json's version")
    below = [name for number, name in tags if number < current]
    return (below[-1], commit_of(root, below[-1]) or "") if below and root else None


def _check_bump(diff: DiffResult, previous: str, old_version: str | None, version: str) -> None:
    """Refuse a release whose version is not bumped as much as the changes require, and at least a patch (policy.versioning)."""
    bump, required = bump_between(old_version, version), diff.verdict
    if not sufficient(bump, at_least(required, RELEASE_MINIMUM)) or diff.errors:
        done = describe_bump(bump, old_version)
        why = "; ".join(diff.verdict_reasons())
        need = f"the changes need a {required} bump ({why})" if required != "none" else "a release needs at least a patch bump"
        errors = "".join(f"\n  {i.code}: {i.message}" for i in diff.errors)
        raise PublishError(f"version {old_version} ({previous}) -> {version} is {done}; {need}{errors}")


def publish(path: str | os.PathLike[str] | None = None, out: str | os.PathLike[str] = "dist", *, since: str | None = None,
            force: bool = False, tag: bool = False) -> PublishResult:
    """Check and build the release of the package at path (as for validate) into out; nothing is written on refusal."""
    package = open_package(path)
    report = validate(package.descriptor_path)
    if report.unreadable:
        raise PublishError("cannot read the package", EXIT_UNREADABLE, report)
    if report.errors:
        count = len(report.errors)
        raise PublishError(f"the data does not validate ({plural(count, 'error')})", EXIT_INVALID, report)
    version = package.version
    if not isinstance(version, str) or parse_version(version) is None:
        raise PublishError(f"datapackage.json's version {version!r} is not MAJOR.MINOR.PATCH")
    root = repository_of(package.root)
    tags = release_tags(root) if root else []
    name = tag_of(version)
    warnings = []
    if name in {t for _, t in tags} and not force:
        raise PublishError(f"{version} is already released (tag {name} exists); bump the version, or rebuild it identically with --force")
    if root is not None:
        dirty = git(package.root, "status", "--porcelain", "--", *_package_paths(package)).stdout.rstrip()
        if dirty and tag:
            raise PublishError(f"the package has uncommitted changes; commit them before --tag:\n{dirty}")
        if dirty:
            warnings.append("the package has uncommitted changes, so this release is not the commit's")
    if tag:
        if root is None:
            raise PublishError("--tag needs the package to be in a git repository", EXIT_USAGE)
        if name in {t for _, t in tags} and commit_of(root, name) != commit_of(root, "HEAD"):
            raise PublishError(f"tag {name} exists and points at another commit; a published tag is never moved")
    created = release_time(root)
    previous = _previous_release(root, tags, version, since)
    rows = dict(report.tables)
    existing = (root / "CHANGELOG.md").read_text(encoding="utf-8") if root and (root / "CHANGELOG.md").is_file() else ""
    if previous is None:
        section = changelog_section(version, created.date(), rows)
        verdict = None
    else:
        assert root is not None
        prefix = package.root.resolve().relative_to(root.resolve()).as_posix()
        with tempfile.TemporaryDirectory(prefix=f"{PRODUCT}-publish-") as scratch:
            try:
                old = extract_revision(root, previous[1], "" if prefix == "." else prefix, Path(scratch) / "previous")
            except PackageError as exc:
                raise PublishError(f"the previous release {previous[0]}: {exc.issue.message}", EXIT_UNREADABLE) from exc
            diff = diff_packages(str(old), str(package.descriptor_path))
        old_version = previous[0][1:] if since is None else diff.old_version
        _check_bump(diff, previous[0], old_version, version)
        section = changelog_section(version, created.date(), rows, diff, f"{previous[0]}" + (f" ({old_version})" if since else ""))
        verdict = diff.verdict
    section = with_narrative(section, version, existing)
    text = changelog(section, version, existing)
    folder, archive = _build_into(package, Path(out), created, text, version)
    result = PublishResult(version, folder, archive, created.strftime("%Y-%m-%dT%H:%M:%SZ"), previous[0] if previous else None, verdict,
                           files_of(folder), warnings=warnings)
    if tag:
        assert root is not None
        write_atomic(root / "CHANGELOG.md", text.encode("utf-8"))
        write_atomic(root / "CITATION.cff", citation_cff(package.descriptor, created.date()).encode("utf-8"))
        if name not in {t for _, t in tags}:
            env = {**os.environ, "GIT_COMMITTER_DATE": result.created}
            made = git(root, "tag", "-a", name, "-m", f"{PRODUCT} {version}\n\n{section}", env=env)
            if made.returncode:
                why = made.stderr.strip()
                raise PublishError(f"the release was written but git could not create tag {name}: {why}", EXIT_USAGE, written=True)
        result.tagged = name
    return result


def _build_into(package: Package, out: Path, created: dt.datetime, text: str, version: str) -> tuple[Path, Path]:
    """Build in a private stage inside out, then move the folder and zip into place; on error out is left as it was."""
    made = make_folders(out)
    folder, archive = out / f"{PRODUCT}-{version}", out / f"{PRODUCT}-{version}.zip"
    try:
        with stage_in(out) as stage:
            new_folder, new_zip = stage / folder.name, stage / archive.name
            build_release(package, new_folder, created, text)
            fix_metadata(new_folder, created)
            write_zip(new_folder, new_zip, created)
            os.chmod(new_zip, 0o644)
            os.utime(new_zip, (created.timestamp(), created.timestamp()))
            place(stage, [(new_folder, folder), (new_zip, archive)])
    except BaseException:
        remove_created(made)
        raise
    return folder, archive
