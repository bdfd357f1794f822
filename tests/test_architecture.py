"""The layout shows the pipeline: each stage imports only from the stages below it (CONTRIBUTING.md, "Where things live")."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "karabakh_timeline"

# Bottom to top. A module may import from its own stage and from stages below, never from above.
STAGES = ["support", "vocabulary", "schema", "read", "policy", "check", "diff", "tools", "release", "api", "__init__", "cli"]
MAX_LINES = 400


def _stage(module: str) -> str:
    """The stage of a dotted module name inside the package (karabakh_timeline.read.typed -> read)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1] if len(parts) > 1 else parts
    return ".".join(parts) if parts != ["karabakh_timeline", "__init__"] else "karabakh_timeline"


def _imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, module) of every import of the package inside path, relative ones resolved, conditional ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("karabakh_timeline")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.startswith("karabakh_timeline"):
                found.append((node.lineno, target))
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_known_stage() -> None:
    for path in _modules():
        stage = _stage(_module_name(path)) if path != PACKAGE / "__init__.py" else "__init__"
        assert stage in STAGES, f"{path.relative_to(PACKAGE)}: add its stage to STAGES (and to CONTRIBUTING.md)"


def _upward(path: Path, source: str | None = None) -> list[str]:
    upward = []
    own = _stage(_module_name(path)) if path != PACKAGE / "__init__.py" else "__init__"
    for line, target in _imports(path, source):
        if target == "karabakh_timeline" and own != "__init__":
            upward.append(f"{path.relative_to(PACKAGE)}:{line} imports the package's top level")
            continue
        theirs = _stage(target)
        if STAGES.index(theirs) > STAGES.index(own):
            upward.append(f"{path.relative_to(PACKAGE)}:{line} ({own}) imports {target} ({theirs}), a higher stage")
    return upward


def test_imports_run_downwards_only() -> None:
    upward = [problem for path in _modules() for problem in _upward(path)]
    assert not upward, "\n".join(upward)


def test_the_import_check_catches_an_upward_import() -> None:
    """The checker itself: imports from a higher stage are caught, absolute, relative, or inside a function."""
    here = PACKAGE / "schema" / "types.py"
    assert _upward(here, "from karabakh_timeline.check.validator import validate\n")
    assert _upward(here, "from ..check import validator\n")
    assert _upward(here, "def f():\n    import karabakh_timeline.release.page\n")
    assert not _upward(here, "from karabakh_timeline.vocabulary.codes import code\nfrom .table_schema import Field\n")


def test_no_module_is_past_the_size_limit() -> None:
    long = {p.relative_to(PACKAGE).as_posix(): n for p in _modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules (over {MAX_LINES} lines): {long}"


def test_no_sub_package_is_named_for_a_table() -> None:
    import json

    tables = {r["name"] for r in json.loads((PACKAGE.parents[1] / "datapackage.json").read_text(encoding="utf-8"))["resources"]}
    names = {p.stem for p in _modules()} | {p.parent.name for p in _modules()}
    assert not names & tables, names & tables
