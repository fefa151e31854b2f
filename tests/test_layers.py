"""The package's import graph, read from the source (ast, nothing imported): no circle, no core
module above its floor, and the three forms of back-propagation side by side (DESIGN.md).

| layer | modules |
|---|---|
| floor | ``_checks``, ``activations``, ``losses``, ``init`` |
| forms (siblings) | ``graph``, ``matrix``, ``blocks``, ``scalar`` |
| above the forms | ``compare``, ``steps``, ``gradcheck``, ``train``, ``datasets`` |
| on top (never imported by the core) | ``widgets``, ``grading``, ``cli`` |
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bpteach"
FLOOR = {"bpteach._checks", "bpteach.activations", "bpteach.losses", "bpteach.init"}
FORMS = {"bpteach.graph", "bpteach.matrix", "bpteach.blocks", "bpteach.scalar"}
ON_TOP = ("bpteach.widgets", "bpteach.grading", "bpteach.cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The bpteach modules ``path`` imports, at any depth of its code (lazy imports count too)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            # `from bpteach import datasets` imports the module bpteach.datasets
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        found.update(n for n in names if n in modules)
    found.discard(here)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules) for p in paths}


def a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path [m, ..., m], or None (depth-first search with an explicit stack)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for root in sorted(graph):
        if root in state:
            continue
        path, stack = [root], [iter(sorted(graph[root]))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def is_core(module: str) -> bool:
    return module != "bpteach" and not module.startswith(ON_TOP)


GRAPH = import_graph()


def test_the_walk_sees_the_package_and_its_imports():
    # guards the tests below against passing on an empty or misread graph
    assert {"bpteach.graph", "bpteach.matrix", "bpteach.compare", "bpteach.widgets.stepper"} <= set(GRAPH)
    assert "bpteach.graph" in GRAPH["bpteach.compare"] and "bpteach.matrix" in GRAPH["bpteach.compare"]
    assert "bpteach._checks" in GRAPH["bpteach.graph"]
    assert "bpteach.datasets" in GRAPH["bpteach.widgets.stepper"]  # `from bpteach import datasets`


def test_no_import_circle_anywhere_in_the_package():
    assert a_cycle(GRAPH) is None, " -> ".join(a_cycle(GRAPH) or [])


def test_the_cycle_finder_finds_a_circle():
    assert a_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert a_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if is_core(m)))
def test_a_core_module_imports_neither_widgets_nor_grading_nor_cli(module):
    above = sorted(m for m in GRAPH[module] if not is_core(m) or m == "bpteach")
    assert above == [], f"{module} imports {above}"


@pytest.mark.parametrize("module", sorted(FORMS & set(GRAPH)))
def test_each_form_imports_only_the_floor(module):
    assert GRAPH[module] <= FLOOR, f"{module} imports {sorted(GRAPH[module] - FLOOR)}"


@pytest.mark.parametrize("module", sorted(FLOOR))
def test_the_floor_imports_nothing_above_it(module):
    assert GRAPH[module] <= FLOOR, f"{module} imports {sorted(GRAPH[module] - FLOOR)}"
