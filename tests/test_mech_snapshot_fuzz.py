"""Randomized fault schedules with log compaction on, the five properties of Figure 3 checked
after every step (snapshots included, see raft/invariants.py), then liveness once faults stop.

Each schedule comes from ``random.Random(seed)``: 0-30% loss, duplication and reordering, then
actions (crash, restart, partition, heal, membership change, client commands and retries of
them, compaction by hand, running a while) on a cluster with ``snapshot_threshold`` small enough
that servers compact often and lagging or restarted servers are caught up with InstallSnapshot.

``OPTION_SETS`` are the Cluster options the schedules cycle through: log compaction alone and
paired with each of ``OTHER_SWITCHES``, the other mechanisms beyond Figure 2 (the hook for
issue 16's pairwise runs: add the other switches' option dicts there as they land).

The last test runs schedules of ``raft.fuzz.generate`` (a profile with ``snapshot_threshold``
and ``compact``) through ``raft.fuzz.run.run_schedule``, the grader's judge: the five
properties, the grader's rules, liveness, stuck timers and crashes.

The normal run covers ``RAFT_FUZZ_SNAPSHOT_SCHEDULES`` schedules (default 300, seeds 0-299;
1200 with RAFT_SLOW=1, tests/budget.py); set it higher (e.g. 20000) for a long search. A failure prints the seed, the options
and the scenario text that replays it (``raft.scenario.run(text)``).
"""

import os
import random

import pytest

from raft import (Cluster, ConfigurationError, InvariantViolation, MembershipChangeInProgress,
                  NodeCrashed, NotLeader, scenario)
from raft.fuzz.generate import DEFAULT_PROFILE, generate
from raft.fuzz.run import run_schedule
from raft.node import Node

from budget import scaled
from fuzz_helpers import heal_and_check_liveness, replay_failure

