"""Scenario files' public name: ``raft.scenario.run(text)`` and friends.

The language lives in :mod:`raft.script.scenario` (the file around the actions) and
:mod:`raft.sim.actions` (one action per line); see their docstrings.
"""

from .script.scenario import (PROBE, Expect, ExpectError, ExpectProgress, Line, Script, build,
                              load, parse, run, to_text)

__all__ = ["PROBE", "Expect", "ExpectError", "ExpectProgress", "Line", "Script", "build", "load",
           "parse", "run", "to_text"]
