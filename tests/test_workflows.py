"""The CI workflow and the pre-commit hooks call only commands and options that exist."""
from __future__ import annotations

import re
import shlex

import yaml

from conftest import ROOT, run


def _commands() -> list[list[str]]:
    """Every karabakh-timeline invocation in the workflow and hook files, as argument lists."""
    found = []
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "validate.yml").read_text())
    scripts = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    for name in (".pre-commit-hooks.yaml", ".pre-commit-config.yaml"):
        data = yaml.safe_load((ROOT / name).read_text())
        hooks = data if isinstance(data, list) else [h for repo in data["repos"] for h in repo["hooks"]]
        scripts += [hook["entry"] for hook in hooks]
    for script in scripts:
        for line in script.splitlines():
            for part in re.split(r"\|\||&&|;|\|", line):
                words = shlex.split(part.split(">>")[0].split(">")[0], posix=True)
                if words and words[0] == "karabakh-timeline":
                    found.append(words[1:])
    return found


def test_workflow_runs_tests_validate_format_and_diff() -> None:
    commands = _commands()
    assert ["validate", "--format", "github", "--strict"] in commands
    assert ["format", "--check"] in commands
    assert any(c[0] == "diff" and "--format" in c for c in commands)
    workflow = (ROOT / ".github" / "workflows" / "validate.yml").read_text()
    assert "pytest" in workflow and "pull_request" in workflow


def test_every_command_and_option_used_exists() -> None:
    for words in _commands():
        command, options = words[0], [w.split("=")[0] for w in words[1:] if w.startswith("--")]
        help_text = run(command, "--help")
        assert help_text.exit_code == 0, command
        for option in options:
            assert option in help_text.stdout, (command, option)


def test_contributing_date_examples_are_valid(package) -> None:
    """Every row of CONTRIBUTING.md's date table passes the validator's date and EDTF rules."""
    import karabakh_timeline as kt
    from conftest import set_cells

    text = (ROOT / "CONTRIBUTING.md").read_text()
    table = text[text.index("| what you know |"):].split("\n\n")[0].splitlines()[2:]
    assert len(table) >= 6
    for row in table:
        _, start, end, precision, edtf = [c.strip().strip("`") for c in row.strip("|").split("|")]
        set_cells(package, "events", 2, date_start=start, date_end=end, date_precision=precision, date_edtf=edtf)
        issues = [(i.code, i.value) for i in kt.validate(package).issues]
        assert issues == [], (row, issues)
