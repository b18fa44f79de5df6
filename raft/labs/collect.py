"""``python -m raft.labs.collect COURSE_DIR SUBMISSIONS_DIR``: students' downloaded lab files
put where nbgrader grades them (the code lives in :mod:`raft.classroom.collect`)."""

import sys

from ..classroom.collect import CollectError, collect, main, released_labs, student_code

__all__ = ["CollectError", "collect", "main", "released_labs", "student_code"]

if __name__ == "__main__":
    sys.exit(main())
