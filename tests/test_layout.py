"""The package reads as its pipeline: every module in a sub-package, and no import cycles
(counting imports made inside functions, which still tie two modules together)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "segur_kg"
TOP_LEVEL = {"__init__", "__main__", "api", "cli"}  # the package, its API, the command line
STAGES = {"common", "rdf", "reasoning", "stores", "checking", "querying", "publishing",
          "sources", "server"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from a.b import c` names the module a.b.c when there is one, else a.b.
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules
                           else node.module for a in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules along it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles():
    graph = imports()
    assert len(graph) > 40  # the walk did find the package
    found = cycle(graph)
    assert found is None, "import cycle: " + " -> ".join(found or [])


def test_every_module_belongs_to_a_stage():
    loose = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in TOP_LEVEL)
    assert loose == []
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert folders == STAGES


def test_the_cycle_finder_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_the_package_maps_name_every_part():
    """The README's map names every stage; the contributing guide's, every module of each."""
    root = PACKAGE.parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    mapped = readme[readme.index("## The package"):readme.index("## The manual")]
    for stage in STAGES:
        assert f"| `{stage}/` |" in mapped, f"README.md: the package map lacks {stage}/"
    for module in TOP_LEVEL - {"__init__", "__main__"}:
        assert f"`{module}.py`" in mapped, f"README.md: the package map lacks {module}.py"
    guide = (root / "docs" / "contributing.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in guide.splitlines()
            if line.startswith("| `")}
    for folder in [PACKAGE, *PACKAGE.rglob("*/")]:
        if not (folder / "__init__.py").is_file() or folder == PACKAGE:
            continue
        stage = folder.relative_to(PACKAGE).as_posix() + "/"
        assert stage in rows, f"docs/contributing.md: the package map lacks {stage}"
        modules = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
        for module in modules:
            assert f"`{module}`" in rows[stage], \
                f"docs/contributing.md: {stage} lacks the module {module}"
        named = rows[stage].rsplit("|", 2)[1]  # the last column: the modules
        for module in re.findall(r"`(\w+)`", named):
            assert module in modules, f"docs/contributing.md: {stage} names {module}, gone"
