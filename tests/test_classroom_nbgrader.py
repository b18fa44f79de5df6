"""The lab notebooks are the students' version; the teacher's nbgrader source is generated.

A lab page (book/labs/lab*.md) is what a reader sees in the book and what a student opens in
Jupyter: its "Your turn" cell holds a stub per method of the lab (``# YOUR CODE HERE`` /
``raise NotImplementedError()``), never the answer, and the skeleton and message fields are shown
by code cells (``raft.labs.show_source``), not by MyST directives Jupyter cannot render.

``python -m raft.labs.course OUTDIR`` writes the teacher's version of each lab for nbgrader: each
stub becomes a solution region (``### BEGIN SOLUTION`` ... ``### END SOLUTION``) that calls the
reference method, with nbgrader's cell metadata. These tests check that structure without
nbgrader, emulate nbgrader's replacement of solution regions to check that the students' release
reads exactly like the page, and run the teacher's solution through the grader.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from raft import grade
from raft.labs import course

ROOT = Path(__file__).resolve().parent.parent
LABS = sorted((ROOT / "book" / "labs").glob("lab*.md"))
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

SOLUTION_KEYS = {"grade": False, "locked": False, "schema_version": 3, "solution": True,
                 "task": False}
GRADE_KEYS = {"grade": True, "locked": True, "schema_version": 3, "solution": False,
              "task": False}


def lab_number(path):
    return int(re.match(r"lab(\d+)_", path.name).group(1))


def release_version(source):
    """What nbgrader's ClearSolutions makes of a solution cell: each region becomes the stub,
    indented like its BEGIN marker."""
    out, inside = [], False
    for line in source.splitlines():
        if BEGIN in line:
            indent = line[:len(line) - len(line.lstrip())]
            out += [indent + "# YOUR CODE HERE", indent + "raise NotImplementedError()"]
            inside = True
        elif END in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    """The teacher's notebooks, written by the command the teacher's guide gives."""
    out = tmp_path_factory.mktemp("course") / "source" / "labs"
    assert course.main([str(out)]) == 0
    return {lab_number(p): nbformat.read(out / f"{p.stem}.ipynb", as_version=4) for p in LABS}


def nbgrader_cells(nb):
    return [c for c in nb.cells if "nbgrader" in c.metadata]


def test_all_labs_exist_and_are_in_the_toc():
    assert [lab_number(p) for p in LABS] == sorted(grade.LABS), [p.name for p in LABS]
    toc = (ROOT / "_toc.yml").read_text()
    entries = set(re.findall(r"file:\s*(\S+)", toc))
    missing = [p.name for p in LABS if f"book/labs/{p.stem}" not in entries]
    assert not missing, f"labs missing from _toc.yml: {missing}"
    assert yaml.safe_load(toc)  # still valid YAML


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_the_page_is_the_students_version(path):
    """No answer on the page: the student's cell holds one stub per method of the lab, no
    reference method, no solution markers anywhere, and no nbgrader metadata (a notebook made
    straight from the page would lose its class to nbgrader's whole-cell stub)."""
    n = lab_number(path)
    nb = jupytext.read(path)
    cell, lab = course.student_cell(nb)
    assert lab == n and f"class StudentNode(Lab{n}Node):" in cell.source
    stubs = course.stubbed_methods(cell.source)
    assert sorted(stubs) == sorted(grade.LABS[n].methods), stubs
    assert "Node." not in cell.source   # no `m = Node.m`, no `Node.m(self, ...)`
    tree = ast.parse(cell.source)
    [cls] = [c for c in tree.body if isinstance(c, ast.ClassDef)]
    for f in cls.body:   # every method is exactly the stub: nothing of the answer
        assert isinstance(f, ast.FunctionDef) and len(f.body) == 1
        assert ast.unparse(f.body[0]) == "raise NotImplementedError()"
    for c in nb.cells:
        assert BEGIN not in c.source and END not in c.source, c.source[:200]
        assert "nbgrader" not in c.metadata
    assert nb.metadata["kernelspec"]["name"] == "python3"
    # The grading cell runs on the stubs in the built book: its failure is expected there.
    graded = course.grading_cell(nb)
    assert "raises-exception" in graded.metadata.get("tags", [])


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_the_page_needs_no_myst_directive_to_show_the_skeleton(path):
    """Opened in Jupyter (jupytext) or released by nbgrader, a lab shows the skeleton and the
    messages by running its cells: no literalinclude or cross-reference role that only the
    book's build understands. (The page's one `(lab-...)=` target, which tests/test_book_toc.py
    asks for, shows as a stray line in Jupyter and hides nothing.)"""
    n = lab_number(path)
    nb = jupytext.read(path)
    for c in nb.cells:
        if c.cell_type == "markdown":
            assert not re.search(r"\{(literalinclude|ref|doc|numref)\}", c.source), c.source[:300]
            assert not re.search(r"^```\{", c.source, re.M), c.source[:300]   # no directive
    shows = [c.source for c in nb.cells if c.cell_type == "code" and "show_source(" in c.source]
    assert any(f"show_source(Lab{n}Node)" in s for s in shows), shows
    if n == 1:
        assert any("show_source(RequestVote, RequestVoteReply)" in s for s in shows)


def test_show_source_displays_the_code_that_runs():
    from raft.labs import show_source
    from raft.labs.skeleton import Lab1Node
    from raft.node import RequestVote
    shown = show_source(Lab1Node, RequestVote)
    markdown = shown._repr_markdown_()
    assert markdown.startswith("```python\nclass Lab1Node(Node):")
    assert "def start_election(self, now, rule, leadership_transfer=False):" in markdown
    assert "last_log_term: int" in markdown and markdown.endswith("\n```")
    assert repr(shown).startswith("class Lab1Node(Node):")


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_teacher_notebook_has_one_solution_and_one_grading_cell(path, teacher):
    n = lab_number(path)
    nb = teacher[n]
    cells = nbgrader_cells(nb)
    assert len(cells) == 2, f"{path.name}: unexpected nbgrader cells"
    solution, graded = cells
    meta = dict(solution.metadata["nbgrader"])
    assert meta.pop("grade_id") == f"lab{n}-solution" and meta == SOLUTION_KEYS, meta
    meta = dict(graded.metadata["nbgrader"])
    assert meta.pop("grade_id") == f"lab{n}-grade"
    assert meta.pop("points") == course.POINTS and meta == GRADE_KEYS, meta
    assert "raises-exception" not in graded.metadata.get("tags", [])
    assert re.fullmatch(rf"assert raft\.grade\.check\(StudentNode, lab={n}(, [^)]*)?\)\.passed",
                        graded.source.strip()), graded.source
    assert BEGIN not in graded.source
    for c in nb.cells:   # nbgrader refuses a solution region in a cell not marked as one
        if c is not solution:
            assert BEGIN not in c.source and END not in c.source
    assert nb.metadata["kernelspec"]["name"] == "python3"
    # The page's label for the book's cross-references, (lab-...)=, is not in the teacher's notebook: in
    # Jupyter's plain Markdown it would be a stray line above the title.
    assert path.read_text().count("\n(lab-") == 1
    title = next(c for c in nb.cells if c.cell_type == "markdown")
    assert title.source.startswith("# Lab ") and "(lab-" not in title.source


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_the_release_reads_exactly_like_the_page(path, teacher):
    """nbgrader turns each solution region back into the stub it came from."""
    n = lab_number(path)
    page_cell, _ = course.student_cell(jupytext.read(path))
    [solution] = [c for c in nbgrader_cells(teacher[n]) if c.metadata["nbgrader"]["solution"]]
    src = solution.source
    assert src.count(BEGIN) == src.count(END) == len(grade.LABS[n].methods)
    for line in src.splitlines():
        if BEGIN in line or END in line:
            assert line.strip() in (BEGIN, END), f"marker not alone: {line!r}"
    ast.parse(src)
    assert release_version(src) == page_cell.source


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_the_teacher_solution_passes_and_the_release_fails(path, teacher):
    """The teacher's solution passes the grader; the release's stubs fail every check as
    "not written yet" (what a student who hands in the untouched release gets)."""
    n = lab_number(path)
    nb = teacher[n]
    [solution, graded] = nbgrader_cells(nb)
    setup = f"import raft.grade\nfrom raft.labs.skeleton import Lab{n}Node\n"
    space = {}
    exec(setup + solution.source, space)
    report = grade.check(space["StudentNode"], n, quiet=True)
    assert report.passed, report.text()
    released = {}
    exec(setup + release_version(solution.source), released)
    report = grade.check(released["StudentNode"], n, quiet=True)
    assert not report.passed and all(not r.passed for r in report.results)
    assert "not written yet" in report.text() and "raises NotImplementedError" in report.text()


# -- handing in a file downloaded from the page (python -m raft.labs.collect) --------------------

def _released(tmp_path, teacher):
    """A course folder whose release/labs/ holds the teacher notebooks with their solution
    regions turned back into stubs, as `nbgrader generate_assignment` leaves them."""
    release = tmp_path / "course" / "release" / "labs"
    release.mkdir(parents=True)
    for path in LABS:
        notebook = copy.deepcopy(teacher[lab_number(path)])
        cell, _ = course.student_cell(notebook)
        cell.source = release_version(cell.source)
        nbformat.write(notebook, release / f"{path.stem}.ipynb")
    return tmp_path / "course"


def _download(lab, body):
    """A file as the lab page's Download button writes it."""
    return (f"# Lab {lab} of the Raft book, written in the book's page.\n"
            f"# Grade it from a shell:  python -m raft.grade lab{lab} x.py:StudentNode\n"
            f"from raft.labs.skeleton import Lab{lab}Node\n\n\n"
            f"class StudentNode(Lab{lab}Node):\n{body}")


def test_collect_puts_a_downloaded_file_in_the_released_notebook(tmp_path, teacher):
    from raft.labs import collect
    course_dir = _released(tmp_path, teacher)
    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    (subs / "bob").mkdir()
    (subs / "alice" / "lab1_election.py").write_text(_download(1, "    pass\n"))
    (subs / "bob" / "renamed.py").write_text(_download(2, "    marker = 2\n"))
    lines = []
    written = collect.collect(course_dir, subs, out=lines.append)
    lab1, lab2 = (p for p in LABS if lab_number(p) in (1, 2))
    assert [p.relative_to(course_dir).as_posix() for p in written] == [
        f"submitted/alice/labs/{lab1.stem}.ipynb", f"submitted/bob/labs/{lab2.stem}.ipynb"]
    released = nbformat.read(course_dir / "release" / "labs" / f"{lab2.stem}.ipynb", 4)
    handed = nbformat.read(written[1], 4)
    cell, lab = course.student_cell(handed)
    assert lab == 2 and cell.source.startswith("from raft.labs.skeleton import Lab2Node")
    assert "marker = 2" in cell.source and not cell.source.startswith("#")
    old_cell, _ = course.student_cell(released)
    assert cell.metadata == old_cell.metadata      # nbgrader's solution-cell id and flags
    others = [c for c in handed.cells if c is not cell]
    assert [c.source for c in others] == [c.source for c in released.cells if c is not old_cell]
    namespace = {}
    exec(compile(cell.source, "cell", "exec"), namespace)
    from raft.labs import Lab2Node
    assert issubclass(namespace["StudentNode"], Lab2Node)


@pytest.mark.parametrize("files, says", [
    ({"a.py": "print('no class')\n"}, "expected one 'class StudentNode"),
    ({"a.py": _download(9, "    pass\n")}, "lab 9 is not among the released labs"),
    ({"a.py": _download(1, "    pass\n"), "b.py": _download(1, "    pass\n")},
     "handed in two files for lab 1"),
])
def test_collect_refuses_what_it_cannot_place_and_says_why(tmp_path, teacher, files, says):
    from raft.labs import collect
    course_dir = _released(tmp_path, teacher)
    (tmp_path / "subs" / "carol").mkdir(parents=True)
    for name, text in files.items():
        (tmp_path / "subs" / "carol" / name).write_text(text)
    with pytest.raises(collect.CollectError, match=says):
        collect.collect(course_dir, tmp_path / "subs", out=lambda line: None)


def test_collect_says_to_generate_the_release_first(tmp_path, capsys):
    from raft.labs import collect
    (tmp_path / "subs" / "dan").mkdir(parents=True)
    assert collect.main([str(tmp_path), str(tmp_path / "subs")]) == 1
    assert "nbgrader generate_assignment labs" in capsys.readouterr().err
