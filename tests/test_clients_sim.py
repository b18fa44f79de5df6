"""Simulated clients (raft/sim/clients.py): their requests and replies travel the network, they
follow hints, retry with the same serial number, give up, and record histories the
linearizability checker reads; the key-value store's put/append/get and sessions (dissertation
§6.3); drifting clocks; the new verbs of the action language."""

import pytest

from raft import Cluster, scenario
from raft.errors import CommandError, ConfigurationError, ScenarioError
from raft.linearizability import check
from raft.node import Entry
from raft.sim import kv
from raft.sim.actions import Action
from raft.sim.clients import ClientReply, ClientRequest, Moment, random_workload


def led(size=3, seed=1, **options):
    c = Cluster(size=size, seed=seed, **options)
    c.run_until(lambda c: c.leader() is not None, 3000)
    return c


# -- the state machine -----------------------------------------------------------------------------

def test_put_append_get_and_a_key_never_written():
    """6.824's key-value service: put sets, append adds to the end, get reads ("" if never
    written); the old commands keep working."""
    store = kv.KeyValueStore()
    commands = ["append x a", "get x", "put x b", "append x c", "get x", "get nothing", "y=1",
                "del y"]
    results = []
    for seq, command in enumerate(commands, 1):
        store.apply(Entry(1, command, "c1", seq), seq)
        results.append(store.last_result)
    assert results == [None, "a", None, None, "bc", "", None, None]
    assert store.data == {"x": "bc"} and store.applied_index == len(commands)


def test_a_retried_command_is_applied_once_and_answered_from_the_session():
    """§6.3: the session remembers the last serial number applied for each client and its
    result; a retry with that number is not applied again and gets the same answer."""
    store = kv.KeyValueStore()
    store.apply(Entry(1, "append x a", "c1", 1))
    store.apply(Entry(1, "get x", "c1", 2))
    assert store.apply(Entry(2, "append x a", "c1", 1)) is False      # an old retry
    assert store.apply(Entry(2, "get x", "c1", 2)) is False           # the latest, again
    assert store.last_result == "a" and store.data == {"x": "a"}
    assert store.result("c1", 2) == (True, "a") and store.result("c1", 1) == (False, None)


def test_a_snapshot_keeps_the_sessions_results_and_the_applied_index():
    """§6.3 asks for the sessions in the snapshot (§7): with their results, so a retry that
    reaches a server restored from a snapshot gets the answer the first try got; the restored
    store has applied everything up to the snapshot's index (reads wait for that index)."""
    store = kv.KeyValueStore()
    store.apply(Entry(1, "append x a", "c1", 1), 1)
    store.apply(Entry(1, "get x", "c1", 2), 2)
    other = kv.KeyValueStore()
    other.restore(store.snapshot(), 2)
    assert other.applied_index == 2 and other.result("c1", 2) == (True, "a")
    other.apply(Entry(1, "append x b", "c2", 1), 3)
    assert other.apply(Entry(2, "get x", "c1", 2), 4) is False        # c1's retry
    assert other.last_result == "a" and other.read("x") == "ab"


@pytest.mark.parametrize("bad", ["append x", "get", "put x", "get x y", 7])
def test_malformed_commands_are_refused_naming_them(bad):
    with pytest.raises(CommandError, match=repr(bad) if isinstance(bad, str) else "7"):
        kv.parse_command(bad)


# -- requests on the network ---------------------------------------------------------------------

def test_an_operation_goes_through_the_network_and_returns():
    """A put is a request on the network to the server the client believes leads; the answer
    is a message back; the history has its call and return as (time, step)."""
    c = led(clients=1)
    c.client_op(1, "put", "x", "5", to=c.leader())
    kinds = [type(f.msg) for f in c.in_flight()]
    assert ClientRequest in kinds
    c.run(200)
    (op,) = c.client_history()
    assert op["f"] == "put" and op["ret"] is not None and op["call"] < op["ret"]
    assert len(op["call"]) == 2 and c.state_machine(c.leader()) == {"x": "5"}
    assert any(r.kind == "client-deliver" and isinstance(r.data["msg"], ClientReply)
               for r in c.trace)


