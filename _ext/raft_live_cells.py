"""The code a page runs live, taken from the page's own notebook when the book is built.

The chapters' exercises and the labs' "Your turn" cells become editable code in the HTML book
(``_assets/raft-workbench.js``). Their starting code is the notebook's code, read here from the
same MyST source the build executes, never pasted twice:

* an exercise's code is its solution's code cells (the visible ones), joined;
* a lab's code is the one cell that defines ``class StudentNode(LabNNode):`` (the cell
  ``python -m raft.labs.course`` turns into nbgrader's solution cell).

Such code leans on names the chapter defined earlier (``Cluster``, ``play``, ``SIZES``...). The
*prelude* is what it needs of the earlier cells: for each name the code uses but does not define,
the last top-level statement before it that binds the name (an import, an assignment, a ``def``),
and, in turn, what those statements need; kept in the page's order. Statements that only change
an object in place (``cluster.run(100)``) are not followed: code that needs them says so in a
test (``tests/test_live_pages.py`` runs every exercise's prelude and code in CPython). A prelude
that imports what the page's Python does not have (numpy, matplotlib, IPython...) makes the
exercise "notebook only", and the page says so instead of offering to run it.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field
from pathlib import Path

#: Modules a page's Python (Pyodide with the standard library and raft) does not have.
UNAVAILABLE = frozenset({"numpy", "matplotlib", "IPython", "ipywidgets", "anywidget", "networkx",
                         "pandas", "scipy", "jupytext", "nbformat", "yaml"})
#: Cells with these tags are not shown in the page, so they are not part of an exercise's code.
HIDDEN_TAGS = frozenset({"remove-cell", "remove-input"})
BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__"}
_LAB_CLASS = re.compile(r"^class (StudentNode)\(Lab(\d+)Node\):", re.M)   # as raft.labs.course
_FENCE = re.compile(r"^```\{(solution-start|solution-end|exercise-start)\}[ \t]*(\S*)", re.M)
_LABEL = re.compile(r"^:label:[ \t]*(\S+)", re.M)


@dataclass
class Cell:
    kind: str            # "code" or "markdown"
    source: str
    tags: tuple = ()


@dataclass
class Statement:
    position: int        # order in the page
    source: str
    bound: frozenset
    free: frozenset
    modules: frozenset   # top-level modules it imports
    deferred: bool = False   # a function: its body's names are looked up when it is called
    joins: tuple | None = None   # ("from", module, level) of a one-name import, to merge


@dataclass
class Prelude:
    source: str = ""
    missing: list = field(default_factory=list)      # modules the page's Python lacks
    unresolved: list = field(default_factory=list)   # names no earlier statement binds


def read_cells(path: Path) -> list[Cell]:
    """The cells of a MyST notebook (``book/*.md``), as jupytext reads them for the build."""
    import jupytext

    notebook = jupytext.read(str(path))
    return [Cell(c.cell_type, c.source, tuple(c.metadata.get("tags", ())))
            for c in notebook.cells if c.cell_type in ("code", "markdown")]


def _scoped(tree):
    """The nodes of ``tree`` outside nested function, lambda and class bodies."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                      ast.ClassDef)):
                todo.append(child)


def bound_names(stmt: ast.AST) -> set[str]:
    """The names a top-level statement binds in the module's namespace."""
    out = set()
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    for node in _scoped(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
    return out


def free_names(tree: ast.AST) -> set[str]:
    """The names ``tree`` reads but binds nowhere in itself (builtins left out): what it needs
    from the namespace it runs in (approximate: a name bound anywhere in it counts as bound)."""
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, (ast.Store, ast.Del)) else loaded).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound |= set(node.names)
    return loaded - bound - BUILTINS


def imported_modules(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module.split(".")[0])
    return out


def statements(sources: list[str], first_position: int = 0) -> list[Statement]:
    """The top-level statements of code cells, in order (cells that are not Python, such as
    IPython magics, are skipped)."""
    out = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lines = source.splitlines()
        for stmt in tree.body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)) and len(stmt.names) > 1:
                # One statement per imported name, so that a prelude takes only what it needs
                # (``from raft.viz import explore, play``: ``explore`` needs ipywidgets).
                for alias in stmt.names:
                    one = (ast.Import(names=[alias]) if isinstance(stmt, ast.Import) else
                           ast.ImportFrom(module=stmt.module, names=[alias], level=stmt.level))
                    out.append(Statement(first_position + len(out), ast.unparse(one),
                                         frozenset(bound_names(one)), frozenset(),
                                         frozenset(imported_modules(one)),
                                         joins=("from", stmt.module, stmt.level)
                                         if isinstance(stmt, ast.ImportFrom) else None))
                continue
            start = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
            text = "\n".join(lines[start - 1:stmt.end_lineno])
            out.append(Statement(first_position + len(out), text, frozenset(bound_names(stmt)),
                                 frozenset(free_names(stmt)), frozenset(imported_modules(stmt)),
                                 isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))))
    return out


def prelude(earlier: list[str], code: str) -> Prelude:
    """What ``code`` needs of the ``earlier`` cells' code (see the module docstring)."""
    stmts = statements(earlier)
    try:
        needed = free_names(ast.parse(code))
    except SyntaxError:
        return Prelude()
    chosen: set[int] = set()
    unresolved = set()
    todo = [(name, len(stmts)) for name in sorted(needed)]
    while todo:
        name, before = todo.pop()
        binders = [s for s in stmts[:before] if name in s.bound]
        if not binders:
            unresolved.add(name)
            continue
        stmt = binders[-1]
        if stmt.position in chosen:
            continue
        chosen.add(stmt.position)
        # A function's names are looked up when it is called (by the code, after everything
        # before it ran); anything else's when it runs.
        todo += [(n, before if stmt.deferred else stmt.position) for n in sorted(stmt.free)]
    picked = [stmts[k] for k in sorted(chosen)]
    missing = sorted({m for s in picked for m in s.modules} & UNAVAILABLE)
    lines = []
    for k, s in enumerate(picked):       # names of one import statement, back on one line
        if k and s.joins is not None and s.joins == picked[k - 1].joins:
            lines[-1] += ", " + s.source.rsplit(" import ", 1)[1]
        else:
            lines.append(s.source)
    return Prelude("\n".join(lines), missing, sorted(unresolved))


def _code(cells: list[Cell]) -> str:
    return "\n\n".join(c.source.strip("\n") for c in cells)


def exercises(cells: list[Cell]) -> list[dict]:
    """For each exercise with code in its solution: {label, code, prelude, missing,
    unresolved}, in page order."""
    order, solution_cells = [], {}
    inside = None
    for k, cell in enumerate(cells):
        if cell.kind == "markdown":
            for fence in _FENCE.finditer(cell.source):
                what, arg = fence.group(1), fence.group(2)
                if what == "exercise-start":
                    label = _LABEL.search(cell.source, fence.end())
                    if label:
                        order.append(label.group(1))
                elif what == "solution-start":
                    inside = arg
                    solution_cells.setdefault(arg, [])
                else:
                    inside = None
        elif inside is not None and not (set(cell.tags) & HIDDEN_TAGS):
            solution_cells[inside].append((k, cell))
    out = []
    for label in order:
        found = solution_cells.get(label) or []
        if not found:
            continue
        first = found[0][0]
        code = _code([c for _, c in found])
        pre = prelude([c.source for c in cells[:first] if c.kind == "code"], code)
        out.append({"label": label, "code": code, "prelude": pre.source, "missing": pre.missing,
                    "unresolved": pre.unresolved})
    return out


def lab(cells: list[Cell], page_stem: str) -> dict | None:
    """The lab's "Your turn" cell: {lab, class_name, code, prelude, missing, unresolved,
    file_name}, or None for a page without one."""
    found = [(k, c) for k, c in enumerate(cells) if c.kind == "code" and _LAB_CLASS.search(c.source)]
    if len(found) != 1:
        return None
    k, cell = found[0]
    match = _LAB_CLASS.search(cell.source)
    pre = prelude([c.source for c in cells[:k] if c.kind == "code"], cell.source)
    return {"lab": int(match.group(2)), "class_name": match.group(1),
            "code": cell.source.strip("\n") + "\n", "prelude": pre.source,
            "missing": pre.missing, "unresolved": pre.unresolved,
            "file_name": f"{page_stem}.py"}
