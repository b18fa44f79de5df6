"""raft.book.reachable: hand-typed starting states are checked against what a run of Raft can reach.

Two directions. Soundness: every state the simulator reaches (random faults, seeded) passes the
check, so it never rejects a reachable state. Usefulness: it rejects the unreachable states the
book used to show (chapter 6's conflict demo, chapter 5's who-can-win exercise, Figure 7 with the
wrong current terms), and each kind of inconsistency, with a message naming what is wrong.
"""

import random

import pytest

from raft import Cluster
from raft.book import figure16 as f16
from raft.book import reachable
from raft.book.reachable import UnreachableState
from raft.errors import ConfigurationError, RaftError


def persistent_state(cluster):
    """What each server's disk holds: logs (terms), current terms, votes."""
    disks = cluster.disks
    return ({i: [e.term for e in d.log] for i, d in disks.items()},
            {i: d.current_term for i, d in disks.items()},
            {i: d.voted_for for i, d in disks.items()})


@pytest.mark.parametrize("seed", range(12))
def test_every_state_a_run_reaches_passes(seed):
    """Seeded random runs with crashes, restarts, partitions, forced elections, lost, duplicated
    and reordered messages: the check finds nothing in any state they pass through."""
    rng = random.Random(seed)
    c = Cluster(size=5, seed=seed, drop=0.1, duplicate=0.1, reorder=0.1)
    checked = 0
    for _ in range(60):
        action = rng.choice(["run", "run", "submit", "crash", "restart", "partition", "heal",
                             "timeout"])
        up = [i for i in c.ids if i not in c.crashed]
        if action == "submit" and c.leader() is not None:
            c.submit(f"k{rng.randrange(9)}={rng.randrange(99)}")
        elif action == "crash" and len(up) > 1:
            c.crash(rng.choice(up))
        elif action == "restart" and c.crashed:
            c.restart(rng.choice(sorted(c.crashed)))
        elif action == "partition":
            ids = c.ids[:]
            rng.shuffle(ids)
            cut = rng.randrange(1, len(ids))
            c.partition(ids[:cut], ids[cut:])
        elif action == "heal":
            c.heal()
        elif action == "timeout":
            followers = [i for i in up if c.nodes[i].role != "leader"]
            if followers:
                c.timeout(rng.choice(followers))
        c.run(rng.uniform(5, 120))
        logs, terms, votes = persistent_state(c)
        assert reachable.problems(logs, terms, votes) == [], (seed, c.steps, logs, terms)
        checked += 1
    assert max(t for t in persistent_state(c)[1].values()) >= 2   # elections did happen
    assert checked == 60


def test_chapter6_old_conflict_demo_is_rejected():
    """S3 leading term 3 with log [1] while S1 and S2 held entries of term 2: both stored them
    before they could vote in term 3, so S3 had one vote of the two it needed (§5.4.1)."""
    (problem,) = reachable.problems({1: [1, 2, 2], 2: [1, 2], 3: [1, 3, 3, 3]},
                                    {1: 3, 2: 3, 3: 3})
    assert "no leader of term 3" in problem and "S1 already held index 3 (term 2)" in problem
    assert "S2 index 2 (term 2)" in problem and "1 server (S3)" in problem
    with pytest.raises(UnreachableState, match="no leader of term 3"):
        reachable.check({1: [1, 2, 2], 2: [1, 2], 3: [1, 3, 3, 3]}, {1: 3, 2: 3, 3: 3})


def test_chapter5_exercise_logs():
    """The who-can-win exercise: with the old logs nobody but S3 ever reached term 3 (and with
    everyone in term 3, S1, S2, S4 and S5 all held too much to vote for [1]); the new logs pass."""
    old = {1: [1, 1, 2], 2: [1, 1, 2, 2], 3: [1, 3], 4: [1, 1], 5: [1, 1, 2, 2, 2]}
    assert reachable.problems(old)
    assert reachable.problems(old, {i: 3 for i in old})
    new = {1: [1], 2: [1, 1, 2, 2], 3: [1, 3], 4: [1], 5: [1, 1, 2, 2, 2]}
    assert reachable.problems(new, {i: 3 for i in new}) == []


def test_figure16_starting_state_passes():
    assert reachable.problems(f16.LOGS, {i: 1 for i in f16.LOGS},
                              {i: f16.OLD_LEADER for i in f16.LOGS}) == []


