"""The anomaly, shown (issue 17, item 4): the stale-read and drifting-lease stories (and a lease
kept across a leadership transfer) fail the linearizability checker on every seed that reaches
the anomaly, the same stories pass with the
safe read modes, and the client bugs of the zoo are each caught, each one line away from the
reference node."""

import ast
import difflib
import inspect
import textwrap

import pytest

from raft.classroom import bugs, reads
from raft.linearizability import check
from raft.node import Node

SEEDS = range(12)


def verdict(cluster):
    return check(cluster.client_history(), "kv")


@pytest.mark.parametrize("seed", SEEDS)
def test_the_stale_read_story_fails_the_checker_whenever_it_reaches_the_anomaly(seed):
    """Stale reads allowed: the old leader answers x = 1 after put(x, 2) returned. On every
    seed where that happened, the checker rejects the history, naming the read."""
    c = reads.stale_read(seed, reads="stale")
    anomaly = reads.old_value_reads(c)
    v = verdict(c)
    assert v.ok == (not anomaly)
    if anomaly:
        (write, read), = anomaly
        assert read.output == "1" and write.value == "2"
        assert v.blocked.f == "get" and v.blocked.output == "1"


def test_the_stale_read_story_reaches_the_anomaly_on_most_seeds():
    assert sum(bool(reads.old_value_reads(reads.stale_read(s, reads="stale")))
               for s in SEEDS) >= len(SEEDS) - 1


@pytest.mark.parametrize("mode", ["log", "read_index", "lease", "follower"])
def test_the_same_story_is_linearizable_with_safe_reads(mode):
    """With ReadIndex the old leader cannot confirm that it leads: the read waits, the client
    gives that server up and is redirected to the new leader, which answers x = 2."""
    for seed in SEEDS:
        c = reads.stale_read(seed, reads=mode)
        assert verdict(c).ok, (mode, seed)
        *_, get = c.client_history()
        assert get["output"] == "2" and get["ret"] is not None
        if mode in ("read_index", "lease"):
            first = c.clients.operations()[-1].servers[0]
            assert any(r.kind == "read" and r.node == first for r in c.trace)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_lease_breaks_when_clocks_drift_beyond_the_bound(seed):
    """§6.4.1: the old leader's clock slows to a tenth of the true rate as it is cut off; its
    lease, measured on that clock, outlives the election of its successor."""
    c = reads.drifting_lease(seed, rate=0.1)
    anomaly = reads.old_value_reads(c)
    assert anomaly
    assert not verdict(c).ok


@pytest.mark.parametrize("rate", [0.95, 1.0, 1.05])
def test_a_lease_holds_when_drift_stays_within_the_bound(rate):
    """With drift within the assumed bound (1.1), the same story is linearizable."""
    for seed in SEEDS:
        assert verdict(reads.drifting_lease(seed, rate=rate)).ok, (rate, seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_lease_given_up_at_a_transfer_keeps_reads_linearizable(seed):
    """§6.4.1: the leader hands over just after renewing its lease and is cut off as its
    successor takes over. It gave its lease up when the transfer began, so c2's read at the
    old leader waits for a round no one answers, and returns only later, from the new leader.
    Kept across the transfer (the zoo's bug), the same lease answers "1" after put(x, 2)
    returned, and the checker rejects the history on every seed."""
    c = reads.transfer_lease(seed)
    assert verdict(c).ok and not reads.old_value_reads(c)
    assert any(r.kind == "lease" and r.data.get("reason") == "a leadership transfer began"
               for r in c.trace)
    bad = reads.transfer_lease(seed, node_class=bugs.LeaseKeptAcrossTransfer)
    (write, read), = reads.old_value_reads(bad)
    assert read.output == "1" and write.value == "2"
    assert not verdict(bad).ok


# -- the zoo's client bugs ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(bugs.CLIENT_BUGS))
def test_a_client_bug_is_caught_by_the_checker_within_its_bound(name):
    cls = bugs.CLIENT_BUGS[name]
    found = bugs.hunt_client_bug(name)
    assert found is not None, f"{name}: no seed below {cls.bound} was flagged"
    assert not found.verdict.ok and found.seed < cls.bound
    # The reference node passes the same story on every seed the hunt tried.
    for seed in range(found.seed + 1):
        assert verdict(cls.story(seed, Node)).ok, (name, seed)
    # The run replays from its scenario text to the same history (and the same verdict).
    from raft import scenario
    again = scenario.run(found.scenario_text(), node_class=cls)
    assert again.client_history() == found.history


@pytest.mark.parametrize("name", list(bugs.CLIENT_BUGS))
def test_a_client_bug_changes_one_line_of_the_reference(name):
    cls = bugs.CLIENT_BUGS[name]
    assert cls.method in vars(cls)

    def code_lines(func):
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
        body = tree.body[0].body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            tree.body[0].body = body[1:]
        return ast.unparse(tree).splitlines()

    changed = [d for d in difflib.ndiff(code_lines(getattr(Node, cls.method)),
                                        code_lines(getattr(cls, cls.method))) if d[:1] in "+-"]
    assert 1 <= len(changed) <= 2, f"{name}: expected one changed line, got {changed}"
    assert "# BUG:" in inspect.getsource(getattr(cls, cls.method))
    assert cls.title and len(cls.explanation) > 200 and "§6" in cls.section


def test_hunting_an_unknown_client_bug_names_the_known_ones():
    from raft.errors import ConfigurationError
    with pytest.raises(ConfigurationError, match="stale-read"):
        bugs.hunt_client_bug("stale-reed")
