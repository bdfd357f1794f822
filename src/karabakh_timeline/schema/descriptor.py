"""Finding and opening a data package: the descriptor, its resources and their schemas.

Only local files inside the package directory are ever read; every path is checked before use.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from karabakh_timeline.schema.dialect import Dialect, DialectError, UnsupportedFeature, data_format, parse_dialect, parse_encoding
from karabakh_timeline.schema.table_schema import SchemaError, TableSchema, parse_schema
from karabakh_timeline.support import strict_json
from karabakh_timeline.support.text import safe_text
from karabakh_timeline.vocabulary.issues import Issue

DESCRIPTOR = "datapackage.json"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")  # http://, https://, s3://, ftp://...: a remote path, never fetched
REMOTE = "remote path"  # the feature an unsupported-feature issue names for one
RESOURCE_NAME = re.compile(r"[a-z0-9._-]{1,200}")  # the Data Package rule (lower case, digits, - _ .), and a sane length


class PackageError(Exception):
    """The package cannot be read at all; carries the coded issue to report (exit 3)."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


@dataclass
class Resource:
    """One tabular resource: its name, its CSV file and its parsed schema, and how to read the file (schema.dialect)."""

    name: str
    path: Path  # the descriptor itself for an inline-data resource
    relpath: str
    schema: TableSchema
    dialect: Dialect = field(default_factory=Dialect)
    encoding: str = "utf-8"
    compression: str | None = None  # gz or zip
    inline: list[Any] | None = None  # the rows of an inline "data" resource
    size: int | None = None  # the declared "bytes" of the file
    hash: str | None = None  # the declared "hash": "algorithm:hex" (md5 when no algorithm is named)

    @property
    def plain(self) -> bool:
        """True for a UTF-8 CSV file in the default dialect, uncompressed: the fast path reads it directly."""
        return self.inline is None and self.compression is None and self.encoding in ("utf-8", "utf-8-sig") and self.dialect.is_default


@dataclass
class Package:
    """An opened data package. Resources that could not be opened are reported in issues."""

    descriptor_path: Path
    descriptor: dict[str, Any]
    resources: dict[str, Resource] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    metadata_issues: list[Issue] = field(default_factory=list)  # what v1 requires of metadata: for the validator, no bar to reading

    @property
    def root(self) -> Path:
        """The package directory."""
        return self.descriptor_path.parent

    @property
    def version(self) -> str | None:
        """The descriptor's version, if any."""
        return self.descriptor.get("version")


def bundled_descriptor() -> Path:
    """The datapackage.json shipped with this package (in the wheel, or the source checkout)."""
    package = Path(__file__).resolve().parents[1]  # karabakh_timeline/ (this module sits in schema/)
    for candidate in (package / "_package" / DESCRIPTOR, package.parents[1] / DESCRIPTOR):
        if candidate.is_file():
            return candidate
    raise PackageError(Issue("package-not-found", "the bundled datapackage.json is missing from this installation"))


def _descriptor_in(folder: Path) -> Path | None:
    """The folder's descriptor: datapackage.json, else datapackage.yaml or datapackage.yml."""
    return next((folder / n for n in (DESCRIPTOR, "datapackage.yaml", "datapackage.yml") if (folder / n).is_file()), None)


def locate(path: str | os.PathLike[str] | None = None) -> Path:
    """Resolve PATH to a descriptor: PATH itself, the one in PATH, the one in the working directory, or the bundled copy."""
    if path is None:
        return _descriptor_in(Path.cwd()) or bundled_descriptor()
    text = os.fspath(path)
    if _URL.match(text):
        raise PackageError(Issue("unsupported-feature", f"{text} is a remote path (a URL): remote packages are out of scope and never "
                                 "fetched; give a local directory or datapackage.json", value=REMOTE))
    p = Path(text)
    try:
        if p.is_dir():
            p = _descriptor_in(p) or p / DESCRIPTOR
        found = p.is_file()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, a lone surrogate the file system cannot encode
        why = getattr(exc, "strerror", None) or str(exc)
        raise PackageError(Issue("package-not-found", f"no data package at {safe_text(text)} ({why})", value=safe_text(text))) from exc
    if not found:
        raise PackageError(Issue("package-not-found", f"no data package at {safe_text(text)}", value=safe_text(text)))
    return p


