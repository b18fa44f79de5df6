"""The lab notebooks carry the cell metadata nbgrader expects, checked without nbgrader.

nbgrader (not a dependency of the book) turns a teacher's notebook into the student version:
every cell with ``nbgrader.solution: true`` has the region between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` replaced by ``raise NotImplementedError()``, and grading cells
(``grade: true``, with points) are locked and kept. A marker in any other cell is an error for it.
These tests read each book/labs/lab*.md with jupytext and check that structure, emulate the
replacement to check that the student version is still valid Python, and check that the teacher's
solution binds the reference methods of the lab (no pasted copy of raft/node.py) and that the
grading cell runs the grader of the same lab.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import pytest
import yaml

from raft import grade

ROOT = Path(__file__).resolve().parent.parent
LABS = sorted((ROOT / "book" / "labs").glob("lab*.md"))
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

SOLUTION_KEYS = {"grade": False, "locked": False, "schema_version": 3, "solution": True,
                 "task": False}
GRADE_KEYS = {"grade": True, "locked": True, "schema_version": 3, "solution": False,
              "task": False}


def lab_number(path):
    return int(re.match(r"lab(\d+)_", path.name).group(1))


def nbgrader_cells(path):
    nb = jupytext.read(path)
    return nb, [c for c in nb.cells if "nbgrader" in c.metadata]


def student_version(source):
    """What nbgrader's ClearSolutions makes of a solution cell (indentation of the marker kept)."""
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


def solution_region(source):
    lines = source.splitlines()
    begin = next(i for i, line in enumerate(lines) if BEGIN in line)
    end = next(i for i, line in enumerate(lines) if END in line)
    return lines[begin + 1:end]


def test_all_five_labs_exist_and_are_in_the_toc():
    assert [lab_number(p) for p in LABS] == [1, 2, 3, 4, 5], [p.name for p in LABS]
    toc = (ROOT / "_toc.yml").read_text()
    entries = set(re.findall(r"file:\s*(\S+)", toc))
    missing = [p.name for p in LABS if f"book/labs/{p.stem}" not in entries]
    assert not missing, f"labs missing from _toc.yml: {missing}"
    assert yaml.safe_load(toc)  # still valid YAML


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_lab_has_one_solution_and_one_grading_cell(path):
    n = lab_number(path)
    nb, cells = nbgrader_cells(path)
    solutions = [c for c in cells if c.metadata["nbgrader"].get("solution")]
    grades = [c for c in cells if c.metadata["nbgrader"].get("grade")]
    assert len(solutions) == 1 and len(grades) == 1, (path.name, [c.metadata for c in cells])
    assert len(cells) == 2, f"{path.name}: unexpected nbgrader cells"
    ids = [c.metadata["nbgrader"]["grade_id"] for c in cells]
    assert ids == [f"lab{n}-solution", f"lab{n}-grade"], ids  # unique, and in this order
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_solution_cell_metadata_and_markers(path):
    n = lab_number(path)
    _, cells = nbgrader_cells(path)
    cell = next(c for c in cells if c.metadata["nbgrader"].get("solution"))
    meta = dict(cell.metadata["nbgrader"])
    assert cell.cell_type == "code"
    assert meta.pop("grade_id") == f"lab{n}-solution"
    assert meta == SOLUTION_KEYS, f"{path.name}: solution metadata {meta}"
    src = cell.source
    assert src.count(BEGIN) == 1 and src.count(END) == 1 and src.index(BEGIN) < src.index(END)
    for line in src.splitlines():
        if BEGIN in line or END in line:
            assert line.strip() in (BEGIN, END), f"{path.name}: marker not alone: {line!r}"
    ast.parse(src)  # the teacher's version
    student = student_version(src)
    ast.parse(student)  # the student's version still parses
    assert "raise NotImplementedError()" in student and "Node." not in student
    assert f"class StudentNode(Lab{n}Node):" in student


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_teacher_solution_binds_the_reference_methods(path):
    """The solution region is `method = Node.method` for each method of the lab, nothing else
    (a comment aside): the built book then checks the grader against raft/node.py itself."""
    n = lab_number(path)
    _, cells = nbgrader_cells(path)
    cell = next(c for c in cells if c.metadata["nbgrader"].get("solution"))
    code = [line.strip() for line in solution_region(cell.source)
            if line.strip() and not line.strip().startswith("#")]
    expected = {f"{m} = Node.{m}" for m in grade.LABS[n].methods}
    assert set(code) == expected and len(code) == len(expected), (path.name, code)


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_grading_cell_metadata_and_call(path):
    n = lab_number(path)
    _, cells = nbgrader_cells(path)
    cell = next(c for c in cells if c.metadata["nbgrader"].get("grade"))
    meta = dict(cell.metadata["nbgrader"])
    assert cell.cell_type == "code"
    assert meta.pop("grade_id") == f"lab{n}-grade"
    points = meta.pop("points")
    assert isinstance(points, (int, float)) and points > 0
    assert meta == GRADE_KEYS, f"{path.name}: grading metadata {meta}"
    assert BEGIN not in cell.source and END not in cell.source
    assert re.fullmatch(rf"assert raft\.grade\.check\(StudentNode, lab={n}(, [^)]*)?\)\.passed",
                        cell.source.strip()), cell.source


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_no_solution_markers_outside_solution_cells(path):
    """nbgrader refuses a solution region in a cell not marked as a solution."""
    nb, _ = nbgrader_cells(path)
    for cell in nb.cells:
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            assert BEGIN not in cell.source and END not in cell.source, cell.source[:200]
