"""Bad input gets a RaftError that names the bad value, at once: never a silent wrong answer, a
raw TypeError from deep inside, or a hang. The checks live in one module (raft/checks.py) that
the node, the cluster, the scenario language and the grader share.

Each row of the table is a call a reader or a student really made (issue 11), the error class
it must raise and words its message must hold. Before these checks, ``crash(1.0)`` was accepted,
``crash(True)`` said "STrue is crashed", ``run("100")`` and ``run_until(True)`` were raw
TypeErrors, ``run(float("nan"))`` ran forever, ``partition(1, 2)`` silently cut S3 off and
``run_until(p, timeout=-1)`` quietly returned False.
"""

from __future__ import annotations

import html
import math
import threading

import pytest

from raft import Cluster, ConfigurationError, MembershipChangeInProgress, RaftError, UnknownNode
from raft import bugs, grade
from raft.sim import kv
from raft.errors import CommandError, ScenarioError
from raft.node import Configuration, Node


def led(size=3):
    return Cluster(size=size, seed=1).elect(1)


def second_change():
    c = led()
    c.change_membership([1, 2, 3, 4])
    c.change_membership([1, 2])


def node_with(**kwargs):
    import random
    Node(1, Configuration(frozenset({1, 2, 3})), rng=random.Random(0), **kwargs)


never = lambda c: False  # noqa: E731

CASES = [
    # (what was called, the call, the error, words of the message)
    ("crash(1.0)", lambda: led().crash(1.0), UnknownNode, "got 1.0"),
    ("crash(True)", lambda: led().crash(True), UnknownNode, "got True"),
    ("restart('2')", lambda: led().restart("2"), UnknownNode, "got '2'"),
    ("submit to node=2.0", lambda: led().submit("x=1", node=2.0), UnknownNode, "got 2.0"),
    ("node(0)", lambda: led().node(0), UnknownNode, "there is no server 0"),
    ('run("100")', lambda: led().run("100"), ConfigurationError, "got '100'"),
    ("run(nan)", lambda: led().run(math.nan), ConfigurationError, "got nan"),
    ("run(inf)", lambda: led().run(math.inf), ConfigurationError, "got inf"),
    ("run(-5)", lambda: led().run(-5), ConfigurationError, "got -5"),
    ("run(True)", lambda: led().run(True), ConfigurationError, "got True"),
    ("run_to(nan)", lambda: led().run_to(math.nan), ConfigurationError, "got nan"),
    ("run_until(True)", lambda: led().run_until(True), ConfigurationError,
     "needs a function of the cluster"),
    ("run_until(p, timeout=-1)", lambda: led().run_until(never, timeout=-1),
     ConfigurationError, "timeout must be a finite number of milliseconds, 0 or more, got -1"),
    ("run_until(p, timeout=nan)", lambda: led().run_until(never, timeout=math.nan),
     ConfigurationError, "got nan"),
    ("elect(2, timeout='soon')", lambda: led().elect(2, timeout="soon"), ConfigurationError,
     "got 'soon'"),
    ("Cluster(election_timeout=(-1, 5))", lambda: Cluster(election_timeout=(-1, 5)),
     ConfigurationError, "election_timeout must be positive, got (-1, 5)"),
    ("Cluster(election_timeout=(150, nan))", lambda: Cluster(election_timeout=(150, math.nan)),
     ConfigurationError, "finite numbers of milliseconds, got (150, nan)"),
    ("Cluster(heartbeat_interval='50')", lambda: Cluster(heartbeat_interval="50"),
     ConfigurationError, "heartbeat_interval must be a number of milliseconds, got '50'"),
    ("Cluster(size=True)", lambda: Cluster(size=True), ConfigurationError,
     "size must be a positive integer, got True"),
    ("Node(election_timeout=(300, 150))", lambda: node_with(election_timeout=(300, 150)),
     ConfigurationError, "low <= high, got (300, 150)"),
    ("Node(heartbeat_interval=200)", lambda: node_with(heartbeat_interval=200),
     ConfigurationError, "heartbeat interval (200 ms) must be positive and below"),
    ("partition(1, 2) with three servers", lambda: led().partition(1, 2), ConfigurationError,
     "leaves out S3"),
    ("partition([1, 2], [True])", lambda: led().partition([1, 2], [True]), UnknownNode,
     "got True"),
    ("a second membership change", second_change, MembershipChangeInProgress,
     "cannot start the change to {1,2}: a membership change is already in progress (the "
     "change to {1,2,3,4} is catching up S4)"),
    ("submit('garbage')", lambda: led().submit("garbage"), CommandError,
     "cannot parse command 'garbage'"),
    ("kv.parse_command(3)", lambda: kv.parse_command(3), CommandError, "got 3"),
    ("grade.check(Node, lab=9)", lambda: grade.check(Node, 9, quiet=True), ConfigurationError,
     "there is no lab 9; the labs are 1, 2, 3, 4, 5"),
    ("bugs.hunt('nosuchbug')", lambda: bugs.hunt("nosuchbug"), ConfigurationError,
     "no bug named 'nosuchbug' in the zoo"),
    ("grade.parse_schedule(... run nan)", lambda: grade.parse_schedule("size=3 seed=1\nrun nan"),
     ScenarioError, "line 2: expected a time such as 300ms, got 'nan'"),
]


