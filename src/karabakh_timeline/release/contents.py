"""The release's files: canonical data and schemas, the descriptor with sizes and hashes, exports,
index.html, README.md, LICENSE, CITATION.cff, CHANGELOG.md and SHA256SUMS, and the zip.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import textwrap
import zipfile
from pathlib import Path
from typing import Any

from karabakh_timeline.release.assets import PRODUCT, fill, template
from karabakh_timeline.release.errors import PublishError
from karabakh_timeline.release.exports import write_exports
from karabakh_timeline.release.page import render_page
from karabakh_timeline.schema.descriptor import DESCRIPTOR, Package, open_package, read_json
from karabakh_timeline.support.files import dumps
from karabakh_timeline.support.progress import task
from karabakh_timeline.tools.format import canonical_bytes
from karabakh_timeline.vocabulary.exits import EXIT_UNREADABLE

_RESERVED = {"README.md", "LICENSE", "CITATION.cff", "CHANGELOG.md", "SHA256SUMS", "index.html", "exports", DESCRIPTOR}
_ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)  # the earliest time a zip entry can carry


def _yaml(value: Any) -> str:
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
    return fill(template("README.md"), values)


def sha256sums(folder: Path) -> str:
    """sha256sum's format for every file under folder, sorted by path."""
    lines = []
    for rel in files_of(folder):
        lines.append(f"{hashlib.sha256((folder / rel).read_bytes()).hexdigest()}  {rel}")
    return "\n".join(lines) + "\n"


def files_of(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def write_zip(folder: Path, target: Path, created: dt.datetime) -> None:
    """The folder as a zip with one top folder, files sorted, timestamps from created, mode 0644, nothing else."""
    stamp = max(created, _ZIP_EPOCH).timetuple()[:6]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for rel in files_of(folder):
            info = zipfile.ZipInfo(f"{folder.name}/{rel}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the building machine, so the mode bits mean the same
            info.external_attr = 0o100644 << 16
            archive.writestr(info, (folder / rel).read_bytes(), compresslevel=9)


def fix_metadata(folder: Path, created: dt.datetime) -> None:
    """Permissions 0644/0755 and every mtime set to the release time, so copies and archives agree."""
    stamp = created.timestamp()
    for path in sorted(folder.rglob("*"), reverse=True) + [folder]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
        os.utime(path, (stamp, stamp))


def inside(folder: Path, rel: str, what: str) -> Path:
    """folder / rel, proven to stay inside folder (no absolute path, no '..', no symlink out); PublishError otherwise."""
    target = folder / rel
    parts = Path(rel).parts
    if not rel or Path(rel).is_absolute() or ".." in parts or not target.resolve().is_relative_to(folder.resolve()):
        raise PublishError(f"{what}: the path {rel!r} would be written outside the release folder", EXIT_UNREADABLE)
    return target


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
    bar = task("Building the release", len(package.descriptor["resources"]) + 2)  # each table, the exports, the page
    for raw in package.descriptor["resources"]:
        resource = package.resources[raw["name"]]
        bar.advance(f"copy {resource.name}")
        schema_rel = raw["schema"] if isinstance(raw.get("schema"), str) else f"schemas/{resource.name}.json"
        for rel in (resource.relpath, schema_rel):
            inside(folder, rel, f"resource {resource.name!r}")
            if Path(rel).parts[0] in _RESERVED:
                raise PublishError(f"resource {resource.name!r}: its path {rel} collides with a file the release writes")
        data, problems = canonical_bytes(resource, resource.path.read_bytes())
        if data is None:  # validation passed, so this cannot happen short of a race with an editor
            raise PublishError(f"{resource.relpath} changed while publishing: {problems[0].message}")
        data_target = inside(folder, resource.relpath, f"resource {resource.name!r}")
        data_target.parent.mkdir(parents=True, exist_ok=True)
        data_target.write_bytes(data)
        schema_source = package.root / schema_rel if isinstance(raw.get("schema"), str) else None
        schema_json = read_json(schema_source, resource.name) if schema_source else raw["schema"]
        schema_target = inside(folder, schema_rel, f"resource {resource.name!r}")
        schema_target.parent.mkdir(parents=True, exist_ok=True)
        schema_target.write_text(dumps(schema_json), encoding="utf-8")
        entry = {k: v for k, v in raw.items() if k not in ("bytes", "hash")}
        entry["schema"] = schema_rel
        entry["bytes"] = len(data)
        entry["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        released.append(entry)
    descriptor["resources"] = released
    (folder / DESCRIPTOR).write_text(dumps(descriptor), encoding="utf-8")
    staged = open_package(folder / DESCRIPTOR)
    tables, view = write_exports(staged, folder / "exports")
    bar.advance("exports written")
    rows = {name: t.num_rows for name, t in tables.items()}
    (folder / "index.html").write_text(render_page(view, descriptor), encoding="utf-8")
    bar.advance("page written")
    (folder / "README.md").write_text(release_readme(descriptor, staged, rows, created), encoding="utf-8")
    (folder / "LICENSE").write_text(licence_text(descriptor), encoding="utf-8")
    (folder / "CITATION.cff").write_text(citation_cff(descriptor, created.date()), encoding="utf-8")
    (folder / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    (folder / "SHA256SUMS").write_text(sha256sums(folder), encoding="utf-8")
    return files_of(folder)
