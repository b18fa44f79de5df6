"""What the randomized fault-schedule tests share: the liveness check once the faults stop, and
the failure message that replays a seed. Import the functions into a test module."""

from __future__ import annotations

from raft.errors import LeadershipTransferInProgress, NotLeader

FINAL = "final=1"


def heal_and_check_liveness(cluster, attempts=20):
    """Liveness (§5.2, §5.3, §7): with the network healed, every server up and the network
    reliable again, a leader is elected and a new command reaches the state machines of a
    majority of its voters, applied from the log or received in a snapshot. The client retries
    with the same id and number while leadership moves, so the command is applied once."""
    cluster.heal()
    for i in sorted(cluster.crashed):
        cluster.restart(i)
    cluster.set_network(drop=0, duplicate=0, reorder=0)
    for _ in range(attempts):
        assert cluster.run_until(lambda c: c.leader() is not None, 5000), "no leader elected"
        try:
            cluster.submit(FINAL, client_id="liveness", seq=1)
        except (NotLeader, LeadershipTransferInProgress):
            cluster.run(50)
            continue
        if cluster.run_until(_reached_a_majority, 1000):
            return
    raise AssertionError("no command committed after the network healed")


def _reached_a_majority(cluster):
    leader = cluster.leader()
    if leader is None:
        return False
    voters = cluster.config(leader).voters
    return sum(cluster.state_machine(i).get("final") == "1" for i in voters) * 2 > len(voters)


def replay_failure(label, error, cluster):
    """The AssertionError a failed seed raises: what failed, and the scenario text that
    replays the run (``raft.scenario.run(text)``)."""
    text = cluster.scenario_text() if cluster is not None else "(cluster not built)"
    return AssertionError(f"{label} failed: {error}\n--- replay with raft.scenario.run(text):\n"
                          f"{text}")