def _within(seconds, call):
    """Run ``call`` in a thread; fail (instead of hanging the suite) if it has not returned or
    raised within ``seconds``. Returns the exception it raised, or None."""
    outcome = {}

    def target():
        try:
            call()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            outcome["error"] = e
        outcome["done"] = True

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome.get("done"), f"still running after {seconds} s: a hang, not a clear error"
    return outcome.get("error")


@pytest.mark.parametrize("what, call, error, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_raft_error(what, call, error, words):
    raised = _within(30, call)
    assert raised is not None, f"{what} was accepted"
    assert isinstance(raised, error) and isinstance(raised, RaftError), \
        f"{what}: {type(raised).__name__}: {raised}"
    assert words in str(raised), f"{what}: {raised}"


def test_command_error_is_still_a_value_error():
    """Code written as ``except ValueError`` around a submit keeps working."""
    with pytest.raises(ValueError, match="cannot parse command 'del'"):
        kv.parse_command("del")


def test_partition_docstring_decision_every_server_in_a_group():
    """Listing every server is how a partition is written; one alone is isolated."""
    c = led()
    c.partition([1], [2], [3])
    assert c.partition_groups == [[1], [2], [3]]
    c.partition(1, [2, 3])
    assert c.partition_groups == [[1], [2, 3]]


class ForgetsTimerRestart(Node):
    """A candidate that forgets to restart its election timer when it starts an election."""

    def start_election(self, now, rule, leadership_transfer=False):
        deadline = self.election_deadline
        Node.start_election(self, now, rule, leadership_transfer)
        self.election_deadline = deadline  # wrong: the timer stays where it fired


def test_a_timer_stuck_at_one_instant_is_a_clear_error():
    """The timer of such a node is due again at the very instant it fired, so the simulator
    would spin there forever (a run never reaches its end time). It stops with StuckTimer,
    which names the server, the timer, the instant and what to do."""
    from raft.sim.cluster import TIMER_FIRINGS_PER_INSTANT
    from raft.errors import StuckTimer
    cluster = Cluster(size=3, seed=1, node_class=ForgetsTimerRestart)
    raised = _within(30, lambda: cluster.run(1000))
    assert isinstance(raised, StuckTimer), raised
    assert raised.node_id in cluster.ids and raised.timer == "election"
    assert raised.count == TIMER_FIRINGS_PER_INSTANT
    assert (f"S{raised.node_id}'s election timer fired 1,000 times at {raised.time:.1f} ms"
            in str(raised)) and "restart it when you start an election" in str(raised)
    # Replaying up to the first of those firings shows how it began, without raising.
    twin = cluster.replay(raised.first_step)
    assert twin.now == raised.time and twin.nodes[raised.node_id].role == "candidate"


def test_the_explorer_shows_a_command_it_cannot_parse():
    """The explorer shows RaftErrors in its status line; a malformed command used to be a
    ValueError, which escaped (and vanished in the widget's callback)."""
    from raft.viz import explore
    ex = explore(led())
    ex.request.value = "garbage"
    ex.submit_button.click()
    shown = html.unescape(ex.status.value)
    assert "cannot parse command 'garbage': write 'key=value' or 'del key'" in shown, shown
    assert ex.cluster.steps == led().steps   # nothing happened
