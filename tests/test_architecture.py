"""How the package fits together: no import cycles, no borrowed private names, modules of a
readable size. A small AST walk over workbench/**/*.py (no import of the package needed)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import workbench

PACKAGE = Path(workbench.__file__).resolve().parent  # the tree on sys.path (PYTHONPATH wins)
MAX_LINES = 400  # more needs a docstring line starting "Size:" that says why


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module
    is_package: bool


def _modules() -> dict[str, Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        out[name] = Module(name, path, tree, path.name == "__init__.py")
    return out


MODULES = _modules()


def _base(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    parts = package.split(".")
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _known(name: str) -> str | None:
    """`name` if it is a workbench module, else its longest prefix that is one."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


@dataclass(frozen=True)
class Imported:
    module: str  # the workbench module imported from
    name: str | None  # the name taken from it (None: the module itself)
    line: int


def _imports(module: Module) -> list[Imported]:
    """Every import of a workbench module, at module level or inside a function."""
    out = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _known(alias.name)
                if target:
                    out.append(Imported(target, None, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:  # `from workbench import codes`: the module codes
                    out.append(Imported(sub, None, node.lineno))
                elif _known(base):
                    out.append(Imported(_known(base), alias.name, node.lineno))
    return out


def _graph() -> dict[str, set[str]]:
    return {
        name: {i.module for i in _imports(m) if i.module != name} for name, m in MODULES.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _path_in(component: list[str], graph: dict[str, set[str]]) -> str:
    """One cycle through the component's first module, as `a -> b -> a`, for the message."""
    members = set(component)
    start = component[0]
    previous = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & members):
            if child == start:
                path = [node]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return " -> ".join([*reversed(path), start])
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return ", ".join(component)


def test_the_walk_sees_the_package():
    assert {"workbench", "workbench.cli", "workbench.params.report"} <= set(MODULES)
    graph = _graph()
    assert "workbench.params.report" in graph["workbench.params.batch"]
    assert "workbench.exceptions" in graph["workbench.params.base"]


def test_cycle_finder_on_a_small_graph():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _path_in(["a", "b", "c"], graph) == "a -> b -> c -> a"
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    """Module-level and function-level imports both count: a cycle hidden in a function still
    ties the two modules together."""
    graph = _graph()
    cycles = [_path_in(c, graph) for c in _cycles(graph)]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def _private(name: str | None) -> bool:
    return bool(name) and name.startswith("_") and not name.startswith("__")


def _private_uses(module: Module) -> list[str]:
    """`from other import _name`, and `alias._name` on an imported workbench module."""
    found = []
    aliases: dict[str, str] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES and alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    aliases[alias.asname or alias.name] = sub
    for imp in _imports(module):
        if imp.module != module.name and _private(imp.name):
            found.append(f"{module.name}:{imp.line} imports {imp.module}.{imp.name}")
    for node in ast.walk(module.tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and aliases[node.value.id] != module.name
            and _private(node.attr)
        ):
            found.append(f"{module.name}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names():
    found = [text for m in MODULES.values() for text in _private_uses(m)]
    assert not found, "private names used across modules:\n" + "\n".join(sorted(found))


def _size_reason(tree: ast.Module) -> str | None:
    doc = ast.get_docstring(tree) or ""
    return next((line for line in doc.splitlines() if line.strip().startswith("Size:")), None)


def test_no_module_over_400_lines_without_a_reason():
    big = []
    for m in MODULES.values():
        n = len(m.path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and not _size_reason(m.tree):
            big.append(f"{m.path.relative_to(PACKAGE.parent)}: {n} lines")
    assert not big, (
        f"modules over {MAX_LINES} lines without a 'Size:' line in their docstring:\n"
        + "\n".join(sorted(big))
    )


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            '"""A module.\n\nSize: one estimator and its R checks."""',
            "Size: one estimator and its R checks.",
        ),
        ('"""A module; its size is fine."""', None),
        ("x = 1", None),
    ],
)
def test_size_reason_is_a_docstring_line(source, reason):
    assert _size_reason(ast.parse(source)) == reason
