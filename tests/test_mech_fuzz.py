"""Random fault schedules with the switches beyond Figure 2 on, the five properties of Figure 3
checked after every step, and liveness once the faults end.

Each schedule runs a cluster built with one of :data:`OPTION_SETS` (the hook: add a dict of
``Cluster`` options here, such as another mechanism's switch alone and paired with these, and
the schedules cover it too). A schedule draws from ``random.Random(seed)``: loss, duplication and
reordering, then actions among crashes and restarts, partitions and single cut links (partial
partitions), heals, client commands, ordinary early elections (``timeout``), leadership
transfers, single-server membership changes (voters and non-voters, promotions, removals, the
leader included) and joint-consensus changes, with runs between them. The cluster runs with
``check_invariants=True``: a violation raises at the step it happens. At the end the network
heals, every server restarts, and a command must commit.

``RAFT_FUZZ_SCHEDULES`` (default 500, 2000 with RAFT_SLOW=1, as for
tests/test_fuzz_schedules.py) sets the search: these tests run half of it, split evenly over the option sets and over a few test cases for
pytest-xdist. On failure the message gives the options, the seed and the scenario text that
replays the run (``raft.scenario.run(text)``).
"""

from __future__ import annotations

import os
import random

import pytest

from raft import Cluster, scenario
from raft.errors import (ConfigurationError, InvariantViolation, LeadershipTransferInProgress,
                         MembershipChangeInProgress, NodeCrashed, NotLeader)

from budget import scaled
from fuzz_helpers import heal_and_check_liveness, replay_failure

#: The switches the schedules run with. Keep each mechanism alone, and pair it with the others.
OPTION_SETS = [
    {"pre_vote": True},
    {"check_quorum": True},
    {"pre_vote": True, "check_quorum": True},
    {"pre_vote": True, "disruption_guard": False},
]

SCHEDULES = max(len(OPTION_SETS), int(os.environ.get("RAFT_FUZZ_SCHEDULES",
                                                        scaled(500, 2000))) // 2)
CHUNKS = 4
REFUSED = (NotLeader, MembershipChangeInProgress, ConfigurationError,
           LeadershipTransferInProgress, NodeCrashed)


def schedule(seed, options, actions=40):
    """Build and drive one randomized cluster; returns it (raises on any violation)."""
    r = random.Random(f"mech-{seed}")
    cluster = Cluster(size=r.choice([3, 5]), seed=seed, check_invariants=True,
                      drop=r.choice([0, 0.1, 0.2]), duplicate=r.choice([0, 0.1, 0.3]),
                      reorder=r.choice([0, 0.1, 0.3]), fast_backoff=r.random() < 0.5, **options)
    for _ in range(actions):
        a = r.random()
        ids = cluster.ids
        up = [i for i in ids if cluster.is_up(i)]
        try:
            if a < 0.07:
                if len(up) > 1:
                    cluster.crash(r.choice(up))
            elif a < 0.14:
                if cluster.crashed:
                    cluster.restart(r.choice(sorted(cluster.crashed)))
            elif a < 0.19:
                shuffled = ids[:]
                r.shuffle(shuffled)
                k = r.randint(1, len(shuffled) - 1)
                cluster.partition(shuffled[:k], shuffled[k:])
            elif a < 0.24:
                x, y = r.sample(ids, 2)
                cluster.cut_link(x, y)
            elif a < 0.29:
                cluster.heal()
            elif a < 0.33:
                cluster.timeout(r.choice(up))
            elif a < 0.37:
                cluster.transfer_leadership(r.choice(ids))
            elif a < 0.41:
                cluster.add_server(r.randint(1, 7), voter=r.random() < 0.5)
            elif a < 0.44:
                cluster.promote(r.randint(1, 7))
            elif a < 0.48:
                cluster.remove_server(r.randint(1, 7))
            elif a < 0.50:
                cluster.change_membership(sorted(r.sample(range(1, 8), r.randint(3, 5))))
            elif a < 0.72:
                cluster.submit(f"k{r.randint(0, 3)}={r.randint(0, 99)}")
            else:
                cluster.run(r.uniform(10, 400))
        except REFUSED:
            pass   # the schedule asked for something the cluster refuses; carry on
    return cluster


def run_seed(seed, options):
    cluster = None
    try:
        cluster = schedule(seed, options)
        heal_and_check_liveness(cluster, attempts=30)
    except (InvariantViolation, AssertionError) as error:
        raise replay_failure(f"options {options}, seed {seed}", error, cluster) from error
    return cluster


def _seeds(chunk):
    per_set = -(-SCHEDULES // len(OPTION_SETS))
    for k, options in enumerate(OPTION_SETS):
        first = k * 100_000
        seeds = range(first, first + per_set)
        yield options, [s for n, s in enumerate(seeds) if n % CHUNKS == chunk]


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_random_schedules_with_the_switches_on_are_safe_and_live(chunk):
    """Figure 3's five properties hold after every step, and the cluster recovers once the
    faults stop, for every option set of OPTION_SETS (seeds k*100000 + n for set k)."""
    steps = 0
    for options, seeds in _seeds(chunk):
        for seed in seeds:
            cluster = run_seed(seed, options)
            assert cluster.checker.checks == cluster.steps
            steps += cluster.steps
    assert steps > 0


def test_the_schedules_reach_every_mechanism():
    """Not vacuous: over a few seeds per option set the schedules poll, step down for lack of a
    quorum, transfer leadership (and give transfers up), and change the membership one server
    at a time, including non-voters and promotions."""
    rules = set()
    for options in OPTION_SETS:
        for seed in range(12):
            cluster = run_seed(seed, options)
            rules |= {r.rule for r in cluster.trace}
    assert {"pv-start", "pv-grant", "pv-win", "cq-step-down", "tr-start", "tr-timeout-now",
            "candidate-transfer", "ss-change", "rv-ignore"} <= rules
    kinds = set()
    for seed in range(12):
        cluster = run_seed(seed, OPTION_SETS[0])
        kinds |= {r.kind for r in cluster.trace}
    assert {"cut", "pre-vote", "transfer", "membership"} <= kinds


def test_a_failing_schedule_prints_a_replayable_scenario():
    """The scenario text of a schedule replays the same run, switches included."""
    cluster = schedule(5, OPTION_SETS[2], actions=25)
    replayed = scenario.run(cluster.scenario_text())
    assert [r.sentence for r in replayed.trace] == [r.sentence for r in cluster.trace]
