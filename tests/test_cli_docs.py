"""The CLI's help and the README stay in step with the code (sqlite-utils style)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import ROOT, _load_script, run, set_cells
from karabakh_timeline.cli import main
from karabakh_timeline.vocabulary.codes import CODES

README = (ROOT / "README.md").read_text(encoding="utf-8")
SOURCES = {p.relative_to(ROOT).as_posix(): p.read_text() for p in (ROOT / "src" / "karabakh_timeline").rglob("*.py") if p.name != "codes.py"}


def test_every_command_has_help_ending_in_an_example() -> None:
    assert main.commands
    for name, command in main.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0
        assert command.help and command.help.strip(), name
        tail = result.stdout.strip().splitlines()
        example_at = max(i for i, line in enumerate(tail) if line.strip() == "Example:")
        assert all(line.startswith("  ") for line in tail[example_at + 1:]) and len(tail) > example_at + 1, name
        assert f"karabakh-timeline {name}" in tail[-1] or any(f"karabakh-timeline {name}" in line for line in tail[example_at:]), name


def test_every_command_is_documented_in_readme() -> None:
    for name in main.commands:
        assert f"karabakh-timeline {name}" in README, name


def test_readme_generated_blocks_are_current() -> None:
    update = _load_script("update_readme")
    assert update.render(README) == README, "run: python scripts/update_readme.py"


def test_readme_transcripts_on_synthetic_data_are_current() -> None:
    """The transcripts that build their own package (make_synthetic) run now; the others need the bundled data."""
    update = _load_script("update_readme")
    assert update.render_transcripts(README, ("synthetic",)) == README, "run: python scripts/update_readme.py"


def test_every_console_example_of_the_cli_is_a_generated_transcript() -> None:
    blocks = re.findall(r"(<!-- transcript:[\w/]+:start -->\n)?```console\n(.*?)```", README, re.DOTALL)
    hand_written = [body for marker, body in blocks if not marker and "$ karabakh-timeline" in body]
    assert not hand_written, hand_written


def test_no_example_relies_on_a_tag_a_fresh_clone_lacks() -> None:
    for text in (README, (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"), *(c.epilog or "" for c in main.commands.values())):
        assert not re.search(r"karabakh-timeline diff v\d", text), "use a revision every clone has (HEAD~1, origin/main) or a path"


def test_contributing_enum_lists_come_from_the_schemas() -> None:
    update = _load_script("update_readme")
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert update.render_contributing(text) == text, "run: python scripts/update_readme.py"
    assert text.count("<!-- enum") >= 4


def test_every_registered_code_is_emitted_by_the_code() -> None:
    for name in CODES:
        assert any(f'"{name}"' in text for text in SOURCES.values()), f"{name} is registered but never emitted"


def test_every_emitted_code_is_registered() -> None:
    emitted = set()
    for text in SOURCES.values():
        emitted |= set(re.findall(r'Issue\(\s*"([a-z0-9-]+)"', text)) | set(re.findall(r'@rule\("([a-z0-9-]+)"\)', text))
    assert emitted <= set(CODES), emitted - set(CODES)


def test_json_report_shape(package: Path) -> None:
    set_cells(package, "places", 2, latitude="95")
    result = run("validate", str(package), "--format", "json")
    report = json.loads(result.stdout)
    assert list(report) == ["package", "valid", "strict", "profile", "summary", "tables", "issues"]
    assert list(report["issues"][0]) == ["code", "message", "table", "line", "field", "value", "severity"]
    assert report["summary"] == {"errors": 1, "warnings": 0, "tables": len(json.loads((package / "datapackage.json").read_text())["resources"]), "rows": sum(report["tables"].values())}


def test_github_annotations_are_escaped_and_located(package: Path) -> None:
    set_cells(package, "places", 2, name="Bad, name: 100%\nnext")
    result = run("validate", str(package), "--format", "github")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("::error file=")
    assert "data/places.csv,line=2,title=unsafe-text::" in lines[0]
    assert "\n" not in lines[0] and lines[-1].startswith("::notice title=karabakh-timeline validate::invalid: 1 error")


def test_text_output_has_summary_last_and_no_colour_when_piped(package: Path) -> None:
    result = run("validate", str(package))
    assert result.exit_code == 0
    assert result.stdout.strip().splitlines()[-1].startswith(f"valid: 0 errors, 0 warnings in {len(json.loads((package / 'datapackage.json').read_text())['resources'])} tables")
    assert "\x1b[" not in result.stdout


def test_bundled_data_is_valid_in_strict_mode() -> None:
    result = run("validate", str(ROOT), "--strict")
    assert result.exit_code == 0, result.stdout
