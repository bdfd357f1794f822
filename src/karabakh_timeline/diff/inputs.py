"""The two sides of a diff: where they come from (a package directory or datapackage.json, a release
zip, a git revision) and how their tables are read.

Zips and git revisions are copied into a temporary directory; nothing is ever written to the
working tree, the repository or the zip. Git is read with plumbing only (rev-parse, ls-tree,
cat-file), so the index, HEAD and the checkout stay untouched. Tables are read by the same loader
as validate; damage that loses rows stops the diff (exit 3), other reading problems are warnings.
"""
from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from karabakh_timeline.policy.retirement import TABLE as RETIRED
from karabakh_timeline.policy.retirement import id_tables, retired_by_table
from karabakh_timeline.read.typed import TypedTable, read_typed
from karabakh_timeline.schema.descriptor import DESCRIPTOR, Package, PackageError, locate
from karabakh_timeline.support import strict_json
from karabakh_timeline.support.git import GIT_MISSING, run_git
from karabakh_timeline.support.text import safe_text
from karabakh_timeline.vocabulary.issues import Issue

_FATAL = {"empty-file", "parse-error", "missing-cell", "extra-cell", "duplicate-header", "file-unreadable", "file-missing"}
_WARNINGS_PER_TABLE = 10


@dataclass(frozen=True)
class Side:
    """One side of a diff: what the user named, what it is, and the datapackage.json to open."""

    label: str  # as given on the command line ("v0.1.0", "new.zip"), or "working tree"
    kind: str  # "path", "zip", "git" or "working tree"
    descriptor: Path
    revision: str | None = None  # the full commit id, for git revisions


def resolve(arg: str | None, workdir: Path) -> Side:
    """Turn a command-line argument into a readable package: existing path first, else git revision.

    None means the working tree (the package found by the same rule as validate). Zips and
    revisions are materialised under workdir, a fresh directory the caller removes.
    """
    if arg is None:
        return Side("working tree", "working tree", locate(None))
    path = Path(arg)
    try:
        exists = path.exists()
    except (OSError, ValueError):  # a name too long for the file system: neither a path nor a revision
        raise PackageError(Issue("revision-not-found", f"{safe_text(arg)} is neither a readable path nor a git revision (the name is "
                                 "too long)", value=safe_text(arg))) from None
    if exists:
        if path.is_file() and (path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)):
            return Side(arg, "zip", _from_zip(path, workdir))
        return Side(arg, "path", locate(arg))
    return _from_git(arg, workdir)


