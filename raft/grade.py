"""The grader's public name: ``raft.grade.check(StudentNode, lab=1)``, ``python -m raft.grade``.

    python -m raft.grade lab1 path/to/my_node.py:MyNode
    python -m raft.grade bug naive-commit          # hunt and shrink a zoo bug
    python -m raft.grade list                      # the labs and the zoo's bugs

Everything here lives in three layers: the random search (:mod:`raft.fuzz`: schedules, their
generator, running and judging them, shrinking, counterexamples), the model checker
(:mod:`raft.mc`, which the grader's last stage runs within small bounds:
``replay_model_check`` rebuilds its shortest run) and the classroom (:mod:`raft.classroom`: the
labs, their stories, the grader's report, the command line).
"""

import sys

from .check.rules import GradeChecker, RuleBreak
from .classroom.cli import USAGE, console, main
from .classroom.grade_mc import ModelCheck, replay_model_check
from .classroom.grader import (Report, Result, StoryRun, check, replay_story, run_story,
                               story_run)
from .classroom.labs import LABS, Lab
from .fuzz.counterexample import Counterexample, find_counterexample, key_events, replay
from .fuzz.generate import DEFAULT_PROFILE, PROFILE_ALIASES, PROFILE_KINDS, generate
from .fuzz.run import Finding, NodeRefused, run_schedule
from .fuzz.schedule import STALL_MS, Schedule, parse_schedule
from .fuzz.shrink import shrink
from .script.scenario import PROBE

__all__ = ["DEFAULT_PROFILE", "LABS", "PROBE", "PROFILE_ALIASES", "PROFILE_KINDS", "STALL_MS",
           "USAGE", "Counterexample", "Finding", "GradeChecker", "Lab", "ModelCheck",
           "NodeRefused", "Report", "Result", "RuleBreak", "Schedule", "StoryRun", "check",
           "find_counterexample", "generate", "key_events", "main", "parse_schedule", "replay",
           "replay_model_check", "replay_story", "run_schedule", "run_story", "shrink",
           "story_run"]

if __name__ == "__main__":
    sys.exit(console())