def test_a_moment_is_ms_and_step_and_prints_so():
    """A history's moments are (ms, step) tuples that print as "143.45 ms (step 21)", so the
    checker's explanation of a simulated history says milliseconds and steps without any
    rewriting (it wrote "(143.45, 21)" before)."""
    c = led(clients=2)
    c.client_op(1, "put", "x", "5", to=c.leader())
    c.run(200)
    c.client_op(2, "get", "x", to=c.leader())
    c.run(200)
    put, got = c.client_history()
    assert isinstance(put["call"], Moment) and isinstance(got["ret"], Moment)
    assert put["call"] == (put["call"].ms, put["call"].step) and put["ret"] < got["call"]
    assert str(Moment(143.45, 21)) == "143.45 ms (step 21)"
    assert str(Moment(1015.0, 148)) == "1015 ms (step 148)"
    assert str(Moment(12.5, 3)) == "12.5 ms (step 3)"
    got["output"] = "4"                      # a read of a value never written
    text = check([put, got], "kv").explanation
    assert f"called at {got['call'].ms:g} ms (step {got['call'].step}), returned at " in text
    assert f"before it returned, at {got['ret'].ms:g} ms (step {got['ret'].step});" in text
    assert f"({got['ret'].ms:g}, " not in text


def test_a_follower_redirects_the_client_to_the_leader():
    """§6.2: a server that does not lead answers NotLeader with the leader it knows; the client
    tries that one."""
    c = led(clients=1)
    follower = next(i for i in c.ids if i != c.leader())
    c.client_op(1, "get", "x", to=follower)
    c.run(200)
    op = c.clients.client(1).done[-1]
    assert op.servers == [follower, c.leader()] and op.ret is not None and op.output == ""


@pytest.mark.parametrize("reads", ["log", "read_index"])
def test_a_leader_handing_over_refuses_requests_and_points_to_the_target(reads):
    """Dissertation §3.10: during a leadership transfer the leader takes no client request
    (LeadershipTransferInProgress); its front end refuses it naming the target, and the client
    is answered by the new leader."""
    c = led(clients=1, reads=reads)
    old = c.leader()
    target = next(i for i in c.ids if i != old)
    c.transfer_leadership(target)
    c.client_op(1, "append", "x", "a", to=old)
    c.client_op(1, "get", "x", to=old)
    c.run(400)
    put, get = c.clients.client(1).done
    assert put.servers[:2] == [old, target] and put.ret is not None
    assert get.output == "a" and c.leader() == target
    refusals = [r.data["msg"] for r in c.trace if r.kind == "client-deliver"
                and isinstance(r.data["msg"], ClientReply) and not r.data["msg"].ok]
    assert refusals[0].error == "handing over" and refusals[0].leader_hint == target
    assert check(c.client_history(), "kv").ok


def test_a_partition_reaches_clients_named_in_it():
    """A client named in a partition group reaches only that group's servers; its request to
    a server on the other side is lost, it times out and retries elsewhere."""
    c = led(size=3, clients=2)
    leader = c.leader()
    others = [i for i in c.ids if i != leader]
    c.partition([leader], others + ["c1"])
    c.client_op(1, "put", "x", "1", to=leader)
    assert any(r.kind == "client-drop" and r.data["reason"] == "the link is cut"
               for r in c.trace[-5:])
    c.run(2000)
    op = c.clients.client(1).done[-1]
    assert op.attempts >= 2 and op.servers[0] == leader and op.ret is not None
    assert c.nodes[op.servers[-1]].role == "leader" and op.servers[-1] != leader


def test_a_lost_reply_is_retried_with_the_same_serial_number_and_applied_once():
    """§6.3: the client cannot tell a lost request from a lost answer; it retries with the same
    client id and serial number, and the sessions apply the command once."""
    from raft.classroom.reads import lost_reply
    c = lost_reply(seed=3)
    append, get = c.clients.operations()
    assert append.attempts >= 2 and get.output == "a"
    leader = c.nodes[c.leader()]
    copies = [e for e in leader.log.entries if (e.client_id, e.seq) == ("c1", 1)]
    assert len(copies) >= 2                      # in the log twice, applied once
    assert check(c.client_history(), "kv").ok


def test_a_client_gives_up_and_the_operation_never_returns():
    """An operation whose answers never come is given up after ``give_up`` ms: it has no
    return in the history (it may have taken effect, or not), and the client goes on."""
    c = led(size=3, clients=1)
    c.add_clients(1, timeout=50, give_up=300)
    c.partition(c.ids, ["c1"])                   # the client reaches no server
    c.client_op(1, "put", "x", "1")
    c.client_op(1, "get", "x")                   # queued behind it
    c.run(350)
    c.heal()
    c.run(300)
    put, get = c.client_history()
    assert put["ret"] is None and get["ret"] is not None and get["output"] == ""
    assert put["call"] < get["call"]
    assert any(r.kind == "client-give-up" for r in c.trace)


