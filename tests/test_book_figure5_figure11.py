"""The book's Figure 5 (chapter 4) and Figure 11 (chapter 8) are drawn from real runs.

Each figure's data is read from a run's trace by raft/book/figure5.py or figure11.py; these tests
derive the same facts a second way, from the servers' states after every step
(``cluster.history()``), and check that the named seed shows what the chapters say.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from raft.book import figure5 as f5  # noqa: E402
from raft.book import figure11 as f11  # noqa: E402
from raft.book import membership as mb  # noqa: E402


@pytest.fixture(scope="module")
def run5():
    return f5.run(f5.SEED)


@pytest.fixture(scope="module")
def states5(run5):
    return list(run5.history())


def test_figure5_terms_and_leaders_agree_with_the_servers_states(run5, states5):
    """The terms (when each began, who won it) read from the trace are those the servers' states
    show: a term begins when the first server reaches it, its leader is the server that led it."""
    began, leaders = {}, {}
    for snap in states5:
        for n in snap.nodes.values():
            began.setdefault(n.current_term, snap.now)
            if n.role == "leader" and not n.crashed:
                leaders[n.current_term] = n.id
    terms = f5.terms(run5)
    assert [t.term for t in terms] == sorted(t for t in began if t > 0)
    for t in terms:
        assert t.start == began[t.term], t
        assert t.leader == leaders.get(t.term), t
    assert [t.end for t in terms[:-1]] == [t.start for t in terms[1:]]
    assert terms[-1].end == run5.now


def test_figure5_seed_gives_the_papers_sequence_with_a_split_vote(run5, states5):
    """Seed 30, the one chapter 4 names: terms 1, 2 and 4 elect a leader, term 3 is a split vote
    between two candidates with two votes each, and two leaders crash."""
    terms = f5.terms(run5)
    assert f5.SEED == 30
    assert [(t.term, t.leader) for t in terms] == [(1, 3), (2, 2), (3, None), (4, 1)]
    split = terms[2]
    assert split.split and split.candidates == (1, 5)
    candidates = {n.id for snap in states5 for n in snap.nodes.values()
                  if n.current_term == 3 and n.role == "candidate"}
    assert candidates == {1, 5}
    most = max(len(n.votes) for snap in states5 for n in snap.nodes.values()
               if n.current_term == 3 and n.role == "candidate")
    assert most == 2                                  # two of five: nobody had a majority
    crashed = [(i, kind) for _, i, kind in f5.crash_times(run5)]
    assert crashed == [(3, "crash"), (3, "restart"), (2, "crash"), (2, "restart")]
    assert f5.leader_down(run5, terms[0]) is not None and f5.leader_down(run5, terms[3]) is None


def test_figure5_rows_are_each_servers_own_term(run5, states5):
    """Between two changes, a row shows the server's term and whether it was up. (Several steps
    can share one instant; at a row's boundaries only the state after the last of them counts.)"""
    spans = f5.server_terms(run5)
    checked = 0
    for snap in states5[1:]:
        for n in snap.nodes.values():
            inside = [s for s in spans[n.id] if s[0] < snap.now < s[1]]
            if not inside:
                continue
            (start, end, term, up), = inside
            assert (term, up) == (n.current_term, not n.crashed), (snap.step, n.id)
            checked += 1
    assert checked > 500


def test_figure5_comes_from_the_run_not_from_a_table():
    """Another seed gives other terms (the data is read from each run)."""
    other = f5.terms(f5.run(24))
    assert [(t.term, t.leader) for t in other] != [(1, 3), (2, 2), (3, None), (4, 1)]
    assert [t.term for t in other] == sorted(t.term for t in other)


def test_figure5_draws(run5):
    fig = f5.draw(run5)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "split vote" in labels and {"term 1", "term 4", "S3", "S1"} <= set(labels)


# -- Figure 11 -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def run11():
    cluster, _ = f11.run()
    return cluster


@pytest.fixture(scope="module")
def states11(run11):
    return list(run11.history())


def test_figure11_times_agree_with_the_leaders_state(run11, states11):
    line = f11.timeline(run11)
    old, joint, new = line.spans
    lead = line.leader
    created_joint = next(s.now for s in states11 if s.nodes[lead].config.is_joint)
    created_new = next(s.now for s in states11 if s.nodes[lead].config == new.config)
    assert (joint.created, new.created) == (created_joint, created_new)
    index = {c: next(k for k, e in enumerate(s.nodes[lead].log, 1) if e.command == c)
             for c, s in ((joint.config, states11[-1]), (new.config, states11[-1]))}
    for span in (joint, new):
        committed = next(s.now for s in states11 if s.nodes[lead].commit_index >= index[span.config])
        assert span.committed == committed
    assert old.config.voters == frozenset({1, 2, 3}) and new.config.voters == frozenset(range(1, 6))
    for span in (joint, new):
        for i, when in span.stored.items():
            first = next(s.now for s in states11 if i in s.nodes and s.nodes[i].config == span.config)
            assert when == first, (span.name, i)


def test_figure11_c_old_and_c_new_never_decide_alone_together(run11):
    line = f11.timeline(run11)
    alone = f11.decides_alone(run11)
    assert f11.overlap(alone) == 0
    (old_start, old_end), = alone["C_old"]
    (new_start, new_end), = alone["C_new"]
    assert old_start == 0 and old_end <= line.spans[1].committed
    assert new_start == line.spans[2].created and new_end == run11.now


def test_decides_alone_is_not_vacuous_on_the_unsafe_switch():
    """On Figure 10's direct switch both configurations can decide alone at once: each has a
    leader of its own in term 2."""
    cluster, marks = mb.figure10()
    snap = cluster.replay(marks["c_new_leader"]).snapshot()
    assert f11.can_decide_alone(snap, {1, 2, 3}) and f11.can_decide_alone(snap, {1, 2, 3, 4, 5})


def test_figure11_rows_are_each_servers_configuration(run11, states11):
    line = f11.timeline(run11)
    names = {span.config: span.name for span in line.spans}
    rows = f11.server_configs(run11, line)
    checked = 0
    for snap in states11[1:]:
        for i, n in snap.nodes.items():
            inside = [s for s in rows[i] if s[0] < snap.now < s[1]]
            if not inside:
                continue
            expected = names.get(n.config) if n.config.members else None
            assert inside[0][2] == expected, (snap.step, i)
            checked += 1
    assert checked > 100


def test_figure11_draws(run11):
    fig = f11.draw(run11)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "$C_{old}$ alone" in labels and "$C_{new}$ alone" in labels
