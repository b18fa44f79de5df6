"""Figure 7 (§5.3) replayed: the logs are the paper's, and the round-trip counts follow from them."""

import pytest

from raft.book import figure7 as f7


def test_logs_are_the_papers():
    """Figure 7's logs, as listed in the paper (note (b) is 1 1 1 4)."""
    assert f7.LEADER_LOG == [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
    assert f7.FOLLOWERS["b"] == [1, 1, 1, 4]
    assert len(f7.FOLLOWERS["c"]) == 11 and f7.FOLLOWERS["d"][-2:] == [7, 7]
    assert f7.FOLLOWERS["f"] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]


@pytest.mark.parametrize("seed", [0, 7, 42])
def test_round_trips_simple_and_fast(seed):
    """Simple back-off: one round trip per entry back to the last match; fast back-off (end of
    §5.3): one per conflicting term. Counts worked out by hand from the logs."""
    rows = {r.follower: r for r in f7.repair_table(seed)}
    assert {k: r.simple for k, r in rows.items()} == dict(a=2, b=7, c=1, d=1, e=6, f=8)
    assert {k: r.fast for k, r in rows.items()} == dict(a=2, b=2, c=1, d=1, e=3, f=3)
    # (c) and (d) hold more up-to-date logs than the leader (§5.4.1): they refuse their vote.
    assert {k for k, r in rows.items() if not r.votes_for_leader} == {"c", "d"}
    assert {k: r.deleted for k, r in rows.items()} == dict(a=0, b=0, c=1, d=2, e=2, f=8)


def test_leader_is_at_index_11_with_its_noop():
    c = f7.figure7_cluster()
    f7.elect_and_repair(c)
    leader = c.nodes[f7.LEADER]
    assert leader.current_term == 8
    assert leader.log.terms() == f7.LEADER_LOG + [8]
    assert leader.log[11].kind == "noop"
    # Every follower ends with exactly the leader's log.
    assert all(c.nodes[i].log.terms() == leader.log.terms() for i in c.ids)


def test_first_probe_is_prev_log_index_10():
    """The leader starts with next_index = 11 for everyone, so its first AppendEntries to each
    follower has prev_log_index 10."""
    c = f7.figure7_cluster(fast_backoff=True)
    f7.elect_and_repair(c)
    for i in f7.SERVER.values():
        assert f7.round_trips(c, i)[0][0] == 10


def test_the_starting_state_is_reachable_and_the_old_one_was_not():
    """The seven logs with the current terms of f7.TERMS pass the reachability check. With every
    follower in the term of its last entry (the replay's first version), they do not: (d) led
    term 7 and needed four votes of seven, but only the leader and (d) had reached term 7."""
    from raft.book import reachable
    logs = {1: f7.LEADER_LOG, **{f7.SERVER[n]: log for n, log in f7.FOLLOWERS.items()}}
    terms = {1: 7, **{f7.SERVER[n]: f7.TERMS[n] for n in f7.FOLLOWERS}}
    assert reachable.problems(logs, terms) == []
    old_terms = {1: 7, **{f7.SERVER[n]: max(log) for n, log in f7.FOLLOWERS.items()}}
    (problem,) = reachable.problems(logs, old_terms)
    assert "no leader of term 7" in problem


@pytest.mark.parametrize("name", ["e", "f"])
def test_the_leader_with_e_or_f_alone_is_unreachable(name):
    """The leader's log holds entries of terms 5 and 6, whose leaders each needed a majority: in a
    two-server cluster, the follower's vote too. (e) stayed in term 4 and (f) in term 3, so
    neither voted for them. The smaller clusters therefore get a third server."""
    from raft.book import reachable
    found = reachable.problems({1: f7.LEADER_LOG, 2: f7.FOLLOWERS[name]},
                               {1: 7, 2: f7.TERMS[name]})
    assert any("no leader of term 6" in p for p in found)
    small = f7.figure7_cluster(followers=[name])   # with the third server: reachable
    assert small.ids == [1, 2, 3] and small.nodes[3].log.terms() == f7.LEADER_LOG


def test_smaller_cluster_with_c_elects_the_leader_with_the_third_servers_vote():
    """(c)'s log is more up-to-date than the leader's (§5.4.1), so (c) refuses; the third
    server's vote makes the majority."""
    c = f7.figure7_cluster(followers=["c"])
    f7.elect_and_repair(c)
    assert f7.voted_for_leader(c, 2) is False and f7.voted_for_leader(c, 3) is True
    assert c.nodes[2].log.terms() == f7.LEADER_LOG + [8]


def test_a_follower_log_of_your_own():
    """followers={name: log} builds the three-server cluster with that log (the exercise with
    (b) as 1 1 1 4 4): one round trip fewer than the paper's (b) with the simple back-off."""
    c = f7.figure7_cluster(followers={"b": [1, 1, 1, 4, 4]})
    f7.elect_and_repair(c)
    assert len(f7.round_trips(c, 2)) == 6
