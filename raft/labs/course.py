"""``python -m raft.labs.course OUTDIR``: the teacher's lab notebooks for nbgrader (the code
lives in :mod:`raft.classroom.course`)."""

import sys

from ..classroom.course import (LABS_DIR, POINTS, STUB, grading_cell, lab_pages, main,
                                student_cell, stubbed_methods, teacher_notebook, teacher_source,
                                without_targets)

__all__ = ["LABS_DIR", "POINTS", "STUB", "grading_cell", "lab_pages", "main", "student_cell",
           "stubbed_methods", "teacher_notebook", "teacher_source", "without_targets"]

if __name__ == "__main__":
    sys.exit(main())
