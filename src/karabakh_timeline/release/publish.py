"""Publishing a release: checked (valid data, version bumped enough), explained (changelog) and
reproducible (same commit, same bytes), built in a temporary directory inside OUT and moved into place.

A release is OUT/karabakh-timeline-X.Y.Z/ and OUT/karabakh-timeline-X.Y.Z.zip: the canonical data
and schemas, datapackage.json with bytes and hashes, exports (SQLite, Parquet, flat CSV), index.html,
README.md, LICENSE, CITATION.cff, CHANGELOG.md and SHA256SUMS.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from karabakh_timeline.check.validator import validate
from karabakh_timeline.diff.inputs import extract_revision
from karabakh_timeline.release.changelog import changelog, changelog_section
from karabakh_timeline.release.exports import write_exports
from karabakh_timeline.release.page import render_page
from karabakh_timeline.schema.descriptor import DESCRIPTOR, Package, PackageError, open_package
from karabakh_timeline.support.files import dumps
from karabakh_timeline.tools.format import canonical_bytes
from karabakh_timeline.vocabulary.exits import EXIT_INVALID, EXIT_UNREADABLE, EXIT_USAGE
from karabakh_timeline.vocabulary.issues import Report

PRODUCT = "karabakh-timeline"
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_TAG = re.compile(r"^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_RESERVED = {"README.md", "LICENSE", "CITATION.cff", "CHANGELOG.md", "SHA256SUMS", "index.html", "exports", DESCRIPTOR}
_ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)  # the earliest time a zip entry can carry


class PublishError(Exception):
    """Publishing was refused or cannot go on (nothing was written, unless written says so); exit_code is the CLI's code."""

    def __init__(self, message: str, exit_code: int = EXIT_INVALID, report: Report | None = None, written: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.report = report
        self.written = written  # True only when the release was written and a later step (the tag) failed


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


# --- git -------------------------------------------------------------------------------------


def _git(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False, env=env)
    except OSError as exc:  # git is not installed: the package is treated as outside any repository
        return subprocess.CompletedProcess(["git", *args], 127, "", str(exc))


def repository_of(directory: Path) -> Path | None:
    """The root of the git repository that tracks directory's datapackage.json (None outside one, or without git)."""
    found = _git(directory, "rev-parse", "--show-toplevel")
    if found.returncode or not found.stdout.strip():
        return None
    # An installed copy inside some other repository (a virtualenv in a checkout) is not that repository's package.
    tracked = _git(directory, "ls-files", "--error-unmatch", "--", DESCRIPTOR)
    return Path(found.stdout.strip()) if tracked.returncode == 0 else None


def release_tags(root: Path) -> list[tuple[tuple[int, int, int], str]]:
    """The repository's vX.Y.Z tags as (version tuple, tag), oldest first."""
    listed = _git(root, "tag", "--list", "v*").stdout.split()
    return sorted((tuple(map(int, m.groups())), name) for name in listed if (m := _TAG.match(name)))  # type: ignore[misc]


def _commit(root: Path, rev: str) -> str | None:
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    return found.stdout.strip() if found.returncode == 0 else None


def release_time(root: Path | None) -> dt.datetime:
    """SOURCE_DATE_EPOCH if set, else the commit time of HEAD; never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        if not epoch.strip().isdigit():
            raise PublishError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, got {epoch!r}", EXIT_USAGE)
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    if root is not None:
        stamp = _git(root, "log", "-1", "--format=%cI")
        if stamp.returncode == 0 and stamp.stdout.strip():
            return dt.datetime.fromisoformat(stamp.stdout.strip()).astimezone(dt.UTC)
    raise PublishError("cannot date the release: the package is not in a git repository with a commit and SOURCE_DATE_EPOCH "
                       "is not set; set it to the release time, e.g. SOURCE_DATE_EPOCH=$(date +%s)", EXIT_USAGE)


# --- the release's files ---------------------------------------------------------------------


def _template(name: str) -> str:
    return resources.files("karabakh_timeline").joinpath("templates", name).read_text(encoding="utf-8")


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def citation_cff(descriptor: dict[str, Any], released: dt.date) -> str:
    """CITATION.cff (CFF 1.2.0) for the dataset release."""
    people = [c for c in descriptor.get("contributors", []) if isinstance(c, dict) and c.get("role", "author") == "author"]
    names = [c.get("title") for c in people if c.get("title")] or [f"{PRODUCT} contributors"]
    licence = next((lic.get("name") for lic in descriptor.get("licenses", []) if isinstance(lic, dict) and lic.get("name")), None)
    lines = ["cff-version: 1.2.0", 'message: "If you use this dataset, please cite it as below."', "type: dataset",
             f"title: {_yaml(descriptor.get('title') or descriptor.get('name') or PRODUCT)}", f"version: {_yaml(descriptor['version'])}",
             f"date-released: {_yaml(released.isoformat())}"]
    if licence:
        lines.append(f"license: {_yaml(licence)}")
    if descriptor.get("homepage"):
        lines.append(f"url: {_yaml(descriptor['homepage'])}")
    if descriptor.get("description"):
        lines.append(f"abstract: {_yaml(descriptor['description'])}")
    if descriptor.get("keywords"):
        lines.append("keywords:")
        lines += [f"  - {_yaml(str(k))}" for k in descriptor["keywords"]]
    lines.append("authors:")
    lines += [f"  - name: {_yaml(n)}" for n in names]
    return "\n".join(lines) + "\n"


def licence_text(descriptor: dict[str, Any]) -> str:
    """LICENSE for the release: the data's licences as the descriptor declares them."""
    title = descriptor.get("title") or PRODUCT
    paragraphs = [f"{title} {descriptor['version']}"]
    for lic in descriptor.get("licenses", []):
        name, url = lic.get("name") or "", str(lic.get("path") or "").rstrip("/")
        paragraphs.append(f"The data in this release (datapackage.json, data/, schemas/, exports/ and the data inside index.html) is "
                          f"licensed under the {lic.get('title') or name} licence ({name})" + (f": {url}/" if url else "."))
        if name.upper().startswith("CC-BY-") and url:
            paragraphs.append(f"You may share and adapt the data for any purpose, even commercially, if you give appropriate credit "
                              f"(\"{title}, version {descriptor['version']}, {PRODUCT} contributors\"), link to the licence and say "
                              f"whether you made changes. The full legal code: {url}/legalcode")
    paragraphs.append("The script and styles inside index.html are part of the karabakh-timeline software, under the MIT licence.")
    return "\n\n".join(textwrap.fill(p, 100, break_long_words=False, break_on_hyphens=False) for p in paragraphs) + "\n"


def release_readme(descriptor: dict[str, Any], package: Package, rows: dict[str, int], created: dt.datetime) -> str:
    """README.md for the release: what it is, its files and its tables."""
    tables = ["| table | rows | description |", "| --- | ---: | --- |"]
    for name, resource in package.resources.items():
        tables.append(f"| `{name}` (`{resource.relpath}`) | {rows[name]:,} | {resource.schema.description.replace('|', '/')} |")
    licence = ", ".join(lic.get("name", "") for lic in descriptor.get("licenses", [])) or "see LICENSE"
    values = {"title": descriptor.get("title") or PRODUCT, "version": descriptor["version"], "date": created.date().isoformat(),
              "description": descriptor.get("description") or "", "licence": licence, "tables": "\n".join(tables), "product": PRODUCT}
    return re.sub(r"\{\{ (\w+) \}\}", lambda m: values[m.group(1)], _template("README.md"))


def sha256sums(folder: Path) -> str:
    """sha256sum's format for every file under folder, sorted by path."""
    lines = []
    for rel in _files(folder):
        lines.append(f"{hashlib.sha256((folder / rel).read_bytes()).hexdigest()}  {rel}")
    return "\n".join(lines) + "\n"


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def write_zip(folder: Path, target: Path, created: dt.datetime) -> None:
    """The folder as a zip with one top folder, files sorted, timestamps from created, mode 0644, nothing else."""
    stamp = max(created, _ZIP_EPOCH).timetuple()[:6]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for rel in _files(folder):
            info = zipfile.ZipInfo(f"{folder.name}/{rel}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the building machine, so the mode bits mean the same
            info.external_attr = 0o100644 << 16
            archive.writestr(info, (folder / rel).read_bytes(), compresslevel=9)


def _fix_metadata(folder: Path, created: dt.datetime) -> None:
    """Permissions 0644/0755 and every mtime set to the release time, so copies and archives agree."""
    stamp = created.timestamp()
    for path in sorted(folder.rglob("*"), reverse=True) + [folder]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
        os.utime(path, (stamp, stamp))


# --- building --------------------------------------------------------------------------------


def build_release(package: Package, folder: Path, created: dt.datetime, changelog: str) -> list[str]:
    """Write the complete release of an opened, valid package into folder (which must not exist)."""
    folder.mkdir()
    descriptor: dict[str, Any] = {}
    for key, value in package.descriptor.items():
        if key != "created":
            descriptor[key] = value
        if key == "version":
            descriptor["created"] = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    descriptor.setdefault("created", created.strftime("%Y-%m-%dT%H:%M:%SZ"))
    released: list[dict[str, Any]] = []
    for raw in package.descriptor["resources"]:
        resource = package.resources[raw["name"]]
        schema_rel = raw["schema"] if isinstance(raw.get("schema"), str) else f"schemas/{resource.name}.json"
        for rel in (resource.relpath, schema_rel):
            if Path(rel).parts[0] in _RESERVED:
                raise PublishError(f"resource {resource.name!r}: its path {rel} collides with a file the release writes")
        data, problems = canonical_bytes(resource, resource.path.read_bytes())
        if data is None:  # validation passed, so this cannot happen short of a race with an editor
            raise PublishError(f"{resource.relpath} changed while publishing: {problems[0].message}")
        (folder / resource.relpath).parent.mkdir(parents=True, exist_ok=True)
        (folder / resource.relpath).write_bytes(data)
        schema_source = package.root / schema_rel if isinstance(raw.get("schema"), str) else None
        schema_json = json.loads(schema_source.read_text(encoding="utf-8")) if schema_source else raw["schema"]
        (folder / schema_rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / schema_rel).write_text(dumps(schema_json), encoding="utf-8")
        entry = {k: v for k, v in raw.items() if k not in ("bytes", "hash")}
        entry["schema"] = schema_rel
        entry["bytes"] = len(data)
        entry["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        released.append(entry)
    descriptor["resources"] = released
    (folder / DESCRIPTOR).write_text(dumps(descriptor), encoding="utf-8")
    staged = open_package(folder / DESCRIPTOR)
    tables = write_exports(staged, folder / "exports")
    rows = {name: t.num_rows for name, t in tables.items()}
    roles = [str(r) for r in staged.resources["event_actors"].schema.field("role").enum or []] if "event_actors" in staged.resources else []
    (folder / "index.html").write_text(render_page(tables, descriptor, roles), encoding="utf-8")
    (folder / "README.md").write_text(release_readme(descriptor, staged, rows, created), encoding="utf-8")
    (folder / "LICENSE").write_text(licence_text(descriptor), encoding="utf-8")
    (folder / "CITATION.cff").write_text(citation_cff(descriptor, created.date()), encoding="utf-8")
    (folder / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    (folder / "SHA256SUMS").write_text(sha256sums(folder), encoding="utf-8")
    return _files(folder)


# --- publishing ------------------------------------------------------------------------------


def _package_paths(package: Package) -> list[str]:
    paths = [DESCRIPTOR]
    for raw in package.descriptor.get("resources", []):
        paths += [raw[k] for k in ("path", "schema") if isinstance(raw.get(k), str)]
    return paths


Tags = list[tuple[tuple[int, int, int], str]]


def _previous_release(root: Path | None, tags: Tags, version: str, since: str | None) -> tuple[str, str] | None:
    """(label, commit) of the release to compare with: --since, else the newest vX.Y.Z tag below version."""
    if since is not None:
        if root is None:
            raise PublishError("--since needs the package to be in a git repository", EXIT_USAGE)
        commit = _commit(root, since)
        if commit is None:
            raise PublishError(f"--since {since}: not a revision of the git repository at {root}", EXIT_UNREADABLE)
        return since, commit
    current = tuple(map(int, version.split(".")))
    if tags and tags[-1][0] > current and f"v{version}" not in {name for _, name in tags}:
        raise PublishError(f"version {version} is not a bump over the previous release {tags[-1][1]}; raise datapackage.json's version")
    below = [name for number, name in tags if number < current]
    return (below[-1], _commit(root, below[-1]) or "") if below and root else None


def _check_bump(diff: Any, previous: str, old_version: str | None, version: str) -> None:
    from karabakh_timeline.diff.compare import LEVELS, bump_between

    bump, required = bump_between(old_version, version), diff.verdict
    if bump not in ("patch", "minor", "major") or LEVELS.index(bump) < LEVELS.index(required) or diff.errors:
        named = {None: f"not comparable with {old_version!r}", "none": "no version change", "downgrade": "a downgrade"}
        done = named.get(bump, f"a {bump} bump")
        why = "; ".join(diff.verdict_reasons())
        need = f"the changes need a {required} bump ({why})" if required != "none" else "a release needs at least a patch bump"
        errors = "".join(f"\n  {i.code}: {i.message}" for i in diff.errors)
        raise PublishError(f"version {old_version} ({previous}) -> {version} is {done}; {need}{errors}")


def publish(path: str | os.PathLike[str] | None = None, out: str | os.PathLike[str] = "dist", *, since: str | None = None,
            force: bool = False, tag: bool = False) -> PublishResult:
    """Check and build the release of the package at path (as for validate) into out; nothing is written on refusal."""
    from karabakh_timeline.diff.compare import diff_packages

    package = open_package(path)
    report = validate(package.descriptor_path)
    if report.unreadable:
        raise PublishError("cannot read the package", EXIT_UNREADABLE, report)
    if report.errors:
        count = len(report.errors)
        raise PublishError(f"the data does not validate ({count:,} error{'' if count == 1 else 's'})", EXIT_INVALID, report)
    version = package.version
    if not isinstance(version, str) or not _SEMVER.match(version):
        raise PublishError(f"datapackage.json's version {version!r} is not MAJOR.MINOR.PATCH")
    root = repository_of(package.root)
    tags = release_tags(root) if root else []
    name = f"v{version}"
    warnings = []
    if name in {t for _, t in tags} and not force:
        raise PublishError(f"{version} is already released (tag {name} exists); bump the version, or rebuild it identically with --force")
    if root is not None:
        dirty = _git(package.root, "status", "--porcelain", "--", *_package_paths(package)).stdout.rstrip()
        if dirty and tag:
            raise PublishError(f"the package has uncommitted changes; commit them before --tag:\n{dirty}")
        if dirty:
            warnings.append("the package has uncommitted changes, so this release is not the commit's")
    if tag:
        if root is None:
            raise PublishError("--tag needs the package to be in a git repository", EXIT_USAGE)
        if name in {t for _, t in tags} and _commit(root, name) != _commit(root, "HEAD"):
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
    text = changelog(section, version, existing)
    folder, archive = _build_into(package, Path(out), created, text, version)
    result = PublishResult(version, folder, archive, created.strftime("%Y-%m-%dT%H:%M:%SZ"), previous[0] if previous else None, verdict,
                           _files(folder), warnings=warnings)
    if tag:
        assert root is not None
        _write_atomic(root / "CHANGELOG.md", text.encode("utf-8"))
        if name not in {t for _, t in tags}:
            env = {**os.environ, "GIT_COMMITTER_DATE": result.created}
            made = _git(root, "tag", "-a", name, "-m", f"{PRODUCT} {version}\n\n{section}", env=env)
            if made.returncode:
                why = made.stderr.strip()
                raise PublishError(f"the release was written but git could not create tag {name}: {why}", EXIT_USAGE, written=True)
        result.tagged = name
    return result


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _build_into(package: Package, out: Path, created: dt.datetime, text: str, version: str) -> tuple[Path, Path]:
    """Build in a hidden directory inside out, then move the folder and zip into place; on error out is left as it was."""
    if out.exists() and not out.is_dir():
        raise PublishError(f"--out {out} exists and is not a directory", EXIT_USAGE)
    made = next((p for p in reversed([out, *out.parents]) if not p.exists()), None)  # the first folder this run creates
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{PRODUCT}-{version}.", suffix=".tmp", dir=out))
    folder, archive = out / f"{PRODUCT}-{version}", out / f"{PRODUCT}-{version}.zip"
    placed: list[Path] = []
    backups: list[tuple[Path, Path]] = []
    try:
        new_folder, new_zip = stage / folder.name, stage / archive.name
        build_release(package, new_folder, created, text)
        _fix_metadata(new_folder, created)
        write_zip(new_folder, new_zip, created)
        os.chmod(new_zip, 0o644)
        os.utime(new_zip, (created.timestamp(), created.timestamp()))
        for target in (folder, archive):  # a rebuild: the old release steps aside until the new one is in place
            if target.exists() or target.is_symlink():
                backups.append((stage / f"old-{target.name}", target))
                os.replace(target, backups[-1][0])
        for source, target in ((new_folder, folder), (new_zip, archive)):
            os.replace(source, target)
            placed.append(target)
    except BaseException:
        for target in placed:
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        for backup, target in backups:
            os.replace(backup, target)
        shutil.rmtree(stage, ignore_errors=True)
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
        raise
    shutil.rmtree(stage, ignore_errors=True)
    return folder, archive
