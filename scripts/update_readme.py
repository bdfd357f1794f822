"""Regenerate the generated parts of README.md and CONTRIBUTING.md from the code, the schemas and the data.

Usage: python scripts/update_readme.py [--check]

README blocks sit between <!-- NAME:start --> and <!-- NAME:end --> markers (tables, issue codes,
diff change kinds, layout, stats). Transcripts sit between <!-- transcript:SETUP:start --> and
<!-- transcript:end -->: every `$ command` line in the console block is run, in order, in one
shell in a scratch directory, and the block is rewritten with the real output (SETUP is
"synthetic": an empty directory with scripts/, or "repo": a fresh copy of the package). In
CONTRIBUTING.md, <!-- enum:TABLE.FIELD -->…<!-- /enum --> lists a field's allowed values and
<!-- enum-described:TABLE.FIELD -->…<!-- /enum --> adds what the field's description says of each.
--check exits 1 when a file is out of date (tests run it), so docs never show codes, columns or
outputs the code no longer has.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def tables_block() -> str:
    """Each table: description, header and an example row as CSV, then its fields."""
    descriptor = json.loads((ROOT / "datapackage.json").read_text())
    parts = []
    for resource in descriptor["resources"]:
        name = resource["name"]
        schema = json.loads((ROOT / resource["schema"]).read_text())
        with (ROOT / resource["path"]).open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        example = "\n".join(",".join(_csv_cell(c) for c in r) for r in rows[:2])
        keys = ", ".join(schema.get("primaryKey", []))
        parts.append(f"### `{name}` — `{resource['path']}`\n\n{schema.get('description', '')} "
                     f"Primary key: `{keys}`. {len(rows) - 1:,} rows.\n\n```csv\n{example}\n```\n")
        lines = ["| field | type | constraints | description |", "| --- | --- | --- | --- |"]
        for f in schema["fields"]:
            c = f.get("constraints", {})
            shown = []
            if c.get("required"):
                shown.append("required")
            if c.get("unique"):
                shown.append("unique")
            if "enum" in c:
                shown.append("one of " + ", ".join(f"`{v}`" for v in c["enum"]))
            if "pattern" in c:
                shown.append(f"pattern `{c['pattern']}`")
            for k in ("minLength", "maxLength", "minimum", "maximum"):
                if k in c:
                    shown.append(f"{k} {c[k]}")
            lines.append(f"| `{f['name']}` | {f['type']} | {_md_escape('; '.join(shown))} | {_md_escape(f.get('description', ''))} |")
        refs = [f"`{','.join(fk['fields'])}` → `{fk['reference']['resource'] or name}.{','.join(fk['reference']['fields'])}`" for fk in schema.get("foreignKeys", [])]
        parts.append("\n".join(lines) + ("\n\nForeign keys: " + "; ".join(refs) if refs else "") + "\n")
    return "\n".join(parts)


def _csv_cell(value: str) -> str:
    if value and (any(c in value for c in ',"\n') or value != value.strip()):
        return '"' + value.replace('"', '""') + '"'
    return value


def codes_block() -> str:
    """The table of issue codes from the registry."""
    from karabakh_timeline.vocabulary.codes import CODES

    lines = ["| code | level | severity | profile | meaning |", "| --- | --- | --- | --- | --- |"]
    for c in CODES.values():
        lines.append(f"| `{c.name}` | {c.level} | {c.severity} | {c.profile} | {_md_escape(c.title)} |")
    return "\n".join(lines) + "\n"


def kinds_block() -> str:
    """The verdict table: every diff change kind with the bump it requires, from the registry."""
    from karabakh_timeline.diff.kinds import KINDS
    from karabakh_timeline.policy.versioning import LEVELS

    lines = ["| change kind | bump | meaning |", "| --- | --- | --- |"]
    for k in sorted(KINDS.values(), key=lambda k: (-LEVELS.index(k.level), k.name)):
        exceptions = "; ".join(f"`{a}`: {lvl}" for a, lvl in k.by_attribute.items())
        lines.append(f"| `{k.name}` | {k.level}{f' ({exceptions})' if exceptions else ''} | {_md_escape(k.title)} |")
    return "\n".join(lines) + "\n"


def _summary(doc: str) -> str:
    """A docstring's first sentence, on one line."""
    paragraph = " ".join(doc.split("\n\n")[0].split())
    return paragraph.split(". ")[0].rstrip(".")


def layout_block() -> str:
    """The package's stages, bottom to top, each with the first line of its docstring."""
    import ast

    package = ROOT / "src" / "karabakh_timeline"
    order = ["support", "vocabulary", "schema", "read", "policy", "check", "diff", "tools", "release"]
    lines = ["src/karabakh_timeline/   the Python package, by stage: each imports only from the stages listed before it"]
    for stage in order:
        doc = ast.get_docstring(ast.parse((package / stage / "__init__.py").read_text(encoding="utf-8"))) or ""
        modules = sorted(p.stem for p in (package / stage).glob("*.py") if p.stem != "__init__")
        subpackages = sorted(p.name + "/" for p in (package / stage).iterdir() if (p / "__init__.py").is_file())
        lines.append(f"  {stage + '/':<12} {_summary(doc)}")
        lines.append(f"  {'':<12}   {', '.join(modules + subpackages)}")
    for name in ("api", "cli"):
        doc = ast.get_docstring(ast.parse((package / f"{name}.py").read_text(encoding="utf-8"))) or ""
        lines.append(f"  {name + '.py':<12} {_summary(doc)}")
    lines.append(f"  {'templates/':<12} the release page's HTML, CSS and script, the map's outlines, the release README")
    return "```\n" + "\n".join(lines) + "\n```\n"


