"""Story tests: the scenario files in tests/scenarios/, run with the safety checker on.

Each file tells one story from the paper with ``expect`` lines that must hold (see
``raft/script/scenario.py``). A file whose first line is ``# raises: ErrorName: text`` must stop with
that error (the unsafe membership switch must be caught by the checker).
"""

import pathlib
import re

import pytest

from raft import errors, scenario

SCENARIOS = sorted((pathlib.Path(__file__).parent / "scenarios").glob("*.txt"))
_RAISES = re.compile(r"^#\s*raises:\s*(\w+):\s*(.+?)\s*$")


def test_there_are_scenarios():
    """The story files are where the parametrized test below expects them."""
    assert {p.stem for p in SCENARIOS} >= {
        "reelection", "no_commit_without_majority", "stale_leader_rejoins", "backup_50_simple",
        "backup_50_fast", "crash_all_restart", "joint_add2_remove2", "unsafe_switch_two_leaders"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario(path):
    """Run one story: every ``expect`` line holds, and the five properties of Figure 3 hold
    after every step (unless the file says which error it must end with)."""
    text = path.read_text()
    assert re.search(r"^expect ", text, re.M) or _RAISES.match(text), "a story must check"
    first = text.splitlines()[0]
    match = _RAISES.match(first)
    if match is None:
        cluster = scenario.run(text)
        assert cluster.checker is not None and cluster.checker.checks == cluster.steps
        return
    error_class = getattr(errors, match.group(1))
    with pytest.raises(error_class) as caught:
        scenario.run(text)
    assert match.group(2) in str(caught.value)


def test_unsafe_switch_violates_election_safety_only_when_unsafe():
    """§6, Figure 10: the same story with joint consensus instead of the unsafe switch keeps
    one leader per term (S4 is only a learner, cannot campaign, and C_old still rules)."""
    text = (pathlib.Path(__file__).parent / "scenarios" / "unsafe_switch_two_leaders.txt").read_text()
    with pytest.raises(errors.InvariantViolation) as caught:
        scenario.run(text)
    assert caught.value.prop == "Election Safety" and caught.value.seed == 17
    safe = text.split("members 1 2 3 4 5 unsafe")[0] + "members 1 2 3 4 5\n" \
        "partition 1 2 | 3 4 5\nrun 44ms\ncrash 3\nrestart 3\n" \
        "expect error ConfigurationError: timeout 4\ntimeout 1\nrun 1000ms\nexpect leader 1\n"
    cluster = scenario.run(safe)
    leaders = {(r.data["term"], r.node) for r in cluster.trace
               if r.kind == "role" and r.data["new"] == "leader"}
    assert len({term for term, _ in leaders}) == len(leaders)


def test_back_off_over_50_entries_fast_is_much_quicker():
    """§5.3: backing up over 50 divergent entries on three followers takes about 50 rejections
    per follower with the simple back-off, one per conflicting term with the faster one."""
    runs = {}
    for mode in ("simple", "fast"):
        path = pathlib.Path(__file__).parent / "scenarios" / f"backup_50_{mode}.txt"
        cluster = scenario.run(path.read_text())
        rejections = sum(1 for r in cluster.trace if r.kind == "reject" and r.node in (2, 3, 4))
        runs[mode] = (rejections, cluster.now)
    assert runs["simple"][0] >= 3 * 50
    assert runs["fast"][0] == 3
    assert runs["fast"][1] < runs["simple"][1]