def _unsafe_member(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts


MAX_ZIP_BYTES = 4 * 1024 ** 3  # uncompressed bytes a release zip may unpack to (the timeline's is a few megabytes)
MAX_ZIP_RATIO = 200  # uncompressed / compressed, for members above a megabyte: more is a zip bomb, not CSV


def _check_size(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip whose used members unpack to more than MAX_ZIP_BYTES or compress more than MAX_ZIP_RATIO."""
    total = sum(info.file_size for info in members)
    if total > MAX_ZIP_BYTES:
        raise PackageError(Issue("zip-too-large", f"{path}: the package's files unpack to {total:,} bytes, above the limit of "
                                 f"{MAX_ZIP_BYTES:,}", value=str(path)))
    for info in members:
        if info.file_size > 1 << 20 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise PackageError(Issue("zip-too-large", f"{path}: {info.filename} unpacks {info.file_size // max(info.compress_size, 1):,} "
                                     f"times its compressed size (limit {MAX_ZIP_RATIO})", value=info.filename))


def _extract(archive: zipfile.ZipFile, path: Path, info: zipfile.ZipInfo, target: Path) -> None:
    """Stream one member to target; encrypted, unsupported or damaged members are zip-invalid."""
    if info.flag_bits & 0x1:
        raise PackageError(Issue("zip-invalid", f"{path}: {info.filename} is encrypted; release zips never are", value=info.filename))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with archive.open(info) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:  # CRC, truncation, compression
        raise PackageError(Issue("zip-invalid", f"{path}: cannot extract {info.filename}: {exc}", value=info.filename)) from exc


def _from_zip(path: Path, workdir: Path) -> Path:
    """Extract a release zip safely; the package is at its root or inside one top-level folder."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(Issue("zip-invalid", f"{path} is not a readable zip file: {exc}", value=str(path))) from exc
    with archive:
        members = archive.infolist()
        for info in members:
            is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
            if _unsafe_member(info.filename) or is_link:
                why = "a symbolic link" if is_link else "an absolute path or '..'"
                raise PackageError(Issue("path-unsafe", f"{path}: member {info.filename!r} is {why}; the zip is refused", value=info.filename))
        names = {info.filename for info in members if not info.is_dir()}
        if DESCRIPTOR in names:
            prefix = ""
        else:
            nested = sorted(n for n in names if n.count("/") == 1 and n.endswith("/" + DESCRIPTOR))
            if len(nested) != 1:
                found = f"several ({', '.join(nested)})" if nested else "none"
                raise PackageError(Issue("package-not-found", f"{path}: no {DESCRIPTOR} at the zip's root or inside one top-level folder ({found})",
                                         value=str(path)))
            prefix = nested[0][: -len(DESCRIPTOR)]
        dest = workdir / "zip"
        by_name = {info.filename: info for info in members if not info.is_dir()}
        _extract(archive, path, by_name[prefix + DESCRIPTOR], dest / DESCRIPTOR)
        wanted = {posixpath.normpath(prefix + rel) for rel in _referenced_paths(dest / DESCRIPTOR)}
        used = [by_name[n] for n in sorted(wanted) if n in by_name]  # members the package does not use are never extracted
        _check_size(path, [by_name[prefix + DESCRIPTOR], *used])
        for info in used:
            _extract(archive, path, info, dest / info.filename[len(prefix):])
    return dest / DESCRIPTOR


def _git(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    done = run_git(args, cwd)
    if done.returncode == GIT_MISSING and not done.stdout:
        why = done.stderr.decode("utf-8", "replace")
        raise PackageError(Issue("revision-not-found", f"git cannot be run ({why}); give a package directory or a zip instead"))
    return done


def _from_git(rev: str, workdir: Path) -> Side:
    """Copy the package of a git revision of the repository around the working directory."""
    if not rev or rev.startswith("-"):
        raise PackageError(Issue("revision-not-found", f"{rev!r} looks like an option, not a path or a git revision", value=rev))
    top = _git(["rev-parse", "--show-toplevel"])
    if top.returncode:
        raise PackageError(Issue("revision-not-found", f"{rev} is not an existing path, and {Path.cwd()} is not inside a git repository"
                                 " in which it could be a revision", value=rev))
    root = Path(top.stdout.decode().strip())
    prefix = _git(["rev-parse", "--show-prefix"]).stdout.decode().strip()
    found = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], root)
    if found.returncode:
        raise PackageError(Issue("revision-not-found",
                                 f"{rev} is neither an existing path nor a revision (tag, branch, commit) of the git repository at {root}", value=rev))
    commit = found.stdout.decode().strip()
    blobs = _tree(root, commit)
    package_dir = next((d for d in (prefix.rstrip("/"), "") if posixpath.join(d, DESCRIPTOR) in blobs), None)
    if package_dir is None:
        raise PackageError(Issue("package-not-found", f"revision {rev} ({commit[:12]}) has no {DESCRIPTOR}", value=rev))
    return Side(rev, "git", extract_revision(root, commit, package_dir, workdir / "git", blobs), commit)


def extract_revision(root: Path, commit: str, package_dir: str, dest: Path, blobs: dict[str, str] | None = None) -> Path:
    """Copy the package at package_dir ("" for the repository root) of a commit into dest, with
    read-only git plumbing: the descriptor and the files it references, nothing else.

    Returns the copied datapackage.json; PackageError when the commit has none there.
    """
    blobs = _tree(root, commit) if blobs is None else blobs
    descriptor_rel = posixpath.join(package_dir, DESCRIPTOR)
    if descriptor_rel not in blobs:
        raise PackageError(Issue("package-not-found", f"commit {commit[:12]} has no {descriptor_rel}", value=commit))
    _write_blob(root, blobs[descriptor_rel], dest / DESCRIPTOR)
    for rel in _referenced_paths(dest / DESCRIPTOR):
        full = posixpath.normpath(posixpath.join(package_dir, rel))
        if not _unsafe_member(rel) and full in blobs:
            _write_blob(root, blobs[full], dest / rel)
    return dest / DESCRIPTOR


def _tree(root: Path, commit: str) -> dict[str, str]:
    """Every regular file of a commit: repository path -> blob id (symlinks and submodules left out)."""
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit], root)
    blobs: dict[str, str] = {}
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, name = entry.split(b"\t", 1)
        mode, kind, oid = meta.decode().split()
        if kind == "blob" and mode in ("100644", "100755"):
            blobs[os.fsdecode(name)] = oid
    return blobs


