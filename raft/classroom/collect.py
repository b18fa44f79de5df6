"""Students' downloaded lab files, put where nbgrader grades them.

    python -m raft.labs.collect COURSE_DIR SUBMISSIONS_DIR [--assignment labs]

A student who does a lab in the book's page downloads a ``.py`` file (``lab1_election.py``: a
comment header, the imports, ``class StudentNode(Lab1Node): ...``). nbgrader grades notebooks,
in ``COURSE_DIR/submitted/<student>/<assignment>/<lab>.ipynb``. This command reads
``SUBMISSIONS_DIR/<student>/*.py`` (one folder per student, as course platforms export them),
finds each file's lab by its ``class StudentNode(LabNNode):`` line, and writes the released
notebook of that lab (``COURSE_DIR/release/<assignment>/``, made by ``nbgrader
generate_assignment``) with its "Your turn" cell replaced by the file. Every other cell, and
the cell's nbgrader metadata, stay as released, so ``nbgrader autograde`` treats it like any
notebook handed in.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .course import _CLASS, student_cell


class CollectError(ValueError):
    """A course or submissions folder that cannot be collected, with what to do."""


def released_labs(course_dir, assignment="labs"):
    """{lab number: path of its released notebook}."""
    import nbformat
    release = Path(course_dir) / "release" / assignment
    notebooks = sorted(release.glob("*.ipynb"))
    if not notebooks:
        raise CollectError(f"no released notebooks in {release}: run `nbgrader "
                           f"generate_assignment {assignment}` in {course_dir} first")
    labs = {}
    for path in notebooks:
        try:
            _, lab = student_cell(nbformat.read(path, as_version=4))
        except ValueError:
            continue   # a notebook of the assignment that is not a lab
        labs[lab] = path
    if not labs:
        raise CollectError(f"no lab notebook (a cell 'class StudentNode(LabNNode):') in {release}")
    return labs


def student_code(path):
    """A downloaded file's code, without its comment header; and its lab number."""
    text = Path(path).read_text(encoding="utf-8")
    found = _CLASS.findall(text)
    if len(found) != 1:
        raise CollectError(f"{path}: expected one 'class StudentNode(LabNNode):' line (the lab "
                           f"page's download has it), found {len(found)}")
    lines = text.splitlines()
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines).rstrip() + "\n", int(found[0])


def collect(course_dir, submissions_dir, assignment="labs", out=print):
    """Write one notebook per downloaded file; returns the paths written."""
    import nbformat
    labs = released_labs(course_dir, assignment)
    students = sorted(p for p in Path(submissions_dir).iterdir() if p.is_dir())
    if not students:
        raise CollectError(f"no student folders in {submissions_dir} (expected "
                           f"{submissions_dir}/<student>/labN_....py)")
    written = []
    for folder in students:
        seen = {}
        for path in sorted(folder.glob("*.py")):
            code, lab = student_code(path)
            if lab not in labs:
                raise CollectError(f"{path}: lab {lab} is not among the released labs "
                                   f"({', '.join(str(n) for n in sorted(labs))})")
            if lab in seen:
                raise CollectError(f"{folder.name} handed in two files for lab {lab}: "
                                   f"{seen[lab].name} and {path.name}; keep one")
            seen[lab] = path
            notebook = nbformat.read(labs[lab], as_version=4)
            cell, _ = student_cell(notebook)
            cell.source = code
            target = (Path(course_dir) / "submitted" / folder.name / assignment
                      / labs[lab].name)
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, target)
            out(f"{folder.name}: {path.name} -> {target}")
            written.append(target)
    return written


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["-h"], ["--help"]) or len(argv) not in (2, 4):
        print(__doc__.strip())
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    assignment = "labs"
    if len(argv) == 4:
        if argv[2] != "--assignment":
            print(f"unknown option {argv[2]!r}", file=sys.stderr)
            return 2
        assignment = argv[3]
    try:
        written = collect(argv[0], argv[1], assignment)
    except (CollectError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{len(written)} notebook(s) written; now run `nbgrader autograde {assignment}` "
          f"in {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
