"""The trace's vocabulary: every kind of record is in ``raft.sim.trace.KINDS`` and every rule of
``raft.node.RULES`` is used.

A kind missing from the table would have no sentence and no rank; a rule no code emits is a
sentence of the paper the pictures can never show. Both are checked two ways: by reading the
source (every kind and rule named in ``raft/``'s node, simulator and bug zoo is known) and by
running a few seeded clusters that between them take every path (every record they write has a
known kind, carrying a rule its kind allows, and together they use every rule).
"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

from raft import Cluster
from raft.errors import RaftError, TraceError
from raft.node import RULES
from raft.sim.trace import KINDS, TraceRecord, sentence, step_caption, step_rule

RAFT = pathlib.Path(__file__).resolve().parent.parent / "raft"
WRITERS = ("node.py", "sim/cluster.py", "sim/clients.py",
           "classroom/bugs.py")   # the modules that write records

# Rules no run below emits, because only a mechanism that is off by default reaches them; each
# has its own test (named here) that switches the mechanism on.
OFF_BY_DEFAULT = {
    "ae-two-leaders": "two leaders in one term, which only the unsafe membership switch makes "
                      "possible (tests/test_node_rules.py::"
                      "test_leader_refuses_append_entries_of_its_own_term_as_two_leaders)",
}


# -- reading the source ------------------------------------------------------------------------

def _calls(module):
    """(method name, first argument) for every call of the form ``x.name("literal", ...)``."""
    tree = ast.parse((RAFT / module).read_text())
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.func.attr, node.args[0].value


def _hyphenated_arguments(module):
    """Every string constant of the form ``word-word`` (how kinds and rules are spelled) given
    as an argument to a call, or as the value of an assignment to ``rule``."""
    tree = ast.parse((RAFT / module).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            values = node.args + [k.value for k in node.keywords]
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "rule"
                                                  for t in node.targets):
            values = [node.value]
        else:
            continue
        for value in values:
            for leaf in ast.walk(value):   # also inside `a if c else b`
                if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str) \
                        and re.fullmatch(r"[a-z]+(-[a-z]+)+", leaf.value):
                    yield leaf.value


@pytest.mark.parametrize("module", WRITERS)
def test_every_kind_written_in_the_source_is_in_the_table(module):
    """A note or record written with a literal kind names a kind of KINDS."""
    written = {kind for name, kind in _calls(module)
               if name in ("note", "_note", "_record", "_record_msg")}
    assert written, f"found no notes or records in raft/{module}"
    assert written <= set(KINDS), f"kinds not in raft.sim.trace.KINDS: {written - set(KINDS)}"


@pytest.mark.parametrize("module", WRITERS)
def test_every_hyphenated_name_in_the_source_is_a_kind_or_a_rule(module):
    """A misspelled rule or kind (``"rv-grnat"``) in the node, the simulator or the zoo."""
    found = set(_hyphenated_arguments(module))
    assert found, f"found no kinds or rules in raft/{module}"
    unknown = found - set(KINDS) - set(RULES)
    assert not unknown, f"neither a kind nor a rule: {sorted(unknown)}"


# -- the table itself --------------------------------------------------------------------------

def test_table_ranks_are_distinct_and_its_rules_exist():
    headline = [k.headline for k in KINDS.values() if k.headline is not None]
    caption = [k.caption for k in KINDS.values() if k.caption is not None]
    assert len(set(headline)) == len(headline) and len(set(caption)) == len(caption)
    for name, kind in KINDS.items():
        assert kind.rules, name
        assert {r for r in kind.rules if r is not None} <= set(RULES), name


def test_unknown_kind_fails_loudly():
    """A misspelled kind is an error naming it, not a default sentence."""
    record = TraceRecord(1, 0.0, "comit", 2, "leader-commit", {"commit_index": 3})
    with pytest.raises(TraceError, match="'comit'") as caught:
        sentence(record)
    assert isinstance(caught.value, RaftError)
    with pytest.raises(TraceError, match="'comit'"):
        step_caption([record])


def test_unknown_rule_fails_loudly():
    record = TraceRecord(1, 0.0, "commit", 2, "leader-comit", {"commit_index": 3})
    assert sentence(record) == "S2 advanced its commit index to 3"
    with pytest.raises(TraceError, match="'leader-comit'"):
        step_rule([record])


# -- running: every path -----------------------------------------------------------------------

def _load(cluster, count, every):
    for k in range(count):
        if cluster.leader() is not None:
            cluster.submit(f"k{k % 5}={k}")
        cluster.run(every)


def _faults():
    """Loss, duplication, reordering, crashes, a partition, given logs that conflict."""
    logs = {1: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6], 2: [1, 1, 1, 4], 3: [1, 1, 1, 4, 4, 5, 5, 6, 6],
            4: [1, 1, 1, 4, 4, 5, 5, 6, 7, 7, 7], 5: [1, 1, 1, 2, 2, 2]}
    c = Cluster(size=5, seed=11, logs=logs, terms={2: 8}, drop=0.1, duplicate=0.1, reorder=0.2)
    c.run_until(lambda c: c.leader() is not None, 5000)
    _load(c, 30, 6)
    c.crash(c.leader())
    _load(c, 20, 9)
    c.partition([1, 2], [3, 4, 5])
    _load(c, 20, 9)
    c.heal()
    for i in sorted(c.crashed):
        c.restart(i)
    c.set_network(drop=0, duplicate=0, reorder=0)
    _load(c, 10, 9)
    return c


def _by_hand():
    """Forced elections, a server cut off and reconnected, messages delivered and lost by hand."""
    c = Cluster(size=3, seed=3)
    c.elect(1)
    c.timeout(2)
    c.run(1)
    c.drop(c.in_flight()[0])
    c.deliver(c.in_flight()[0])
    c.run(300)
    c.disconnect(c.leader())
    c.run(600)
    c.connect(next(i for i in c.ids if c.nodes[i].role == "leader"))
    c.run(300)
    return c


def _membership():
    """A removed server that missed C_new campaigns (and is ignored, §6), a new server that
    never catches up (the change is abandoned), a leader removing itself, the unsafe switch."""
    c = Cluster(size=5, seed=3)
    c.elect(1)
    _load(c, 5, 5)
    c.change_membership([1, 2, 3, 4])
    c.run_until(lambda c: c.nodes[5].config.is_joint, 2000)
    c.disconnect(5)
    c.run_until(lambda c: not c.nodes[1].config_change_in_progress(), 2000)
    c.connect(5)
    c.run(1000)
    c.change_membership([1, 2, 3, 4, 6])
    c.crash(6)
    c.run(2500)
    c.change_membership([2, 3, 4])              # the leader, S1, removes itself
    c.run(1500)
    c.change_membership([2, 3, 4, 5], unsafe=True)
    c.run(500)
    return c


def _snapshots():
    """Log compaction (§7): snapshots by threshold and by hand, a cut-off follower caught up
    with InstallSnapshot after campaigning alone, a crashed one restarting from its snapshot;
    loss and duplication make followers refuse, ignore and keep entries after snapshots."""
    c = Cluster(size=5, seed=0, snapshot_threshold=8, drop=0.2, duplicate=0.2, reorder=0.2)
    c.run_until(lambda c: c.leader() is not None, 5000)
    _load(c, 20, 8)
    c.disconnect(c.ids[c.leader() % 5])
    _load(c, 40, 8)
    c.heal()
    _load(c, 20, 8)
    lagger = next(i for i in c.ids if c.nodes[i].role != "leader")
    c.crash(lagger)
    _load(c, 20, 8)
    c.restart(lagger)
    c.run_until(lambda c: c.leader() is not None and c.nodes[c.leader()].last_applied
                > c.nodes[c.leader()].log.snapshot_index, 5000)
    c.compact(c.leader())
    _load(c, 20, 8)
    c.set_network(drop=0, duplicate=0, reorder=0)
    c.run(500)
    return c


def _beyond_figure_2():
    """The switches and requests beyond Figure 2: pre-vote (yes and no), check-quorum's step
    down, a leadership transfer that completes and one that is given up, single-server changes
    with a non-voter. (Their rules have their own tests in tests/test_mech_*.py.)"""
    c = Cluster(size=3, seed=5, pre_vote=True, check_quorum=True)
    c.run_until(lambda c: c.leader() is not None, 2000)     # pre-vote, then the election
    old = c.leader()
    c.partition([old], [i for i in c.ids if i != old])
    c.run(600)                                              # the cut-off leader steps down
    c.heal()
    c.run(300)
    leader = c.leader()
    target = next(i for i in c.ids if i != leader)
    c.transfer_leadership(target)                           # TimeoutNow, a take-over
    c.run(300)
    leader = c.leader()
    target = next(i for i in c.ids if i != leader)
    c.disconnect(target)
    c.transfer_leadership(target)                           # given up after a timeout
    c.run(400)
    c.heal()
    c.run(300)
    c.add_server(4, voter=False)
    c.run(300)
    c.promote(4)
    c.run(300)
    c.remove_server(4)
    c.run(300)
    c.cut_link(1, 2)                                        # a partial partition
    c.run(300)
    c.heal()
    return c


def _pre_vote_refused():
    c = Cluster(size=3, seed=1, logs={1: [1], 2: [1, 1], 3: [1, 1]}, pre_vote=True)
    c.timeout(1)                                            # S1's log is behind: "no"
    c.run(100)
    return c


def _clients(reads, seed):
    """Clients (dissertation chapter 6) with one read mode: a lossy, duplicating network, a
    partition with a client on the old leader's side, a slow clock, a crash, a client that
    gives up."""
    c = Cluster(size=3, seed=seed, clients=2, reads=reads, drop=0.1, duplicate=0.2)
    c.add_clients(2, timeout=100, give_up=400)
    for k in range(6):
        c.client_op(1 + k % 2, "append" if k % 3 else "get", "x", f"{k}" if k % 3 else None)
        c.run(60)
    leader = c.leader() or 1
    c.partition([leader, "c1"], [i for i in c.ids if i != leader] + ["c2"])
    c.client_op(1, "get", "x", to=leader)
    c.client_op(2, "put", "x", "9")
    c.run(600)
    c.heal()
    c.set_clock_rate(c.leader() or 1, 0.5)
    c.client_op(1, "get", "x")
    c.crash(c.leader() or 1)
    c.client_op(2, "get", "x")
    c.run(800)
    return c


RUNS = {"faults": _faults, "by hand": _by_hand, "membership": _membership,
        "snapshots": _snapshots,
        "beyond Figure 2": _beyond_figure_2, "pre-vote refused": _pre_vote_refused,
        **{f"clients, {reads} reads": (lambda reads=reads: _clients(reads, 4))
           for reads in ("log", "read_index", "lease", "follower", "stale")}}


@pytest.fixture(scope="module")
def traces():
    return {name: run().trace for name, run in RUNS.items()}


def test_every_record_has_a_known_kind_and_a_rule_its_kind_allows(traces):
    for name, trace in traces.items():
        for r in trace:
            assert r.kind in KINDS, f"{name}: unknown kind in {r.as_dict()}"
            assert r.rule in KINDS[r.kind].rules, f"{name}: rule {r.rule!r} on {r.as_dict()}"
            assert r.sentence


def test_every_kind_is_written_by_some_run(traces):
    written = {r.kind for trace in traces.values() for r in trace}
    assert set(KINDS) - written == set()


def test_every_rule_is_emitted_or_is_off_by_default(traces):
    emitted = {r.rule for trace in traces.values() for r in trace}
    assert set(RULES) - emitted == set(OFF_BY_DEFAULT)
    assert set(OFF_BY_DEFAULT) <= set(RULES)


def test_key_events_are_a_column_of_the_table():
    """The kinds a grader's report lists as a run's key events are marked in KINDS itself:
    faults, roles, votes, terms, commits, and never the per-message records."""
    key = {k for k, kind in KINDS.items() if kind.key}
    assert {"role", "vote", "term", "commit", "crash", "restart", "partition", "heal",
            "submit"} <= key
    assert not key & {"send", "deliver", "drop", "duplicate", "advance", "force-timeout"}
    from raft import grade
    c = Cluster(size=3, seed=2).elect(1)
    c.submit("x=1")
    c.run(100)
    events = grade.key_events(c, limit=100)
    assert events and not any(" received " in e or " sent Request" in e or " sent Append" in e
                              for e in events)
    assert any("became leader" in e for e in events) and any("applied entry 2" in e for e in events)
    assert not any("no-op" in e for e in events)


# -- the trace as a sequence (raft.sim.trace.Trace) ----------------------------------------------

def _steady_run():
    c = Cluster(size=3, seed=4).elect(1)
    for k in range(3):
        c.submit(f"x={k}")
        c.run(40)
    return c


def test_the_trace_reads_like_a_list_of_records():
    """The simulator stores plain values and makes records when they are read: indexes
    (negative too), slices, iteration both ways and truthiness give the same records a list
    would, and an index past the end raises IndexError."""
    trace = _steady_run().trace
    records = list(trace)
    assert trace and len(trace) == len(records) > 50
    assert all(isinstance(r, TraceRecord) for r in records)
    assert trace[0] == records[0] and trace[-1] == records[-1] and trace[7] == records[7]
    assert trace[5:12] == records[5:12] and trace[-4:] == records[-4:]
    assert trace[::3] == records[::3]
    assert list(reversed(trace)) == records[::-1]
    assert trace == records and trace == _steady_run().trace
    assert trace != Cluster(size=3, seed=4).elect(1).trace
    for bad in (len(records), -len(records) - 1):
        with pytest.raises(IndexError):
            trace[bad]
    assert not Cluster(size=3, seed=4, trace=False).elect(1).trace


def test_packed_records_read_as_their_data():
    """Records written for every message keep their message (or index and entry) packed; read,
    they carry the same data dict as any other record, and a new one each time."""
    c = _steady_run()
    sends = [r for r in c.trace if r.kind == "send"]
    applies = [r for r in c.trace if r.kind == "apply"]
    assert sends and applies
    assert set(sends[0].data) == {"msg"} and sends[0].data["msg"].src == sends[0].node
    assert {"index", "what"} == set(applies[-1].data)
    assert applies[-1].data["what"] == "'x=2'" and applies[-1].rule == "all-apply"
    k = next(k for k, r in enumerate(c.trace) if r.kind == "apply")
    assert c.trace[k].data == c.trace[k].data and c.trace[k].data is not c.trace[k].data


def test_records_of_a_step():
    """step_records finds a step's records (steps only grow along a trace) without reading the
    others: the same records as filtering the whole trace."""
    c = _steady_run()
    for step in (0, 1, c.steps // 2, c.steps, c.steps + 5):
        assert c.step_records(step) == [r for r in c.trace if r.step == step]
    assert c.step_records(c.steps // 2)


def test_a_trace_takes_records_appended_by_hand():
    from raft.sim.trace import Trace
    record = TraceRecord(3, 1.5, "commit", 2, "leader-commit", {"commit_index": 4})
    trace = Trace([record])
    trace.append(TraceRecord(4, 2.0, "crash", 1))
    assert len(trace) == 2 and trace[0] == record and trace[1].data == {}
    assert trace[0].sentence == "S2 advanced its commit index to 4"


def test_servers_build_notes_only_when_the_trace_keeps_them():
    """With trace=False nobody reads the servers' notes, so the cluster tells its servers not to
    build them; with a trace they are built, and the runs are the same."""
    quiet, traced = Cluster(size=3, seed=6, trace=False), Cluster(size=3, seed=6)
    for c in (quiet, traced):
        c.run_until(lambda c: c.leader() is not None, 3000)
        c.submit("x=1")
        c.run(100)
    assert not any(n.keep_notes for n in quiet.nodes.values())
    assert all(n.keep_notes for n in traced.nodes.values())
    assert quiet.steps == traced.steps and quiet.now == traced.now
    assert [quiet.applied(i) for i in quiet.ids] == [traced.applied(i) for i in traced.ids]
    node = quiet.nodes[quiet.leader()]
    node.propose("y=2", quiet.now)
    assert node.ready().notes == []
    quiet.crash(2)
    quiet.restart(2)
    assert quiet.nodes[2].keep_notes is False