def _write_blob(root: Path, oid: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:  # streamed: a data file can be larger than memory allows twice
        subprocess.run(["git", "cat-file", "blob", oid], cwd=root, stdout=out, check=True)


def _referenced_paths(descriptor: Path) -> list[str]:
    """Resource and schema paths named by a descriptor (the rest of the tree is not needed)."""
    try:
        data = strict_json.loads(descriptor.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # UnicodeDecodeError, JSONDecodeError and StrictJSONError are ValueErrors
        return []  # open_package reports the broken descriptor with its line
    resources = data.get("resources") if isinstance(data, dict) else None
    paths = []
    for raw in resources if isinstance(resources, list) else []:
        for key in ("path", "schema"):
            value = raw.get(key) if isinstance(raw, dict) else None
            if isinstance(value, str) and value:
                paths.append(value)
    return paths


# --- reading the tables of a side ------------------------------------------------------------


def check_opened(package: Package, label: str, scope: set[str]) -> None:
    """Raise PackageError when the descriptor or a resource in scope could not be opened."""
    for issue in package.issues:
        if issue.table is None or issue.table in scope:
            raise PackageError(Issue(issue.code, f"{label}: {issue.message}", issue.table, issue.line, issue.field, issue.value))


def read_side(package: Package, name: str, label: str) -> tuple[TypedTable, list[Issue]]:
    """Read one table (typed, as Arrow) and the warnings to show; damage that loses
    rows (parse errors, ragged rows) raises PackageError."""
    t = read_typed(package, name)
    for issue in t.issues:
        if issue.code in _FATAL or not t.readable:
            where = f" line {issue.line}" if issue.line else ""
            raise PackageError(Issue(issue.code, f"{label}: {name}{where}: {issue.message}", name, issue.line, issue.field, issue.value))
    return t, side_warnings(label, name, t.issues)


def side_warnings(label: str, table: str, issues: list[Issue]) -> list[Issue]:
    """Reading problems as warnings naming their side, at most a few per table."""
    out = [Issue(i.code, f"{label}: {i.message}", table, i.line, i.field, i.value, "warning") for i in issues[:_WARNINGS_PER_TABLE]]
    if len(issues) > _WARNINGS_PER_TABLE:
        extra = issues[_WARNINGS_PER_TABLE]
        out.append(Issue(extra.code, f"{label}: {len(issues) - _WARNINGS_PER_TABLE:,} more problems reading {table} not listed", table, severity="warning"))
    return out


def read_retired(package: Package, label: str) -> tuple[dict[str, set[str]], set[str], list[Issue]]:
    """The package's retired IDs by table (policy.retirement), the tables retired_ids can name, and reading warnings."""
    if RETIRED not in package.resources:
        return {}, id_tables(None), []
    schema = package.resources[RETIRED].schema
    if "id" not in schema.field_names:
        return {}, id_tables(schema), []
    t, warnings = read_side(package, RETIRED, label)
    tables = t.column("table").to_pylist() if "table" in schema.field_names else None
    return retired_by_table(t.column("id").to_pylist(), tables), id_tables(schema), warnings