def test_duplicated_and_lost_messages_still_give_linearizable_histories():
    c = led(size=5, seed=4, clients=3, drop=0.2, duplicate=0.3, reorder=0.3)
    c.add_clients(3, timeout=60)
    random_workload(c, seed=4, duration=1500)
    c.set_network(drop=0, duplicate=0, reorder=0)
    c.run_until(lambda c: c.clients.pending() == 0, 5000)
    history = c.client_history()
    assert len(history) > 30 and check(history, "kv").ok
    assert any(r.kind == "client-duplicate" for r in c.trace)


# -- the action language and replay ---------------------------------------------------------------

def test_client_verbs_read_back_and_replay_to_the_same_history():
    """Client calls are actions: the scenario text of a run replays it to the same history."""
    c = Cluster(size=3, seed=9, clients=2, reads="read_index", drop=0.1)
    random_workload(c, seed=9, duration=800)
    c.run(300)
    text = c.scenario_text()
    assert "cluster size=3 seed=9 drop=0.1 clients=2 reads=read_index" in text
    assert "\nclient 1 " in text
    again = scenario.run(text)
    assert again.client_history() == c.client_history()
    twin = c.replay(c.steps // 2)
    assert twin.client_history() == [op for op in twin.client_history()]
    assert len(twin.client_history()) < len(c.client_history())


def test_a_scenario_drives_clients():
    c = scenario.run("""
        cluster size=3 seed=2
        clients 2 timeout=100ms
        run until leader
        client 1 append x a
        client 2 append x b
        run 300ms
        client 1 get x to leader
        run 200ms
    """)
    *_, get = c.client_history()
    assert get["output"] in ("ab", "ba") and check(c.client_history(), "kv").ok
    assert c.clients.timeout == 100


@pytest.mark.parametrize("line, words", [
    ("client 1 put x", "put and append need a value"),
    ("client 1 get x 5", "get takes none"),
    ("client 0 get x", "expected a client number such as 1"),
    ("client 1 frob x", "put, append or get"),
    ("client 1 put 9x 5", "a key is a word"),
    ("clients 0", "clients must be a positive"),
    ("clients 2 patience=5ms", "expected timeout= or give_up="),
    ("clock-rate 1 0", "a rate is a positive number"),
    ("clock-rate 1", "write 'clock-rate 1 0.5'"),
    ("cluster size=3 reads=sometimes", "expected one of log, read_index"),
])
def test_bad_client_lines_say_why(line, words):
    with pytest.raises(ScenarioError, match=words):
        if line.startswith("cluster"):
            scenario.load(line + "\n")
        else:
            Action.parse(line)


def test_unknown_clients_are_refused_naming_them():
    c = led(clients=2)
    with pytest.raises(ConfigurationError, match="no client 3; the clients are c1, c2"):
        c.client_op(3, "get", "x")
    with pytest.raises(ConfigurationError, match="has no such client"):
        c.partition(c.ids, ["c7"])
    with pytest.raises(ConfigurationError, match="has no clients"):
        led().client_history()
    assert c.do(Action.parse("client 5 get x"), lenient=True) is None


# -- clocks ----------------------------------------------------------------------------------------

def test_a_slow_clock_stretches_a_servers_timers_in_true_time():
    """A server whose clock runs at half the true rate sees its timers last twice as long:
    the simulator hands each server its own clock's reading."""
    c = Cluster(size=3, seed=5)
    c.set_clock_rate(2, 0.5)
    start = c.now
    c.run(100)
    assert c.local_time(2) == pytest.approx(start + 50) and c.clock_rate(2) == 0.5
    node = c.nodes[2]
    assert c._true_time(2, node.election_deadline) >= c.now
    c.run(2000)
    assert c.leader() is not None


def test_clock_rates_leave_runs_without_them_unchanged():
    """A rate of 1 is no drift at all: the run is the same as without the knob."""
    a = Cluster(size=3, seed=6)
    b = Cluster(size=3, seed=6)
    b.set_clock_rate(1, 1.0)
    a.run(1000)
    b.run(1000)
    assert [r.sentence for r in a.trace] == [r.sentence for r in b.trace
                                             if r.kind != "clock-rate"]
