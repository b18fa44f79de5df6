"""Bad input gets a specific exception with a message that says what is wrong and where."""

import pytest

from raft import (Cluster, ConfigurationError, ExpectationFailed, MembershipChangeInProgress,
                  NodeCrashed, NotLeader, ScenarioError, UnknownNode, scenario)


@pytest.mark.parametrize("text, line, words", [
    ("cluster size=3\nelect 1\nfrobnicate 2\n", 3, "unknown command 'frobnicate'"),
    ("cluster size=3\nelect 1\nrun soon\n", 3, "expected a time such as 300ms"),
    ("cluster size=3 speed=9\n", 1, "unknown cluster option 'speed'"),
    ("cluster size=3\nelect 1\nlog 1: 1 1\n", 3, "put it before the first action"),
    ("cluster size=3\n\n# comment\npartition 1 2 |\n", 4, "groups of ids between bars"),
    ("cluster size=3\nelect 1\nsubmit nonsense\n", 3, "cannot parse command"),
    ("cluster size=3\nelect one\n", 2, "expected a whole number"),
])
def test_malformed_scenario_names_the_line(text, line, words):
    """raft/script/scenario.py: malformed text raises ScenarioError carrying the line number."""
    with pytest.raises(ScenarioError) as caught:
        scenario.run(text)
    assert caught.value.line_number == line
    assert f"line {line}:" in str(caught.value) and words in str(caught.value)


def test_failed_expectation_names_the_line():
    """An ``expect`` that does not hold raises ExpectationFailed with its line."""
    with pytest.raises(ExpectationFailed, match=r"line 3: leader is S1, expected S2"):
        scenario.run("cluster size=3 seed=1\nelect 1\nexpect leader 2\n")


def test_unknown_node_ids():
    """Every call that names a server checks the id."""
    cluster = Cluster(size=3)
    for call in (lambda: cluster.crash(7), lambda: cluster.node(0), lambda: cluster.applied(4),
                 lambda: cluster.partition([1, 2], [9])):
        with pytest.raises(UnknownNode, match="there is no server"):
            call()
    with pytest.raises(UnknownNode, match="servers are S1, S2, S3"):
        Cluster(size=3, logs={5: [1]})
    with pytest.raises(ScenarioError, match="line 2: UnknownNode: there is no server 6"):
        scenario.run("cluster size=3\ncrash 6\n")


def test_crashed_node_refuses_requests():
    """A crashed server cannot take a command, crash again, or campaign."""
    cluster = Cluster(size=3, seed=1).elect(1)
    cluster.crash(2)
    for call in (lambda: cluster.submit("x=1", node=2), lambda: cluster.crash(2),
                 lambda: cluster.timeout(2)):
        with pytest.raises(NodeCrashed, match="S2 is crashed"):
            call()
    with pytest.raises(ConfigurationError, match="S1 is running"):
        cluster.restart(1)


def test_second_membership_change_is_refused():
    """§6: a second change while one is in flight raises MembershipChangeInProgress."""
    cluster = Cluster(size=3, seed=1).elect(1)
    cluster.change_membership([1, 2, 3, 4])
    with pytest.raises(MembershipChangeInProgress, match=r"only one change at a time is allowed \(§6\)"):
        cluster.change_membership([1, 2])


@pytest.mark.parametrize("kwargs, words", [
    (dict(election_timeout=(150, 300), heartbeat_interval=150), "below the low end"),
    (dict(election_timeout=(100, 300), heartbeat_interval=200), "below the low end"),
    (dict(election_timeout=(300, 150)), "low <= high"),
    (dict(election_timeout=150), "(low, high) pair"),
    (dict(size=0), "positive integer"),
    (dict(drop=1.5), "probability"),
    (dict(latency=(0, 5)), "latency must be positive"),
    (dict(max_entries_per_message=0), "positive integer"),
    (dict(logs={1: ["x"]}), "a log entry is a term"),
    (dict(logs={1: [(1, "x")]}), "cannot parse command 'x'"),
    (dict(logs={1: [(1, ["x=1"])]}), "a command is a string"),
    (dict(logs={1: [3]}, terms={1: 2}), "below the term of its last entry"),
])
def test_bad_parameters(kwargs, words):
    """§5.2, §5.6: nonsensical timing or network parameters raise ConfigurationError."""
    with pytest.raises(ConfigurationError) as caught:
        Cluster(size=kwargs.pop("size", 3), **kwargs)
    assert words in str(caught.value)


def test_no_leader_is_a_clear_not_leader():
    """Submitting before any leader exists says so and how to wait for one."""
    with pytest.raises(NotLeader, match="there is no leader right now"):
        Cluster(size=3).submit("x=1")