def stats_block() -> str:
    """`karabakh-timeline stats --format markdown` for the bundled data."""
    from karabakh_timeline.api import load
    from karabakh_timeline.tools.stats import compute_stats, render_markdown


    return render_markdown(compute_stats(load(ROOT / "datapackage.json")))


BLOCKS = {"tables": tables_block, "codes": codes_block, "kinds": kinds_block, "layout": layout_block, "stats": stats_block}

# --- transcripts -----------------------------------------------------------------------------

TRANSCRIPT = re.compile(r"(<!-- transcript:(\w+)(?:/(\w+))?:start -->\n```console\n)(.*?)(```\n<!-- transcript:end -->)", re.DOTALL)
_SENTINEL = "@@karabakh-timeline-transcript-boundary@@"  # printed between commands; no output contains it
# A fixed environment: no colours, a known width and time zone, a release time, output in order.
_ENV = {"NO_COLOR": "1", "COLUMNS": "100", "TZ": "UTC", "LC_ALL": "C.UTF-8", "PYTHONUNBUFFERED": "1", "SOURCE_DATE_EPOCH": "1764547200"}


def _scratch(setup: str, where: Path) -> None:
    """The directory a transcript runs in: what scripts/make_synthetic.py needs (synthetic), or a fresh copy of the package (repo)."""
    if setup not in ("synthetic", "repo"):
        raise SystemExit(f"unknown transcript setup {setup!r} (synthetic or repo)")
    shutil.copytree(ROOT / "scripts", where / "scripts")
    shutil.copytree(ROOT / "schemas", where / "schemas")
    shutil.copy(ROOT / "datapackage.json", where / "datapackage.json")
    if setup == "repo":
        shutil.copytree(ROOT / "data", where / "data")


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def run_transcript(commands: list[str], where: Path) -> str:
    """Run commands in one shell in where (so `echo $?` sees the previous status) and return the console text."""
    script = ["__status=0"]
    for command in commands:
        script += [f"printf '%s\\n' {_shell_quote(_SENTINEL)}", "(exit $__status)", f"{command} 2>&1", "__status=$?"]
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=where, env={**os.environ, **_ENV}, capture_output=True, text=True,
                          timeout=600, check=False)
    parts = done.stdout.split(_SENTINEL + "\n")[1:]
    if len(parts) != len(commands):
        raise SystemExit(f"transcript failed to run: {done.stderr or done.stdout}")
    return "".join(f"$ {command}\n{output}" for command, output in zip(commands, parts, strict=True))


def render_transcripts(text: str, setups: tuple[str, ...] = ("synthetic", "repo")) -> str:
    """text with every transcript block of the given setups rewritten from a fresh run of its commands.

    Blocks named with the same session (transcript:SETUP/SESSION) share one scratch directory and
    run in reading order, so a later block can use the files an earlier one made.
    """
    with tempfile.TemporaryDirectory(prefix="karabakh-timeline-readme-") as tmp:
        sessions: dict[tuple[str, str], Path] = {}

        def replace(match: re.Match[str]) -> str:
            setup, session = match.group(2), match.group(3) or f"block{match.start()}"
            if setup not in setups:
                return match.group(0)
            if (setup, session) not in sessions:
                where = Path(tmp) / f"{setup}-{session}"
                where.mkdir()
                _scratch(setup, where)
                sessions[setup, session] = where
            commands = [line[2:] for line in match.group(4).splitlines() if line.startswith("$ ")]
            return match.group(1) + run_transcript(commands, sessions[setup, session]) + match.group(5)

        return TRANSCRIPT.sub(replace, text)


def render(text: str) -> str:
    """README text with every generated block and transcript replaced by its current content."""
    for name, func in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- {name}:start --> block")
        content = func()
        text = pattern.sub(lambda m, content=content: m.group(1) + content + m.group(2), text)
    return render_transcripts(text)


# --- CONTRIBUTING.md: enums from the schemas -------------------------------------------------

ENUM = re.compile(r"(<!-- (enum|enum-described):(\w+)\.(\w+) -->).*?(<!-- /enum -->)", re.DOTALL)


def _field(table: str, name: str) -> dict:
    schema = json.loads((ROOT / "schemas" / f"{table}.json").read_text(encoding="utf-8"))
    return next(f for f in schema["fields"] if f["name"] == name)


def render_contributing(text: str) -> str:
    """CONTRIBUTING text with every enum list taken from the schemas."""
    from karabakh_timeline.release.page import enum_descriptions

    def replace(match: re.Match[str]) -> str:
        field = _field(match.group(3), match.group(4))
        values = [str(v) for v in field["constraints"]["enum"]]
        if match.group(2) == "enum":
            listed = ", ".join(f"`{v}`" for v in values)
        else:
            described = enum_descriptions(field.get("description", ""), values)
            listed = ", ".join(f"`{v}`" + (f" ({described[v]})" if described[v] else "") for v in values)
        return match.group(1) + listed + match.group(5)

    return ENUM.sub(replace, text)


def main() -> None:
    stale = []
    for name, func in (("README.md", render), ("CONTRIBUTING.md", render_contributing)):
        path = ROOT / name
        old = path.read_text(encoding="utf-8")
        new = func(old)
        if new != old:
            stale.append(name)
            if "--check" not in sys.argv:
                path.write_text(new, encoding="utf-8")
    if stale and "--check" in sys.argv:
        print(f"{', '.join(stale)} out of date: run python scripts/update_readme.py", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
