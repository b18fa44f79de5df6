"""The teacher's lab notebooks for nbgrader, generated from the students' ``book/labs/*.md``.

    python -m raft.labs.course OUTDIR [path/to/labN_....md ...]

The lab pages are written for students: their "Your turn" cell (the one cell that defines
``class StudentNode(LabNNode):``) holds a stub for each method of the lab::

    def start_election(self, now, rule, leadership_transfer=False):
        # YOUR CODE HERE
        raise NotImplementedError()

For each lab this writes ``OUTDIR/<name>.ipynb``, the nbgrader *source* version, in which

* each stub is a solution region that calls the reference method (``### BEGIN SOLUTION`` ...
  ``### END SOLUTION``), and the cell is nbgrader's solution cell ``labN-solution``;
* the grading cell (``assert raft.grade.check(StudentNode, lab=N).passed``) is a locked
  graded cell ``labN-grade`` worth :data:`POINTS` points;
* the page's MyST target (``(lab-election)=``, the book's label for cross-references) is left
  out, since plain Markdown in Jupyter would show it as a stray line above the title.

``nbgrader generate_assignment`` replaces each region with the very stub it came from, so the
students' release reads exactly like the book's page. The teacher's version passes the grader
(it is the reference); the book's page never contains it.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
POINTS = 10
LABS_DIR = Path(__file__).resolve().parents[2] / "book" / "labs"

_CLASS = re.compile(r"^class StudentNode\(Lab(\d+)Node\):", re.M)
_GRADE = re.compile(r"assert raft\.grade\.check\(StudentNode, lab=(\d+)(, [^)]*)?\)\.passed")


def lab_pages(folder=LABS_DIR):
    return sorted(Path(folder).glob("lab*.md"))


def student_cell(notebook):
    """The "Your turn" cell: the one code cell defining StudentNode. Returns (cell, lab)."""
    found = [c for c in notebook.cells if c.cell_type == "code" and _CLASS.search(c.source)]
    if len(found) != 1:
        raise ValueError(f"expected one cell defining 'class StudentNode(LabNNode):', "
                         f"found {len(found)}")
    return found[0], int(_CLASS.search(found[0].source).group(1))


def grading_cell(notebook):
    found = [c for c in notebook.cells if c.cell_type == "code"
             and _GRADE.fullmatch(c.source.strip())]
    if len(found) != 1:
        raise ValueError(f"expected one grading cell 'assert raft.grade.check(StudentNode, "
                         f"lab=N).passed', found {len(found)}")
    return found[0]


def stubbed_methods(source):
    """The names of the StudentNode methods whose body is the stub, in order."""
    return [name for name, _ in _stubs(source)]


def _stubs(source):
    tree = ast.parse(source)
    [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "StudentNode"]
    lines = source.splitlines()
    out = []
    for f in cls.body:
        if not isinstance(f, ast.FunctionDef):
            continue
        body = [line.strip() for line in lines[f.body[0].lineno - 2:f.end_lineno]]
        if body[-2:] == list(STUB):
            out.append((f.name, f))
    return out


def teacher_source(source):
    """The solution cell of the teacher's version: each stub calls the reference method."""
    lines = source.splitlines()
    for name, f in reversed(_stubs(source)):
        args = [a.arg for a in f.args.args[1:]]
        end = f.end_lineno                      # the raise line (1-based); the comment is above
        indent = lines[end - 1][:len(lines[end - 1]) - len(lines[end - 1].lstrip())]
        call = f"return Node.{name}({', '.join(['self'] + args)})"
        lines[end - 2:end] = [indent + BEGIN, indent + "from raft.node import Node",
                              indent + call, indent + END]
    return "\n".join(lines)


def teacher_notebook(path):
    """The nbgrader source notebook of the lab page at ``path`` (an nbformat notebook)."""
    import jupytext

    notebook = jupytext.read(path)
    solution, lab = student_cell(notebook)
    grade_cell = grading_cell(notebook)
    if int(_GRADE.fullmatch(grade_cell.source.strip()).group(1)) != lab:
        raise ValueError(f"{path}: the grading cell grades another lab than StudentNode's")
    solution.source = teacher_source(solution.source)
    solution.metadata["nbgrader"] = {
        "grade": False, "grade_id": f"lab{lab}-solution", "locked": False, "schema_version": 3,
        "solution": True, "task": False}
    tags = [t for t in grade_cell.metadata.get("tags", []) if t != "raises-exception"]
    if tags:
        grade_cell.metadata["tags"] = tags
    else:
        grade_cell.metadata.pop("tags", None)   # the teacher's version passes
    grade_cell.metadata["nbgrader"] = {
        "grade": True, "grade_id": f"lab{lab}-grade", "locked": True, "points": POINTS,
        "schema_version": 3, "solution": False, "task": False}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = without_targets(cell.source)
    notebook.metadata.pop("jupytext", None)
    return notebook


def without_targets(markdown):
    """Markdown without its MyST targets (``(lab-election)=`` lines): the book's cross-reference
    labels, which a notebook's plain Markdown would show as a stray line above the title."""
    return re.sub(r"^\([\w.:-]+\)=[ \t]*\n", "", markdown, flags=re.M)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[0])
        print("usage: python -m raft.labs.course OUTDIR [path/to/labN_....md ...]")
        return 0 if argv else 2
    import jupytext

    out = Path(argv[0])
    pages = [Path(p) for p in argv[1:]] or lab_pages()
    if not pages:
        print(f"no lab pages found in {LABS_DIR}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    for page in pages:
        target = out / f"{page.stem}.ipynb"
        jupytext.write(teacher_notebook(page), target, fmt="ipynb")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