def writable(path: str | os.PathLike[str] | None) -> Path:
    """locate(path) for a command that writes into the package: never the bundled (installed) dataset."""
    if path is None and _descriptor_in(Path.cwd()) is None:
        raise PackageError(Issue("package-bundled", f"no {DESCRIPTOR} in the current directory, and the bundled dataset is never "
                                 "written to; give the package's PATH"))
    found = locate(path)
    installed = Path(__file__).resolve().parents[1] / "_package"
    if found.resolve().is_relative_to(installed):
        raise PackageError(Issue("package-bundled", f"{found.parent} is the bundled dataset of this installation and is never "
                                 "written to; format a checkout of the package instead", value=str(found)))
    return found


def read_json(path: Path, table: str | None = None) -> Any:
    """Read a descriptor or schema as strict JSON (support.strict_json), every failure a coded PackageError."""
    try:
        size = path.stat().st_size
        if size > strict_json.MAX_BYTES:
            raise PackageError(Issue("package-invalid-json", f"{path.name} is {size:,} bytes, above the limit of "
                                     f"{strict_json.MAX_BYTES:,} for a descriptor or schema", table=table, value=path.name))
        raw = path.read_bytes()
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise PackageError(Issue("file-unreadable", f"cannot read {path.name}: {why}", table=table, value=safe_text(str(path)))) from exc
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return _yaml(raw.decode("utf-8"), path, table)
        return strict_json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise PackageError(Issue("package-invalid-json", f"{path.name} is not UTF-8 (byte {exc.start})", table=table, line=line, value=path.name)) from exc
    except json.JSONDecodeError as exc:
        raise PackageError(Issue("package-invalid-json", f"{path.name}: {exc.msg}", table=table, line=exc.lineno, value=path.name)) from exc
    except strict_json.StrictJSONError as exc:
        raise PackageError(Issue("package-invalid-json", f"{path.name}: {exc.message}", table=table, value=path.name)) from exc


_MAX_NAME, _MAX_PATH = 255, 4096  # bytes in one path component and in a whole path (Linux's NAME_MAX and PATH_MAX)


def _odd_path(rel: str) -> str | None:
    """Why a descriptor path cannot name a file on any system (a NUL, a lone surrogate, too long), or None."""
    if "\x00" in rel:
        return "contains a NUL character"
    if re.search("[\ud800-\udfff]", rel):
        return "contains a lone surrogate (not Unicode text)"
    if len(rel.encode("utf-8")) > _MAX_PATH or any(len(part.encode("utf-8")) > _MAX_NAME for part in re.split(r"[/\\]", rel)):
        return f"is too long (more than {_MAX_NAME} bytes in a name or {_MAX_PATH} in all)"
    return None


