"""Golden runs: the simulator's speed work must not change what any seeded run does.

The chapters and tests quote exact numbers from seeded runs, so an optimisation of the
simulator (``raft/cluster.py``), the trace, the snapshots or the invariant checker has to leave
every run byte-identical: the same random draws in the same order, the same events at the same
times, the same trace records and sentences, the same final state and the same violations.

Each scenario below is hashed: every trace record (``as_dict()``, which includes the sentence,
plus the raw message objects), every server's final state and disk, the messages in flight,
the random generator's state, and the checker's verdicts. The hashes were recorded before the
speed work (commit 3afdebf) and checked unchanged after it.

A DELIBERATE change of behaviour (a fix in ``raft/node.py``, a new trace record, a different
random draw) changes these hashes: check that the change is intended, then record the new ones
with ``python tests/test_core_perf_equivalence.py`` and paste them into GOLDEN.
"""

from __future__ import annotations

import hashlib

import pytest

from raft import Cluster, NotLeader
from raft.bugs import BUGS
from raft.invariants import SafetyChecker
from raft.snapshot import snapshot


def _load(cluster, count, every):
    for k in range(count):
        try:
            cluster.submit(f"k{k % 7}={k}")
        except NotLeader:
            pass
        cluster.run(every)


def faults():
    """Loss, duplication, reordering, a crashed leader, a partition, fast back-off."""
    c = Cluster(size=5, seed=11, drop=0.1, duplicate=0.1, reorder=0.2, fast_backoff=True,
                check_invariants=True)
    c.run_until(lambda c: c.leader() is not None, 5000)
    _load(c, 40, 6)
    c.crash(c.leader())
    _load(c, 20, 9)
    c.partition([1, 2], [3, 4, 5])
    _load(c, 20, 9)
    c.heal()
    for i in sorted(c.crashed):
        c.restart(i)
    c.set_network(drop=0, duplicate=0, reorder=0, latency=(5, 40))
    _load(c, 20, 9)
    c.run(500)
    return c


def membership():
    """Joint consensus growing and shrinking the cluster, then an unsafe switch."""
    c = Cluster(size=5, seed=13, check_invariants=True)
    c.run_until(lambda c: c.leader() is not None, 5000)
    _load(c, 10, 5)
    c.change_membership([1, 2, 3, 4, 5, 6, 7])
    c.run(1200)
    c.change_membership([2, 3, 4])
    c.run(1200)
    _load(c, 5, 5)
    c.change_membership([2, 3, 4, 5], unsafe=True)
    c.run(800)
    return c


def given_logs():
    """Servers started from given logs (as in Figure 7), a forced election, steady load."""
    logs = {1: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6], 2: [1, 1, 1, 4], 3: [1, 1, 1, 4, 4, 5, 5, 6, 6],
            4: [(1, "a=1"), (1, "b=2"), 1, 4, 4, 5, 5, 6, 7, 7, 7], 5: [1, 1, 1, 2, 2, 2]}
    c = Cluster(size=5, seed=15, logs=logs, terms={2: 8}, votes={3: 1})
    c.run_until(lambda c: c.leader() is not None, 5000)
    _load(c, 20, 7)
    c.disconnect(c.leader())
    c.run(600)
    c.heal()
    c.run(300)
    return c


def broken_log_matching():
    """A bug from the zoo with the checker collecting (not raising): every violation counts."""
    from raft import grade
    cls = BUGS["prev-log-off-by-one"]
    schedule = grade.generate(10, cls.profile)
    c = Cluster(size=schedule.size, seed=schedule.seed,
                election_timeout=schedule.election_timeout, node_class=cls)
    c.checker = SafetyChecker(c, raise_on_violation=False)
    for action in schedule.actions:
        grade._do(c, action)
    assert any(v.prop == "Log Matching" for v in c.checker.violations)
    return c


def _state_lines(c):
    lines = []
    for r in c.trace:
        lines.append(repr(r.as_dict()))
        lines.append(repr((r.step, r.time, r.kind, r.node, r.rule, r.data)))
    lines.append(repr((c.now, c.steps, c.delivered, sorted(c.stats.items()))))
    lines.append(repr(c.rng.getstate()))
    lines.append(repr(c.in_flight()))
    for i, n in sorted(c.nodes.items()):
        lines.append(repr((i, n.role, n.current_term, n.voted_for, list(n.log), n.commit_index,
                           n.last_applied, sorted(n.next_index.items()),
                           sorted(n.match_index.items()), n.leader_id, n.config,
                           n.election_deadline, n.heartbeat_due, i in c.crashed)))
        disk = c.disks[i]
        lines.append(repr((disk.current_term, disk.voted_for, disk.log)))
        lines.append(repr(c.applied(i)))
    if c.checker is not None:
        lines.append(repr(c.checker.checks))
        lines.extend(f"{v.prop} | {v.details} | {v.step}" for v in c.checker.violations)
    lines.append(repr(snapshot(c)))
    return lines


def fingerprint(c):
    return hashlib.sha256("\n".join(_state_lines(c)).encode()).hexdigest()


SCENARIOS = {"faults": faults, "membership": membership, "given_logs": given_logs,
             "broken_log_matching": broken_log_matching}

# Recorded before the speed work; see the module docstring before changing one.
GOLDEN = {
    "faults": "14e2506f1720986e4a8d0a0fe690f70d370667c62ee58afdfca59657d7f1064f",
    "membership": "800601c96a744d250f47d540138097d5a8262c3957fe61ee43e70bea7fcb6781",
    "given_logs": "dd0b6f0617a10dfecf3ac809d41252677f0175acb3bd753dfd085ca1f9a29f0b",
    "broken_log_matching": "3f324b0b01361aae91659c8827304e58573f697e7ff174cb1e02670721ed9b2b",
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_seeded_run_is_unchanged(name):
    cluster = SCENARIOS[name]()
    assert len(cluster.trace) > 100
    assert fingerprint(cluster) == GOLDEN[name], (
        f"the seeded run {name!r} changed; if the change of behaviour is deliberate, record "
        "the new hash (see this module's docstring)")


if __name__ == "__main__":
    for name in sorted(SCENARIOS):
        print(f'    "{name}": "{fingerprint(SCENARIOS[name]())}",')
