"""Architecture rules of the ``sim`` package, checked on the source (nothing is imported).

* No import cycles among ``sim`` modules. Every import counts, at module level and inside
  functions alike: a function-level import only postpones a cycle to the first call, where it
  fails (or half-initialises a module) far from its cause. Imports under
  ``if TYPE_CHECKING:`` are left out: they never run.
* No module under ``sim/`` is over :data:`MAX_LINES` lines, except the declaration modules of
  :data:`ALLOWED_LONG`.

How an import is read (with ``ast``, relative imports resolved against the importing module):

* ``import sim.a.b`` and ``from sim.a.b import x`` import ``sim.a.b``;
* ``from sim.a import b`` imports ``sim.a.b`` when ``b`` is a submodule, and ``sim.a`` (its
  ``__init__``) in every case, except when ``sim.a`` is a package the importing module lives in
  (it is initialised before any of its modules, so naming it adds nothing);
* importing a package means importing its ``__init__``; importing a module also imports every
  package on its path (Python initialises them first), except the packages the importing module
  itself lives in (they are initialised, or being initialised, already).
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "sim"
PACKAGE = "sim"

MAX_LINES = 500
"""Longest module allowed under ``sim/``: past it a module holds more than one responsibility."""

ALLOWED_LONG: dict[str, str] = {
    # Declaration modules: long lists of declarations (fields, defaults, bounds, column
    # specifications) that read best in one place; they hold almost no logic.
    "sim/model/params.py": "the parameter dataclasses, their defaults and bounds",
    "sim/model/schema.py": "the output columns: names, dtypes and meanings",
    "sim/model/kernel.py": "the compiled month: numba's cache notices edits only in the file "
                           "of the function it compiles, so every jitted function of the month "
                           "lives in this one file (issue #12)",
}



@dataclass(frozen=True, slots=True)
class Import:
    """One import statement of a module: what it brings in, and where it is."""

    target: str
    line: int


def module_name(path: Path, root: Path = ROOT) -> str:
    """The dotted name of a source file (``sim/a/__init__.py`` is ``sim.a``)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of the tree except the bodies of ``if TYPE_CHECKING:`` (never executed)."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of ``from <level dots><name> import ...`` written in ``module``."""
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """The ``sim`` modules a module imports, anywhere in its body (see the module docstring)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    out: list[Import] = []

    def add(target: str, line: int) -> None:
        # the nearest known module: `import sim.a.b.c` with `c` a name, not a file
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != module:
            out.append(Import(target, line))
            # Python initialises every package on the way down before the module; those that
            # hold the importing module are initialised already (or are being initialised).
            parent = target.rpartition(".")[0]
            while parent:
                implicit = Import(parent, line)
                if parent in known and parent != module and not module.startswith(parent + ".") \
                        and implicit not in out:
                    out.append(implicit)
                parent = parent.rpartition(".")[0]

    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module)
            if base != PACKAGE and not base.startswith(PACKAGE + "."):
                continue
            if not module.startswith(base + "."):  # not a package this module lives in
                add(base, node.lineno)
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    add(f"{base}.{alias.name}", node.lineno)
    return out


def import_graph(root: Path = ROOT) -> tuple[dict[str, list[Import]], dict[str, Path]]:
    """Module → the ``sim`` modules it imports; and module → its file."""
    files = sources(root)
    known = set(files)
    return {m: imports_of(m, p, known) for m, p in files.items()}, files


def strongly_connected(graph: dict[str, list[Import]]) -> list[list[str]]:
    """The import cycles: strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for edge in graph.get(v, []):
            w = edge.target
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def shortest_cycle(graph: dict[str, list[Import]], start: str, members: set[str]) -> list[str]:
    """A shortest cycle through ``start`` within ``members``, as a closed path of modules."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for edge in graph[v]:
                w = edge.target
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if w in members and w not in previous:
                    previous[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start]  # pragma: no cover - every module of a component lies on a cycle


def describe(graph: dict[str, list[Import]], files: dict[str, Path],
             component: list[str]) -> str:
    """The cycles of a component (a shortest one through each module), one import a line."""
    lines = [f"cycle among {', '.join(component)}:"]
    cycles: dict[tuple[str, ...], list[str]] = {}
    for start in component:
        cycle = shortest_cycle(graph, start, set(component))
        first = cycle.index(min(cycle[:-1]))  # the same cycle from another module: once
        cycles.setdefault(tuple(cycle[first:-1] + cycle[:first]), cycle)
    for cycle in sorted(cycles.values(), key=len):  # the most direct first
        for a, b in itertools.pairwise(cycle):
            where = ", ".join(sorted({str(e.line) for e in graph[a] if e.target == b}, key=int))
            lines.append(f"    {a} ({files[a].relative_to(ROOT.parent)}:{where}) imports {b}")
        lines.append("")
    return "\n".join(lines)


def test_the_reader_resolves_imports_as_python_does(tmp_path):
    pkg = tmp_path / "sim"
    (pkg / "a").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a" / "__init__.py").write_text("from .b import x\n")
    (pkg / "a" / "b.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import c\n"
        "if TYPE_CHECKING:\n    from ..d import y\n"
        "def f():\n    from .. import d\n    import sim.a.c.name\n")
    (pkg / "a" / "c.py").write_text("")
    (pkg / "d.py").write_text("def g():\n    from .a import b\n")
    graph, _ = import_graph(pkg)
    targets = {m: sorted(e.target for e in edges) for m, edges in graph.items()}
    assert targets == {"sim": [], "sim.a": ["sim.a.b"], "sim.a.b": ["sim.a.c", "sim.a.c", "sim.d"],
                       "sim.a.c": [], "sim.d": ["sim.a", "sim.a.b"]}
    assert strongly_connected(graph) == [["sim.a", "sim.a.b", "sim.d"]]


def test_no_import_cycles():
    graph, files = import_graph()
    cycles = strongly_connected(graph)
    assert not cycles, "import cycles in sim/ (module-level and function-level imports " \
        "alike; move what both sides need into a module that imports neither):\n" + \
        "\n".join(describe(graph, files, c) for c in cycles)


def test_no_module_is_too_long():
    long = {}
    for path in sorted(ROOT.rglob("*.py")):
        name = path.relative_to(ROOT.parent).as_posix()
        n = len(path.read_text().splitlines())
        if n > MAX_LINES and name not in ALLOWED_LONG:
            long[name] = n
    assert not long, f"modules over {MAX_LINES} lines (split them by responsibility): " + \
        ", ".join(f"{k} ({v})" for k, v in long.items())


def test_the_allow_list_names_existing_modules():
    stale = [n for n in ALLOWED_LONG if not (ROOT.parent / n).is_file()]
    assert not stale, f"allow-listed modules that no longer exist (remove them): {stale}"


def _crossing(graph: dict[str, list[Import]], inside: str, target: str) -> list[str]:
    """Imports from modules under ``inside`` (or, with ``inside`` = "", any module not under
    ``target``) into modules under ``target``."""
    def under(module: str, package: str) -> bool:
        return module == package or module.startswith(package + ".")
    return [f"{m} -> {i.target} (line {i.line})" for m, imps in sorted(graph.items())
            for i in imps
            if (under(m, inside) if inside else not under(m, target)) and under(i.target, target)]


def test_the_model_imports_nothing_of_the_experiments_analysis_or_front_ends():
    graph, _ = import_graph()
    bad = [x for pkg in ("sim.experiment", "sim.analysis", "sim.plots", "sim.app")
           for x in _crossing(graph, "sim.model", pkg)]
    assert not bad, "sim.model must stand alone (the mechanisms know nothing of how they are " \
        "run, stored or shown):\n" + "\n".join(bad)


def test_only_the_front_ends_import_the_front_ends():
    graph, _ = import_graph()
    bad = _crossing(graph, "", "sim.app")
    bad = [b for b in bad if not b.startswith("sim.__main__ ")]  # `python -m sim` runs the CLI
    assert not bad, "nothing outside sim.app may import it:\n" + "\n".join(bad)
