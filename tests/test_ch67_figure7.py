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


def test_two_server_cluster_with_c_cannot_elect_the_leader():
    """Why the replay uses one seven-server cluster: (c) refuses its vote."""
    from raft.errors import ConfigurationError
    c = f7.figure7_cluster(followers=["c"])
    with pytest.raises(ConfigurationError):
        c.elect(f7.LEADER, timeout=300)
