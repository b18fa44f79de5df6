"""Chaos runs with clients (raft/fuzz/clients.py): servers crash and restart, the network
splits, heals, loses, duplicates and reorders, while clients read and write; every history under
log reads, ReadIndex, follower reads and leases (true clocks) passes the linearizability checker,
no acknowledged write is lost, and Figure 3's properties hold after every step.

``RAFT_CLIENT_CHAOS_SEEDS`` sets how many seeds each read mode runs (default 60: about 15 s on
one core for the four modes); set it higher for a longer search.
"""

import os

import pytest

from raft.fuzz.clients import SAFE_READS, chaos_run

SEEDS = int(os.environ.get("RAFT_CLIENT_CHAOS_SEEDS", "60"))


@pytest.mark.parametrize("reads", SAFE_READS)
def test_every_chaos_history_is_linearizable_and_keeps_every_acknowledged_write(reads):
    runs = [chaos_run(seed, reads) for seed in range(SEEDS)]
    bad = [run.summary() for run in runs if not run.ok]
    assert not bad, "\n".join(bad)
    # The runs exercise what they claim to: retries, applied-once retries and given-up
    # operations happen, and most operations return.
    ops = [op for run in runs for op in run.cluster.clients.operations()]
    assert len(ops) > 20 * SEEDS
    assert sum(op.attempts > 1 for op in ops) > SEEDS
    assert sum(op.ret is not None for op in ops) > 0.8 * len(ops)
    twice = 0
    for run in runs:
        leader = run.cluster.nodes[run.cluster.leader()]
        seen = [(e.client_id, e.seq) for e in leader.log.entries if e.client_id is not None]
        twice += len(seen) - len(set(seen))
    assert twice > 0, "no retry was ever appended twice: de-duplication went untested"


def test_stale_reads_fail_the_checker_in_chaos_too():
    """The unsafe mode is caught by the same judge: over the same seeds, some histories with
    stale reads are not linearizable (and the failures name a get)."""
    failing = [run for run in (chaos_run(seed, "stale") for seed in range(min(SEEDS, 30)))
               if not run.verdict.ok]
    assert failing
    assert all(run.verdict.blocked.f == "get" or any(op.f == "get" for op in
                                                     run.verdict.minimal)
               for run in failing)


def test_a_chaos_run_replays_from_its_scenario_text():
    from raft import scenario
    run = chaos_run(3, "read_index", duration=600)
    again = scenario.run(run.cluster.scenario_text())
    assert again.client_history() == run.history
