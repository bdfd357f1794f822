"""Regenerate README's generated blocks (tables, issue codes, command help, stats) from the code and data.

Usage: python scripts/update_readme.py [--check]

Blocks sit between <!-- NAME:start --> and <!-- NAME:end --> markers; --check exits 1 when README
is out of date (a test runs it), so docs never show codes or columns the code no longer has.
"""
from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    sys.path.insert(0, str(ROOT / "src"))
    from karabakh_timeline.vocabulary.codes import CODES

    lines = ["| code | level | severity | meaning |", "| --- | --- | --- | --- |"]
    for c in CODES.values():
        lines.append(f"| `{c.name}` | {c.level} | {c.severity} | {_md_escape(c.title)} |")
    return "\n".join(lines) + "\n"


def stats_block() -> str:
    """`karabakh-timeline stats --format markdown` for the bundled data."""
    sys.path.insert(0, str(ROOT / "src"))
    from karabakh_timeline.api import load
    from karabakh_timeline.tools.stats import compute_stats, render_markdown

    return render_markdown(compute_stats(load(ROOT / "datapackage.json")))


BLOCKS = {"tables": tables_block, "codes": codes_block, "stats": stats_block}


def render(text: str) -> str:
    """README text with every generated block replaced by its current content."""
    for name, func in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- {name}:start --> block")
        content = func()
        text = pattern.sub(lambda m, content=content: m.group(1) + content + m.group(2), text)
    return text


def main() -> None:
    path = ROOT / "README.md"
    old = path.read_text(encoding="utf-8")
    new = render(old)
    if "--check" in sys.argv:
        if new != old:
            print("README.md is out of date: run python scripts/update_readme.py", file=sys.stderr)
            sys.exit(1)
        return
    path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