@pytest.mark.parametrize("logs, terms, votes, fragment", [
    ({1: [1, 2, 1]}, None, None, "goes from term 2 back to term 1 at index 3"),
    ({1: [0, 1]}, None, None, "positive integers"),
    ({1: [1, 3]}, {1: 2}, None, "current term 2 is below the term of its last entry (3)"),
    ({1: [1, 2], 2: [2, 2]}, None, None, "after different logs"),
    ({1: [1, 1, 2], 2: [1, 2, 2]}, {1: 2, 2: 2}, None, "after different logs"),
    ({1: [1], 2: [1]}, {1: 1, 2: 1}, {1: 3}, "S1 voted for S3, which is not a server here"),
    ({1: [1], 2: [1]}, {1: 2, 2: 1}, {1: 2}, "S2 never reached that term"),
    ({1: [1, 1], 2: [1, 1], 3: [1]}, {1: 2, 2: 1, 3: 1}, None, None),
], ids=["decreasing", "zero", "term-below-entry", "two-leaders", "two-leaders-2",
        "vote-unknown", "vote-lower-term", "fine"])
def test_each_inconsistency_is_named(logs, terms, votes, fragment):
    found = reachable.problems(logs, terms, votes)
    if fragment is None:
        assert found == []
    else:
        assert any(fragment in p for p in found), found


def test_log_matching_violation_is_named():
    """Same term at the same index, different entries before it. (Two logs that share an entry
    also share the leader that created it, so item 3 usually reports this first; with the
    entry of term 3 created after different prefixes of the same lengths, both items fire.)"""
    found = reachable.problems({1: [1, 2, 3], 2: [1, 1, 3]}, {1: 3, 2: 3}, size=2)
    assert any("after different logs" in p for p in found)


def test_a_term_nobody_reached_by_majority():
    """Entries of term 2 on one server of three, whose peers never left term 1: its leader had
    no majority."""
    (problem,) = reachable.problems({1: [1, 2], 2: [1], 3: [1]}, {1: 2, 2: 1, 3: 1})
    assert "no leader of term 2" in problem and "S2, S3 never reached term 2" in problem


def test_size_adds_empty_servers():
    """size=5 counts servers that have no log given: S1 alone in term 1 cannot have led it."""
    assert reachable.problems({1: [1]}, size=1) == []
    (problem,) = reachable.problems({1: [1]}, size=5)
    assert "3 of 5 are needed" in problem


def test_unreachable_state_is_a_raft_error():
    assert issubclass(UnreachableState, ConfigurationError)
    assert issubclass(UnreachableState, RaftError)


def test_a_voter_may_receive_older_entries_after_it_voted():
    """Item 5's subtle case, from a real run. S4 and S5 vote for S3 in term 2 while all three
    hold only [1]; S3 is then cut off. Later S1, leader of term 3, gives S4 and S5 its entries of
    term 1 at indexes 2 and 3. Now S4 and S5 hold entries of term 1 beyond S3's log at its
    election, yet they did vote for it: the check must see that those entries could have come
    after the vote (from the leader of term 3), not count them against S3."""
    c = Cluster(size=5, seed=1, check_invariants=True)
    c.elect(1)
    c.run(60)                                  # term 1: everyone holds S1's no-op
    c.partition([1, 2], [3, 4, 5])
    c.submit("a=1")
    c.submit("b=2")
    c.run(60)                                  # only S1 and S2 get a=1 and b=2
    c.elect(3)                                 # term 2: S3, with S4's and S5's votes
    c.partition([1, 2], [3], [4, 5])           # S3's no-op reaches nobody
    c.run(30)
    c.partition([1, 2, 4, 5], [3])
    c.run_until(lambda c: c.nodes[1].role != "leader", 500)
    c.elect(1)                                 # term 3
    c.run(100)
    logs, terms, votes = persistent_state(c)
    assert logs[3] == [1, 2] and logs[4] == logs[5] == [1, 1, 1, 3]
    voted_for_s3 = {r.node for r in c.trace if r.kind == "vote" and r.data["candidate"] == 3
                    and r.data["granted"]}
    assert {4, 5} <= voted_for_s3
    assert reachable.problems(logs, terms, votes) == []
