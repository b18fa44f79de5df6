"""Determinism: one seed, one run. The animations scrub through history by replaying it, and a
failing randomized test is reproduced from its seed, so both depend on this."""

from raft import Cluster, scenario
from raft.sim.snapshot import snapshot


def busy_run(seed):
    """A run that touches every kind of event: elections, loss, duplication, reordering,
    a crash and restart, a partition, client commands and a membership change."""
    cluster = Cluster(size=5, seed=seed, drop=0.1, duplicate=0.1, reorder=0.1)
    cluster.run_until(lambda c: c.leader() is not None, 3000)
    for k in range(5):
        cluster.submit(f"k{k}={k}")
        cluster.run(30)
    cluster.crash(cluster.leader())
    cluster.run_until(lambda c: c.leader() is not None, 3000)
    cluster.partition([1, 2], [3, 4, 5])
    cluster.run(500)
    cluster.heal()
    for i in sorted(cluster.crashed):
        cluster.restart(i)
    cluster.run_until(lambda c: c.leader() is not None, 3000)
    cluster.change_membership([1, 2, 3, 4, 5, 6])
    cluster.run(800)
    return cluster


def trace_of(cluster):
    return [(r.step, r.time, r.kind, r.node, r.rule, r.sentence) for r in cluster.trace]


def test_same_seed_same_trace():
    """Same seed and same calls: identical trace, sentence for sentence and time for time."""
    first, second = busy_run(21), busy_run(21)
    assert len(first.trace) > 500
    assert trace_of(first) == trace_of(second)
    assert first.stats == second.stats and first.steps == second.steps
    assert trace_of(busy_run(22)) != trace_of(first)   # and the seed matters


def test_replay_reproduces_the_snapshot_at_every_step():
    """``replay(step)`` rebuilds the cluster as it was after that step: its snapshot equals
    the one taken at that step of the original run."""
    cluster = Cluster(size=5, seed=23, drop=0.1)
    taken = {}
    checkpoints = {5, 40, 90, 150}
    cluster.run_until(lambda c: c.leader() is not None, 3000)
    for k in range(4):
        cluster.submit(f"k={k}")
        while cluster.steps < 40 * (k + 1):
            if cluster.steps in checkpoints:
                taken[cluster.steps] = snapshot(cluster)
            cluster.step()
    cluster.crash(1)
    cluster.run(300)
    assert cluster.steps > 160
    for step in sorted(taken):
        assert snapshot(cluster.replay(step)) == taken[step], step
    assert snapshot(cluster.replay()) == snapshot(cluster)


def test_history_yields_the_same_snapshots_as_replay():
    """``history(start, end)`` walks the same states ``replay`` rebuilds."""
    cluster = busy_run(24)
    frames = list(cluster.history(100, 110))
    assert [f.step for f in frames] == list(range(100, 111))
    assert frames[5] == snapshot(cluster.replay(105))


def test_scenario_text_round_trips_to_the_same_trace():
    """``scenario_text()`` writes the calls made on a cluster; running that text rebuilds the
    same run, so the trace (and the text itself) come out identical."""
    cluster = busy_run(25)
    text = cluster.scenario_text()
    again = scenario.run(text, check_invariants=False)
    assert trace_of(again) == trace_of(cluster)
    assert again.scenario_text() == text


def test_a_replayed_cluster_keeps_numbering_client_commands():
    """§8: the state machine drops a command whose (client id, sequence number) it has already
    applied. A replayed cluster must go on numbering automatic client commands where the
    original left off, or its next command would be silently dropped as a retry."""
    original = Cluster(size=3, seed=1)
    original.elect(1)
    original.submit("x=1")
    original.run(100)

    twin = original.replay(original.steps)
    twin.submit("x=2")
    twin.run(200)

    assert twin.applied(1) == ["x=1", "x=2"]
    assert twin.state_machine(1) == {"x": "2"}