def _yaml(text: str, path: Path, table: str | None) -> Any:
    """A YAML descriptor, schema or dialect (PyYAML's safe loader: no tags that build objects)."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PackageError(Issue("package-invalid-json", f"{path.name} is not valid YAML: {getattr(exc, 'problem', None) or exc}",
                                 table=table, line=mark.line + 1 if mark is not None else None, value=path.name)) from exc
    try:
        return strict_json.loads(json.dumps(value, default=str))  # the same limits as JSON (depth, sizes)
    except (strict_json.StrictJSONError, ValueError, RecursionError) as exc:
        raise PackageError(Issue("package-invalid-json", f"{path.name}: {exc}", table=table, value=path.name)) from exc


def _safe_path(root: Path, rel: Any, table: str, what: str) -> Path:
    """Resolve a descriptor path, refusing URLs, absolute paths, '..' and symlinks leading outside root."""
    if not isinstance(rel, str) or not rel:
        raise PackageError(Issue("package-invalid", f"resource {table!r}: {what} must be a relative path string", table=table, value=repr(rel)))
    if _URL.match(rel):
        raise PackageError(Issue("unsupported-feature", f"resource {table!r}: {what} {rel} is a remote path (a URL): remote data is out "
                                 "of scope and never fetched; nothing of it was read", table=table, value=REMOTE))
    odd = _odd_path(rel)
    if odd:
        raise PackageError(Issue("package-invalid", f"resource {table!r}: {what} {odd}", table=table, value=safe_text(rel)))
    parts = Path(rel).parts
    if Path(rel).is_absolute() or rel.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", rel):
        raise PackageError(Issue("path-unsafe", f"resource {table!r}: {what} {rel} must be relative and stay inside the package", table=table, value=rel))
    try:
        resolved = (root / rel).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError before Python 3.13)
        why = getattr(exc, "strerror", None) or str(exc)
        raise PackageError(Issue("file-unreadable", f"resource {table!r}: {what} {rel} cannot be resolved ({why})", table=table, value=rel)) from exc
    if not resolved.is_relative_to(root.resolve()):
        raise PackageError(Issue("path-unsafe", f"resource {table!r}: {what} {rel} resolves outside the package", table=table, value=rel))
    return root / rel


def open_package(path: str | os.PathLike[str] | None = None) -> Package:
    """Read the descriptor and every resource's schema; raise PackageError only when nothing can be read."""
    descriptor_path = locate(path)
    descriptor = read_json(descriptor_path)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list) or not descriptor["resources"]:
        raise PackageError(Issue("package-invalid", "datapackage.json must be an object with a non-empty list of resources", value=descriptor_path.name))
    _check_metadata(descriptor, descriptor_path.name)
    package = Package(descriptor_path, descriptor)
    package.metadata_issues.extend(_metadata_issues(descriptor, descriptor_path.name))
    root = descriptor_path.parent
    seen: set[str] = set()
    for index, raw in enumerate(descriptor["resources"]):
        name = raw.get("name") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not name:
            package.issues.append(Issue("package-invalid", f"resource #{index + 1} has no name", value=repr(raw)[:80]))
            package.issues.extend(_unopened_schema_issues(raw, index))
            continue
        if not RESOURCE_NAME.fullmatch(name) or name in (".", ".."):
            package.issues.append(Issue("package-invalid", f"resource #{index + 1}: name {name[:80]!r} must be 1 to 200 lower-case "
                                        "letters, digits, '-', '_' or '.'", value=safe_text(name, 80)))
            package.issues.extend(_unopened_schema_issues(raw, index))
            continue
        if name in seen:
            package.issues.append(Issue("package-invalid", f"resource #{index + 1}: name {name!r} is used by an earlier resource",
                                        table=name, value=name))
            continue
        seen.add(name)
        try:
            package.resources[name] = _open_resource(root, name, raw)
        except PackageError as exc:
            package.issues.append(exc.issue)
    _check_references(package, seen)
    return package


_TEXT_KEYS = ("name", "title", "description", "version", "homepage", "created", "id")
_LISTS = {"licenses": ("name", "path", "title"), "contributors": ("title", "role", "email", "path"), "sources": ("title", "path")}


def _check_metadata(descriptor: dict[str, Any], where: str) -> None:
    """Package metadata of the wrong JSON type would crash publish later: package-invalid now, with the key."""
    def refuse(what: str) -> PackageError:
        return PackageError(Issue("package-invalid", f"{where}: {what}", value=where))

    for key in _TEXT_KEYS:
        if key in descriptor and not isinstance(descriptor[key], str):
            raise refuse(f"{key} must be a string, got {type(descriptor[key]).__name__}")
    if "keywords" in descriptor and not (isinstance(descriptor["keywords"], list) and all(isinstance(k, str) for k in descriptor["keywords"])):
        raise refuse("keywords must be a list of strings")
    for key, texts in _LISTS.items():
        if key not in descriptor:
            continue
        items = descriptor[key]
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise refuse(f"{key} must be a list of objects")
        for index, item in enumerate(items):
            bad = next((t for t in texts if t in item and not isinstance(item[t], str)), None)
            if bad:
                raise refuse(f"{key}[{index}].{bad} must be a string, got {type(item[bad]).__name__}")


def _unopened_schema_issues(raw: Any, index: int) -> list[Issue]:
    """The inline schema of a resource not opened for its name, checked all the same: one pass reports both."""
    schema_raw = raw.get("schema") if isinstance(raw, dict) else None
    if not isinstance(schema_raw, dict):
        return []
    try:
        parse_schema(f"#{index + 1}", schema_raw)
    except SchemaError as exc:
        return [Issue("schema-invalid", f"resource #{index + 1}: {exc}")]
    return []


PACKAGE_NAME = re.compile(r"[-a-z0-9._/]+")  # Data Package v1's profile: ^([-a-z0-9._/])+$


