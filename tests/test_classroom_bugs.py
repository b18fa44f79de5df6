"""The bug zoo: every bug is caught within its bound of seeded schedules, shrunk, and replayable;
the reference node is not flagged on the same schedules; each bug changes one line of Node."""

from __future__ import annotations

import ast
import difflib
import inspect
import textwrap

import pytest

from raft import ExpectationFailed, InvariantViolation, bugs, grade, scenario
from raft.node import Node


@pytest.mark.parametrize("name", list(bugs.BUGS))
def test_bug_is_caught_within_its_bound_and_shrunk(name):
    """Seeds 0..bound-1 are searched in order; the first flagged one is shrunk and replayed."""
    cls = bugs.BUGS[name]
    cx = bugs.hunt(name)
    assert cx is not None, f"{name}: no seed below {cls.bound} was flagged"
    assert cx.seed < cls.bound
    assert len(cx.schedule) <= len(cx.original)
    # The shrunk schedule, as text, still fails the same way (deterministic replay).
    again, _ = grade.run_schedule(cls, grade.parse_schedule(cx.schedule.text()))
    assert again is not None and again.signature == cx.finding.signature
    # The reference node passes every schedule the search ran, and the shrunk one.
    for seed in range(cx.seed + 1):
        found, _ = grade.run_schedule(Node, grade.generate(seed, cls.profile))
        assert found is None, f"reference flagged on {name}'s seed {seed}: {found.headline()}"
    found, _ = grade.run_schedule(Node, cx.schedule)
    assert found is None
    # The shrunk schedule is a scenario file: raft.scenario.run replays it with the bug's node
    # and fails where the grader did, at the very step (a broken property), or on its last
    # line, the liveness check (a stall).
    text = cx.schedule.scenario()
    assert text.endswith("\nexpect progress within 3000ms\n")
    if cx.finding.kind == "violation":
        with pytest.raises(InvariantViolation) as caught:
            scenario.run(text, node_class=cls)
        assert (caught.value.prop, caught.value.step) == (cx.finding.prop, cx.finding.step)
    else:
        assert cx.finding.kind == "stall"
        with pytest.raises(ExpectationFailed, match="no client command was committed"):
            scenario.run(text, node_class=cls)
    # The replay cluster stops at the failing step and has a trace to animate.
    cluster = cx.cluster()
    assert cluster.trace and cluster.checker is None
    assert cx.sentences()


@pytest.mark.parametrize("name", list(bugs.BUGS))
def test_bug_changes_one_line_of_the_reference(name):
    """Comments aside, the overridden method differs from Node's in exactly one line."""
    cls = bugs.BUGS[name]
    assert cls.method in vars(cls), f"{name} does not override {cls.method}"

    def code_lines(func):
        """The statements of a function without its docstring and comments (via ast)."""
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
        body = tree.body[0].body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            tree.body[0].body = body[1:]
        return ast.unparse(tree).splitlines()

    ours = code_lines(getattr(cls, cls.method))
    ref = code_lines(getattr(Node, cls.method))
    changed = [d for d in difflib.ndiff(ref, ours) if d[:1] in "+-"]
    assert 1 <= len(changed) <= 2, f"{name}: expected one changed line, got {changed}"
    assert "# BUG:" in inspect.getsource(getattr(cls, cls.method))


def test_every_bug_has_its_explanation():
    assert len(bugs.BUGS) >= 8
    for cls in bugs.ZOO:
        assert cls.title and cls.section.strip() and len(cls.explanation) > 200, cls.name
        assert "§" in cls.section or "Figure" in cls.section