SCHEDULES = int(os.environ.get("RAFT_FUZZ_SNAPSHOT_SCHEDULES", scaled(300, 1200)))
CHUNKS = 4
PER_CHUNK = -(-SCHEDULES // CHUNKS)

#: Log compaction's own settings: compact very often, and now and then.
SNAPSHOT_OPTIONS = [dict(snapshot_threshold=3), dict(snapshot_threshold=10)]
#: The other switches to pair compaction with (each a dict of Cluster options).
OTHER_SWITCHES = [dict(fast_backoff=True), dict(max_entries_per_message=4)]
OPTION_SETS = SNAPSHOT_OPTIONS + [dict(s, **o) for s in SNAPSHOT_OPTIONS for o in OTHER_SWITCHES]


def options_for(seed):
    return OPTION_SETS[seed % len(OPTION_SETS)]


def build(seed):
    """The cluster of schedule ``seed`` and the generator that drives it."""
    r = random.Random(seed)
    cluster = Cluster(size=r.choice([3, 5]), seed=seed, check_invariants=True,
                      drop=r.choice([0, 0.1, 0.2, 0.3]), duplicate=r.choice([0, 0.1, 0.3]),
                      reorder=r.choice([0, 0.1, 0.3]), **options_for(seed))
    return cluster, r


def schedule(seed, actions=40):
    """Build and drive one randomized cluster with compaction on; returns it (raises on any
    violation of the five properties)."""
    cluster, r = build(seed)
    drive(cluster, r, actions)
    return cluster


def drive(cluster, r, actions):
    sent = []   # (command, client, seq) already submitted, for retries
    for _ in range(actions):
        a = r.random()
        ids = cluster.ids
        try:
            if a < 0.1:
                up = [i for i in ids if cluster.is_up(i)]
                if len(up) > 1:
                    cluster.crash(r.choice(up))
            elif a < 0.2:
                if cluster.crashed:
                    cluster.restart(r.choice(sorted(cluster.crashed)))
            elif a < 0.27:
                shuffled = ids[:]
                r.shuffle(shuffled)
                k = r.randint(1, len(shuffled) - 1)
                cluster.partition(shuffled[:k], shuffled[k:])
            elif a < 0.33:
                cluster.heal()
            elif a < 0.37:
                cluster.change_membership(sorted(r.sample(range(1, 8), r.randint(3, 5))))
            elif a < 0.40:
                cluster.compact(r.choice(ids))
            elif a < 0.45 and sent:
                command, client, seq = r.choice(sent)     # a client retries (§8)
                cluster.submit(command, client_id=client, seq=seq)
            elif a < 0.7:
                command, client = f"k{r.randint(0, 3)}={r.randint(0, 99)}", f"c{r.randint(1, 2)}"
                seq = len(sent) + 1
                cluster.submit(command, client_id=client, seq=seq)
                sent.append((command, client, seq))
            else:
                cluster.run(r.uniform(10, 400))
        except (NotLeader, MembershipChangeInProgress, ConfigurationError, NodeCrashed):
            pass   # the schedule asked for something the cluster refuses; carry on


def run_seed(seed):
    cluster, r = build(seed)
    try:
        drive(cluster, r, 40)
        heal_and_check_liveness(cluster)
    except (InvariantViolation, AssertionError) as error:
        raise replay_failure(f"seed {seed} ({options_for(seed)})", error, cluster) from error
    return cluster


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_random_fault_schedules_with_snapshots_are_safe_and_live(chunk):
    """Figure 3's five properties hold after every step of randomized fault schedules with log
    compaction on (alone and with the other switches), and the cluster recovers once the faults
    stop. Seeds chunk*PER_CHUNK ... are reproducible."""
    steps = 0
    for seed in range(chunk * PER_CHUNK, min((chunk + 1) * PER_CHUNK, SCHEDULES)):
        cluster = run_seed(seed)
        assert cluster.checker.checks == cluster.steps
        steps += cluster.steps
    assert steps > 0


def test_schedules_exercise_every_snapshot_path():
    """The schedules are not vacuous: over 40 seeds, servers take snapshots, leaders send them,
    followers install them by every receiver rule (stale, old, keeping their log's tail,
    discarding their log), reset their state machines, restart from snapshots, and retried
    commands are sent."""
    rules, restarts = {}, 0
    for seed in range(40):
        cluster = run_seed(seed)
        for record in cluster.trace:
            rules[record.rule] = rules.get(record.rule, 0) + 1
            restarts += record.kind == "restart" and "snapshot" in record.data
    for rule in ("snap-take", "snap-send", "snap-matched", "is-stale", "is-old", "is-retain",
                 "is-discard", "is-restore"):
        assert rules.get(rule, 0) > 0, f"no {rule} in 40 schedules: {sorted(rules)}"
    assert rules["snap-take"] > 100 and restarts > 5


def test_failing_seed_prints_a_replayable_scenario():
    """A schedule's scenario text (with snapshot_threshold and 'compact N') replays the same run."""
    cluster = schedule(5, actions=25)
    replayed = scenario.run(cluster.scenario_text())
    assert [r.sentence for r in replayed.trace] == [r.sentence for r in cluster.trace]
    assert "snapshot_threshold=" in cluster.scenario_text()


# -- the same, through the fuzz package (the grader's judge: safety, its rules, liveness) ----------

#: A profile of raft.fuzz.generate with compaction on (thresholds drawn per seed) and compaction
#: by hand among the actions, on top of the default faults and membership changes.
PROFILE = dict(DEFAULT_PROFILE, snapshot_threshold=(3, 8, 20),
               weights=dict(DEFAULT_PROFILE["weights"], compact=1, members=1))
PACKAGE_SCHEDULES = max(1, SCHEDULES // 8)


def test_generated_schedules_with_snapshots_find_nothing():
    """raft.fuzz's generated schedules (``snapshot_threshold`` and ``compact`` in the profile)
    on the reference node: no safety violation, no broken rule of the grader, no stall, no
    crash, and the schedules really send snapshots."""
    installs = 0
    for seed in range(PACKAGE_SCHEDULES):
        schedule = generate(seed, PROFILE)
        assert schedule.setup.snapshot_threshold in (3, 8, 20)
        found, cluster = run_schedule(Node, schedule, trace=True)
        assert found is None, f"seed {seed}: {found.headline()}\n{schedule.scenario()}"
        installs += sum(1 for r in cluster.trace if r.kind == "install")
    assert installs > 0