def _metadata_issues(descriptor: dict[str, Any], where: str) -> list[Issue]:
    """What Data Package v1 requires of well-typed metadata: a package name of its pattern, a name or path in each licence.

    Reported, and the tables still checked (frictionless-py stops at these and reads no table).
    """
    issues = []
    name = descriptor.get("name")
    if isinstance(name, str) and not PACKAGE_NAME.fullmatch(name):
        issues.append(Issue("package-invalid", f"{where}: the package name {name[:80]!r} must be lower-case letters, digits, "
                            "'-', '_', '.' or '/'", value=safe_text(name, 80)))
    for index, licence in enumerate(descriptor.get("licenses", [])):
        if "name" not in licence and "path" not in licence:
            issues.append(Issue("package-invalid", f"{where}: licenses[{index}] needs a name or a path", value=repr(licence)[:80]))
    return issues


def _check_references(package: Package, names: set[str]) -> None:
    """A foreign key into a resource or field that does not exist would check nothing: schema-invalid, resource not opened."""
    for name, resource in list(package.resources.items()):
        for fk in resource.schema.foreign_keys:
            target = package.resources.get(fk.resource)
            if target is None and fk.resource in names:
                continue  # the target is named but could not be opened: already reported
            if target is None:
                why = f"a foreign key on {', '.join(fk.fields)} references the resource {fk.resource!r:.80}, which does not exist"
            else:
                missing = [f for f in fk.reference_fields if f not in target.schema.field_names]
                if not missing:
                    continue
                why = f"a foreign key on {', '.join(fk.fields)} references {fk.resource}.{missing[0]}, which is not a field of {fk.resource}"
            package.issues.append(Issue("schema-invalid", f"resource {name!r}: {why}", table=name, field=",".join(fk.fields)))
            del package.resources[name]
            break


def _open_resource(root: Path, name: str, raw: dict[str, Any]) -> Resource:
    rel = raw.get("path")
    if isinstance(rel, list):
        raise PackageError(Issue("unsupported-feature", f"resource {name!r}: multi-file resources (a list of paths) are not supported",
                                 table=name, value="multi-file resource"))
    inline = raw.get("data") if rel is None else None
    if rel is None and inline is not None and not isinstance(inline, list):
        raise PackageError(Issue("unsupported-feature", f"resource {name!r}: inline data that is not a list of rows (e.g. a string "
                                 "of CSV or JSON) is not supported", table=name, value="inline data"))
    data_path = _safe_path(root, rel, name, "path") if inline is None else root / DESCRIPTOR
    try:
        fmt, compression = data_format(raw, rel if isinstance(rel, str) else None)
        dialect_raw = raw.get("dialect")
        if isinstance(dialect_raw, str):
            dialect_path = _safe_path(root, dialect_raw, name, "dialect")
            if not dialect_path.is_file():
                raise PackageError(Issue("file-missing", f"resource {name!r}: dialect file {dialect_raw} does not exist", table=name,
                                         value=dialect_raw))
            dialect_raw = read_json(dialect_path, name)
        dialect = parse_dialect(dialect_raw, tsv=fmt == "tsv")
        encoding = parse_encoding(raw.get("encoding"))
    except UnsupportedFeature as exc:
        raise PackageError(Issue("unsupported-feature", f"resource {name!r}: {exc} is out of scope; nothing of it was read", table=name,
                                 value=str(exc))) from exc
    except DialectError as exc:
        raise PackageError(Issue("package-invalid", f"resource {name!r}: {exc}", table=name)) from exc
    schema_raw = raw.get("schema")
    if isinstance(schema_raw, str):
        schema_path = _safe_path(root, schema_raw, name, "schema")
        if not schema_path.is_file():
            raise PackageError(Issue("file-missing", f"resource {name!r}: schema file {schema_raw} does not exist", table=name, value=schema_raw))
        schema_raw = read_json(schema_path, name)
    try:
        schema = parse_schema(name, schema_raw)
    except SchemaError as exc:
        raise PackageError(Issue("schema-invalid", f"resource {name!r}: {exc}", table=name)) from exc
    if inline is None and not data_path.is_file():
        raise PackageError(Issue("file-missing", f"resource {name!r}: {rel} does not exist", table=name, value=rel))
    size, digest = raw.get("bytes"), raw.get("hash")
    if (size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0)) or (digest is not None and not isinstance(digest, str)):
        raise PackageError(Issue("package-invalid", f"resource {name!r}: bytes must be a whole number and hash a string", table=name))
    return Resource(name, data_path, str(rel) if inline is None else DESCRIPTOR, schema, dialect, encoding, compression, inline, size, digest)
