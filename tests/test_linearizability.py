"""The linearizability checker (``raft/linearizability/``): histories written by hand, random
histories of real sequential executions, a brute-force checker to compare verdicts with, the
1-minimality of explanations, bad input, and the timeline picture.

Every random test runs a seeded loop and names the seed in its failure message.
"""

from __future__ import annotations

import ast
import doctest
import json
import random
import sys
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

import pytest

import raft.linearizability as lin
from raft.errors import ConfigurationError, HistoryError, RaftError
from raft.linearizability import Model, check, linearize, random_history, read_history
from raft.linearizability.__main__ import main

SVG = "{http://www.w3.org/2000/svg}"


def op(client, f, key, value, output, call, ret):
    return {"client": client, "f": f, "key": key, "value": value, "output": output,
            "call": call, "ret": ret}


def put(c, key, value, call, ret):
    return op(c, "put", key, value, None, call, ret)


def append(c, key, value, call, ret):
    return op(c, "append", key, value, None, call, ret)


def get(c, key, output, call, ret):
    return op(c, "get", key, None, output, call, ret)


def read(c, output, call, ret):
    return op(c, "read", None, None, output, call, ret)


def write(c, value, call, ret):
    return op(c, "write", None, value, None, call, ret)


def cas(c, expected, new, output, call, ret):
    return op(c, "cas", None, [expected, new], output, call, ret)


# -- a brute-force checker, written independently of the module -----------------------------

def brute(history, model):
    """Try every order: is there a sequence of all completed operations (and any pending ones)
    that respects real time and replays correctly? Whole-history state, no partitioning."""
    n = len(history)
    must_precede = [sum(1 << a for a in range(n) if history[a]["ret"] is not None
                        and history[a]["ret"] < history[b]["call"]) for b in range(n)]
    done = sum(1 << i for i in range(n) if history[i]["ret"] is not None)

    def apply(state, o):
        data = dict(state)
        key = o["key"] if model == "kv" else "r"
        now = data.get(key, "" if model == "kv" else None)
        known = o["ret"] is not None
        if o["f"] in ("get", "read"):
            return (not known or o["output"] == now), state
        if o["f"] in ("put", "write"):
            data[key] = o["value"]
        elif o["f"] == "append":
            data[key] = now + o["value"]
        else:
            hit = now == o["value"][0]
            if known and o["output"] != hit:
                return False, state
            if hit:
                data[key] = o["value"][1]
        return True, tuple(sorted(data.items()))

    @lru_cache(maxsize=None)
    def search(placed, state):
        if placed & done == done:
            return True
        for i in range(n):
            if not placed >> i & 1 and must_precede[i] & placed == must_precede[i]:
                ok, new = apply(state, history[i])
                if ok and search(placed | 1 << i, new):
                    return True
        return False

    return search(0, ())


def longest_brute(history, model):
    """The best partial order brute force can build, as (returned operations placed, minus
    pending ones placed): each step places an operation all of whose real-time predecessors
    are placed, and replays correctly."""
    n = len(history)
    must_precede = [sum(1 << a for a in range(n) if history[a]["ret"] is not None
                        and history[a]["ret"] < history[b]["call"]) for b in range(n)]
    done = sum(1 << i for i in range(n) if history[i]["ret"] is not None)
    best = (0, 0)
    stack = [(0, ())]
    seen = set()
    while stack:
        placed, state = stack.pop()
        best = max(best, (bin(placed & done).count("1"), -bin(placed & ~done).count("1")))
        for i in range(n):
            if not placed >> i & 1 and must_precede[i] & placed == must_precede[i]:
                ok, new = _replay_one(history, model, state, i)
                if ok and (placed | 1 << i, new) not in seen:
                    seen.add((placed | 1 << i, new))
                    stack.append((placed | 1 << i, new))
    return best


def _replay_one(history, model, state, i):
    data = dict(state)
    o = history[i]
    key = o["key"] if model == "kv" else "r"
    now = data.get(key, "" if model == "kv" else None)
    if o["f"] in ("get", "read"):
        return o["ret"] is None or o["output"] == now, state
    if o["f"] in ("put", "write"):
        data[key] = o["value"]
    elif o["f"] == "append":
        data[key] = now + o["value"]
    else:
        hit = now == o["value"][0]
        if o["ret"] is not None and o["output"] != hit:
            return False, state
        if hit:
            data[key] = o["value"][1]
    return True, tuple(sorted(data.items()))


def valid_order(history, order, model):
    """An order from the checker replays correctly and respects real time (checked here)."""
    state = ()
    placed = set()
    for o in order:
        for a, other in enumerate(history):
            if other["ret"] is not None and other["ret"] < history[o.index]["call"]:
                if a not in placed and (model != "kv" or other["key"] == o.key):
                    return False
        ok, state = _replay_one(history, model, state, o.index)
        if not ok:
            return False
        placed.add(o.index)
    return True


def corrupt(history, rng, model):
    """Change one returned output to another plausible one (it may still be linearizable)."""
    history = [dict(o) for o in history]
    readers = [o for o in history if o["ret"] is not None and o["f"] in ("get", "read", "cas")]
    if readers:
        o = rng.choice(readers)
        if o["f"] == "cas":
            o["output"] = not o["output"]
        elif o["f"] == "read":
            o["output"] = rng.choice([None, 0, 1, 2])
        else:
            o["output"] = rng.choice(["", "0", "1", "a", "ab", "ba", o["output"] + "a"])
    return history


# -- histories written by hand ---------------------------------------------------------------

def test_sequential_history_is_linearizable():
    """put then get of the value put: the one order is the real-time order."""
    verdict = check([put("c1", "x", "1", 0, 10), get("c2", "x", "1", 20, 30)], "kv")
    assert verdict.ok and bool(verdict)
    assert [o.index for o in verdict.orders["x"]] == [0, 1]
    assert verdict.explanation.startswith("Linearizable")


def test_stale_read():
    """A get that starts after a put returned must see it; reading the old value (here the
    empty string of a key never written) is the stale read of a deposed leader."""
    verdict = check([put("c1", "x", "1", 0, 10), get("c2", "x", "", 20, 30)], "kv")
    assert not verdict.ok
    assert [o.index for o in verdict.minimal] == [0, 1]
    assert [o.index for o in verdict.linearized] == [0]
    assert verdict.blocked.index == 1
    assert verdict.state == 'the key holds "1"'
    assert "Not linearizable on key 'x'" in verdict.explanation
    assert "#1 get(x)→\"\" must take effect before it returned, at 30;" in verdict.explanation


def test_stale_read_of_an_older_value():
    """A get that returns the value before the latest completed put: alone it fits no order
    (no write of "0" in a set of one), so the story is told by the longest order: the get
    would fit right after put 0, but put 1 returned before the get was called."""
    verdict = check([put("c1", "x", "0", 0, 5), put("c2", "x", "1", 10, 20),
                     get("c3", "x", "0", 30, 40)])
    assert [o.index for o in verdict.minimal] == [2]
    assert verdict.fits_after == 1 and verdict.in_the_way.index == 1
    assert ("The last place in that order where #2 fits is just after #0 put(x,\"0\"); but "
            "#1 put(x,\"1\"), placed after that point, returned at 20, before #2 was called at 30;"
            in verdict.explanation)
    legend = " ".join(t.text for t in parse(verdict.svg()).iter(f"{SVG}text"))
    assert "✗ fits right after 1., but 2. returned before ✗ was called." in legend
    assert "would fit right after number 1, but number 2 returned" in verdict.description


def test_concurrent_read_may_see_old_or_new():
    """A get overlapping a put may take effect before or after it: both outputs are fine."""
    for seen in ("", "1"):
        assert check([put("c1", "x", "1", 0, 10), get("c2", "x", seen, 5, 15)]).ok, seen
    assert not check([put("c1", "x", "1", 0, 10), get("c2", "x", "2", 5, 15)]).ok


def test_lost_write():
    """Two appends one after the other, then a get that sees only the second: the first was
    lost. The 1-minimal set is the get alone ("b" cannot be read from an empty key); the
    longest order shows why: after both appends the key holds "ab"."""
    history = [append("c1", "x", "a", 0, 10), append("c2", "x", "b", 20, 30),
               get("c3", "x", "b", 40, 50)]
    verdict = check(history)
    assert not verdict.ok
    assert [o.index for o in verdict.minimal] == [2]
    assert [o.index for o in verdict.linearized] == [0, 1]
    assert verdict.state == 'the key holds "ab"'
    assert "even on its own" in verdict.explanation
    history[2]["output"] = "ab"
    assert check(history).ok


def test_duplicated_append():
    """One append of "a", but a later get reads "aa": a retried append applied twice."""
    verdict = check([append("c1", "x", "a", 0, 10), get("c2", "x", "aa", 20, 30)])
    assert not verdict.ok
    assert [o.index for o in verdict.linearized] == [0] and verdict.blocked.index == 1
    assert check([append("c1", "x", "a", 0, 10), append("c3", "x", "a", 0, 10),
                  get("c2", "x", "aa", 20, 30)]).ok


def test_read_of_a_value_never_written():
    """A get of "7" when nobody ever wrote "7" fits no order, even alone."""
    verdict = check([put("c1", "x", "1", 0, 10), get("c2", "x", "7", 5, 15)])
    assert not verdict.ok
    assert [o.index for o in verdict.minimal] == [1]


def test_real_time_order_of_writes():
    """After put 1 and then put 2 (sequential), a get may not see 1; if put 2 overlaps the
    get, it may (put 2 takes effect after the get)."""
    assert not check([put("c1", "x", "1", 0, 10), put("c1", "x", "2", 20, 30),
                      get("c2", "x", "1", 40, 50)]).ok
    assert check([put("c1", "x", "1", 0, 10), put("c1", "x", "2", 20, 45),
                  get("c2", "x", "1", 40, 50)]).ok


def test_equal_moments_are_concurrent():
    """A return and a call at the same moment overlap (as in Porcupine): the get called at 10,
    when the put returned, may still read the old value; one called at 11 may not."""
    assert check([put("c1", "x", "1", 0, 10), get("c2", "x", "", 10, 20)]).ok
    assert not check([put("c1", "x", "1", 0, 10), get("c2", "x", "", 11, 20)]).ok


def test_tuple_moments():
    """(simulated time, step) moments: events in one millisecond stay ordered by step."""
    assert not check([put("c1", "x", "1", (5, 1), (5, 2)), get("c2", "x", "", (5, 3), (6, 1))]).ok
    assert check([put("c1", "x", "1", (5, 1), (5, 4)), get("c2", "x", "", (5, 3), (6, 1))]).ok
    assert check([put("c1", "x", "1", [5, 1], [5, 4])]).ok        # JSON lists are tuples


def test_moments_are_written_as_the_history_s_own_values_print():
    """The explanation, the picture's words and its tooltips write a moment with ``str()``: a
    moment type of the caller's own says what it means; plain tuples and numbers print as
    themselves, and a float keeps its digits (":g" wrote 12345.67 as 12345.7)."""
    class At(tuple):
        def __str__(self):
            return f"{self[0]} ms (step {self[1]})"

    history = [put("c1", "x", "1", At((5, 1)), At((5, 2))), get("c2", "x", "", At((5, 3)),
                                                                  At((6, 1)))]
    verdict = check(history)
    text = verdict.explanation + verdict.description + verdict.svg()
    assert "called at 5 ms (step 3), returned at 6 ms (step 1)" in verdict.explanation
    assert "must take effect before it returned, at 6 ms (step 1);" in verdict.explanation
    assert "from 5 ms (step 1) to 5 ms (step 2)" in verdict.description
    assert "(5, " not in text and "(6, " not in text
    plain = check([put("c1", "x", "1", (5, 1), (5, 2)), get("c2", "x", "", (5, 3), (6, 1))])
    assert "called at (5, 3), returned at (6, 1)" in plain.explanation
    floats = check([put("c1", "x", "1", 0.0, 12345.67), get("c2", "x", "", 12346.0, 12350.25)])
    assert "called at 12346, returned at 12350.25" in floats.explanation


def test_pending_operation_that_must_be_taken():
    """A put that never returned may have taken effect: a later get may see its value, and
    once seen it stays (a second get may not go back to the empty key)."""
    assert check([put("c1", "x", "1", 0, None), get("c2", "x", "1", 10, 20)]).ok
    verdict = check([put("c1", "x", "1", 0, None), get("c2", "x", "1", 10, 20),
                     get("c2", "x", "", 30, 40)])
    assert not verdict.ok
    assert [o.index for o in verdict.linearized] == [0, 1]


def test_pending_operation_that_must_not_be_taken():
    """A pending append may also never take effect: here no get ever sees its "a", so the
    order found leaves it out (taking it after every get would be the same)."""
    verdict = check([append("c1", "x", "a", 0, None), append("c2", "x", "b", 10, 20),
                     get("c3", "x", "b", 30, 40), append("c2", "x", "c", 50, 60),
                     get("c3", "x", "bc", 70, 80)])
    assert verdict.ok
    assert [o.index for o in verdict.orders["x"]] == [1, 2, 3, 4]
    assert "Of the 1 that never returned, the order found has 0 take effect" in str(verdict)


def test_pending_operation_takes_effect_only_after_its_call():
    """A put that never returned cannot explain a get that finished before it was called."""
    assert not check([get("c2", "x", "1", 0, 10), put("c1", "x", "1", 20, None)]).ok


def test_pending_reads_are_ignored():
    """A get that never returned says nothing, whatever its recorded output."""
    assert check([put("c1", "x", "1", 0, 10), get("c2", "x", "junk", 20, None)]).ok


def test_keys_are_checked_apart_and_the_first_failing_key_explained():
    """P-compositionality: each key is its own history. The key that fails first in time is
    explained; the others that fail are listed."""
    verdict = check([put("c1", "y", "1", 0, 10), get("c2", "y", "", 20, 30),
                     put("c1", "x", "1", 1, 2), get("c2", "x", "1", 3, 4),
                     put("c3", "z", "1", 5, 6), get("c3", "z", "2", 7, 8)])
    assert not verdict.ok
    assert verdict.key == "y" and verdict.failing == ("y", "z")
    assert "x" in verdict.orders
    assert "Other failing keys: 'z'" in verdict.explanation


def test_register_cas_anomalies():
    """Register: a cas fails only when the value differs; two cas(0→1) cannot both succeed;
    a read after a successful cas sees its new value."""
    assert check([write("c1", 0, 0, 10), cas("c2", 0, 1, True, 20, 30), read("c3", 1, 40, 50)],
                 "register").ok
    verdict = check([write("c1", 1, 0, 10), cas("c2", 1, 2, False, 20, 30)], "register")
    assert not verdict.ok and [o.index for o in verdict.minimal] == [0, 1]
    both = check([write("c1", 0, 0, 10), cas("c2", 0, 1, True, 20, 30),
                  cas("c3", 0, 1, True, 25, 35)], "register")
    assert not both.ok
    assert both.state == "the register holds 1"
    assert not check([write("c1", 0, 0, 10), cas("c2", 0, 1, True, 20, 30),
                      read("c3", 0, 40, 50)], "register").ok
    assert check([read("c1", None, 0, 10), cas("c2", None, 3, True, 20, 30)], "register").ok
    assert check([cas("c1", 5, 6, False, 0, 10), cas("c1", 5, 6, None, 20, None)],
                 "register").ok       # a pending cas's output is unknown


def test_register_pending_cas_takes_effect_or_not():
    """A pending cas that matched may have set the value or not."""
    base = [write("c1", 0, 0, 10), cas("c2", 0, 1, None, 20, None)]
    assert check(base + [read("c3", 1, 30, 40)], "register").ok
    assert check(base + [read("c3", 0, 30, 40)], "register").ok
    assert not check(base + [read("c3", 2, 30, 40)], "register").ok


class Queue(Model):
    """A third model in a few lines: a FIFO queue (enqueue v; dequeue → v, or None if empty)."""

    name = "queue"
    operations = ("enqueue", "dequeue")

    def init(self):
        return ()

    def step(self, state, op):
        if op.f == "enqueue":
            return True, state + (op.value,)
        if op.pending:
            return True, state[1:]
        if not state:
            return op.output is None, state
        return op.output == state[0], state[1:]


def test_a_third_model_is_a_small_class():
    """Any Model subclass with init and step works, with the default (single) partition."""
    enq = lambda c, v, a, b: op(c, "enqueue", None, v, None, a, b)
    deq = lambda c, v, a, b: op(c, "dequeue", None, None, v, a, b)
    assert check([enq("a", 1, 0, 10), enq("b", 2, 0, 10), deq("c", 2, 20, 30),
                  deq("c", 1, 40, 50)], Queue).ok
    verdict = check([enq("a", 1, 0, 10), enq("b", 2, 20, 30), deq("c", 2, 40, 50)], Queue())
    assert not verdict.ok and verdict.key is None
    assert verdict.state == "the state is (1, 2)"
    assert "queue model" in verdict.explanation
    assert "dequeue()→2" in verdict.svg()


def test_doctest_of_the_package():
    """The example at the top of raft/linearizability/__init__.py runs as written."""
    assert doctest.testmod(lin, optionflags=doctest.ELLIPSIS).failed == 0


# -- random histories ----------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["kv", "register"])
def test_real_sequential_executions_always_pass(model):
    """Histories of a real sequential execution with random concurrent windows and timeouts
    are linearizable; the order the checker gives replays correctly and respects real time."""
    for seed in range(60):
        rng = random.Random(seed)
        history = random_history(seed, model, clients=rng.randint(1, 8), ops=rng.randint(1, 150),
                                 keys=rng.randint(1, 3), timeout=rng.choice([0, 0.1, 0.3]),
                                 values=rng.randint(2, 6))
        verdict = check(history, model)
        assert verdict.ok, f"seed={seed}: {verdict.explanation}"
        for key, order in verdict.orders.items():
            assert valid_order(history, order, model), f"seed={seed} key={key}"


@pytest.mark.parametrize("model, values", [("kv", 3), ("kv", None), ("register", 3)])
def test_verdicts_agree_with_brute_force(model, values):
    """Small histories, one output corrupted or not: the checker agrees with trying every
    order; a failing verdict's set is 1-minimal (by brute force) and its longest order is as
    long as the longest that brute force can build. Few values make many orders possible;
    new values (None) let the kv model leave out the pending writes no get saw."""
    fails = 0
    for seed in range(400):
        rng = random.Random(seed)
        history = random_history(seed, model, clients=rng.randint(1, 4), ops=rng.randint(1, 7),
                                 keys=rng.randint(1, 2), timeout=0.25, values=values)
        if rng.random() < 0.7:
            history = corrupt(history, rng, model)
        verdict = check(history, model)
        assert verdict.ok == brute(history, model), f"seed={seed}"
        if verdict.ok:
            continue
        fails += 1
        chosen = [history[o.index] for o in verdict.minimal]
        assert not brute(chosen, model), f"seed={seed}"
        for k in range(len(chosen)):
            assert brute(chosen[:k] + chosen[k + 1:], model), f"seed={seed}: not 1-minimal"
        part = [o for o in history if model != "kv" or o["key"] == verdict.key]
        pending = sum(1 for o in verdict.linearized if o.pending)
        assert (len(verdict.linearized) - pending, -pending) == longest_brute(part, model), \
            f"seed={seed}"
        assert verdict.blocked not in verdict.linearized and not verdict.blocked.pending
    assert fails > 100                 # the corruption does produce violations to compare


def test_explanations_of_big_histories_are_1_minimal():
    """On longer histories with one corrupted output, removing any one operation of the
    explanation makes it linearizable (checked with the checker itself, then the small set
    again by brute force)."""
    found = stories = 0
    for seed in range(25):
        rng = random.Random(1000 + seed)
        model = rng.choice(["kv", "register"])
        history = corrupt(random_history(seed, model, clients=4, ops=200, keys=2, timeout=0.05),
                          rng, model)
        verdict = check(history, model)
        if verdict.ok:
            continue
        found += 1
        chosen = [history[o.index] for o in verdict.minimal]
        assert not check(chosen, model).ok and not brute(chosen, model), f"seed={seed}"
        if verdict.in_the_way is not None:         # the blocked read fits there, but ...
            k, later = verdict.fits_after, verdict.linearized[verdict.fits_after:]
            state = verdict.model.init()
            for o in verdict.linearized[:k]:
                state = verdict.model.step(state, o)[1]
            assert verdict.model.step(state, verdict.blocked)[0], f"seed={seed}"
            assert verdict.in_the_way in later, f"seed={seed}"
            assert verdict.in_the_way.ret < verdict.blocked.call, f"seed={seed}"
            stories += 1
        for k in range(len(chosen)):
            assert check(chosen[:k] + chosen[k + 1:], model).ok, f"seed={seed}"
    assert found >= 10 and stories >= 3


def test_the_search_gives_up_when_asked():
    """max_states bounds the search: too many overlapping writes is an error, not a hang."""
    history = random_history(3, "kv", clients=30, ops=300, keys=1)
    with pytest.raises(HistoryError, match="gave up after trying 50 configurations"):
        check(history, "kv", max_states=50)


# -- bad input -----------------------------------------------------------------------------------

GOOD = put("c1", "x", "1", 0, 10)


def with_(**changes):
    o = dict(GOOD)
    o.update(changes)
    return o


def without(field):
    return {k: v for k, v in GOOD.items() if k != field}


@pytest.mark.parametrize("history, model, index, field, words", [
    ([GOOD, without("ret")], "kv", 1, "ret", "operation #1 (client 'c1') has no 'ret'"),
    ([without("client")], "kv", 0, "client", "has no 'client'"),
    ([without("key")], "kv", 0, "key", "has no 'key'"),
    ([without("output")], "kv", 0, "output", "has no 'output'"),
    ([with_(ret=5, call=7)], "kv", 0, "ret", "'ret' 5 is before 'call' 7"),
    ([with_(f="delete")], "kv", 0, "f", "unknown f 'delete'; the 'kv' model knows 'get', 'put'"),
    ([with_(f="put", value=3)], "kv", 0, "value", "put needs a string 'value', got 3"),
    ([with_(key=7)], "kv", 0, "key", "'key' must be a string, got 7"),
    ([get("c", "x", None, 0, 1)], "kv", 0, "output", "a get that returned has a string 'output'"),
    ([with_(call="soon")], "kv", 0, "call", "'call' must be a number or a tuple of numbers"),
    ([with_(call=float("nan"))], "kv", 0, "call", "got nan"),
    ([with_(call=True)], "kv", 0, "call", "got True"),
    ([GOOD, with_(call=(1, 2), ret=(3, 4))], "kv", 1, "call", "earlier operations' moments are "
                                                             "plain numbers"),
    ([with_(client=["a"])], "kv", 0, "client", "'client' must be a name or a number"),
    ([cas("c", 1, 2, True, 0, 1) | {"value": 1}], "register", 0, "value",
     "a cas needs 'value' = [expected, new], got 1"),
    ([cas("c", 1, 2, True, 0, 1) | {"value": [1, 2, 3]}], "register", 0, "value",
     "got [1, 2, 3]"),
    ([cas("c", 1, 2, "yes", 0, 1)], "register", 0, "output", "'output' True or False, got 'yes'"),
    ([write("c", None, 0, 1)], "register", 0, "value", "a write needs a 'value'"),
    ([write("c", [1], 0, 1)], "register", 0, "value", "'value' must be hashable"),
    ([read("c", {"a": 1}, 0, 1)], "register", 0, "output", "'output' must be hashable"),
    ([with_(f="read")], "kv", 0, "f", "unknown f 'read'"),
    ([GOOD, "put x 1"], "kv", 1, None, "operation #1 is not a mapping"),
])
def test_malformed_histories_name_the_operation_and_field(history, model, index, field, words):
    """raft/linearizability/history.py and models.py: a clear HistoryError, never a wrong
    verdict; it names the operation's position and the field at fault."""
    with pytest.raises(HistoryError) as caught:
        check(history, model)
    assert caught.value.index == index and caught.value.field == field
    assert words in str(caught.value)
    assert isinstance(caught.value, (RaftError, ValueError))


def test_bad_history_and_model_arguments():
    """Not a list, or an unknown model name."""
    for history in ("put x 1", {"ops": []}, 42):
        with pytest.raises(HistoryError, match="a history is a list of operations"):
            check(history)
    with pytest.raises(ConfigurationError, match="unknown model 'queue'"):
        check([], "queue")
    assert check([], "kv").ok


def test_pending_outputs_are_not_validated():
    """A pending operation's output is unknown, so it is not checked (nor used)."""
    assert check([cas("c", 1, 2, "?", 0, None)], "register").ok
    assert read_history([get("c", "x", 5, 0, None)], lin.KeyValue())[0].output is None


# -- the picture and the words -------------------------------------------------------------------

def parse(svg):
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def test_svg_is_well_formed_and_marks_the_culprit():
    """The timeline parses as XML, has a title and a description for screen readers, one bar
    per operation shown, and the operation that cannot be placed drawn in vermillion with ✗."""
    verdict = check([put("c1", "x", "1", 0, 10), get("c2", "x", "", 20, 30),
                     put("c3", "y", "<&>", 0, 10)])
    for view in ("context", "minimal", "key", "all"):
        root = parse(verdict.svg(view))
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title.text == "Not linearizable on key 'x'"
        assert "get(x)→\"\", from 20 to 30: marked ✗" in desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        bars = root.findall(f".//{SVG}rect")
        assert len(bars) == (3 if view == "all" else 2), view
        texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
        assert "✗ get(x)→\"\"" in texts and "1. put(x,\"1\")" in texts
        culprit = [g for g in root.iter(f"{SVG}g")
                   if g.find(f"{SVG}title") is not None
                   and "get(x)" in g.find(f"{SVG}title").text]
        assert culprit[0].find(f"{SVG}rect").get("stroke") == "#D55E00"
    assert 'put(y,"<&>")' in "".join(parse(verdict.svg("all")).itertext())
    assert verdict.describe("context") == verdict.description


def test_svg_is_readable_on_a_phone():
    """Text is at least 12.5 user units in a picture at most 360 units wide, so at least 12 px
    when a 390 px phone shows it across its ~350 px column; pending bars are dashed."""
    verdict = check(random_history(5, "kv", clients=6, ops=40, keys=1, timeout=0.2))
    root = parse(verdict.svg())
    assert float(root.get("viewBox").split()[2]) <= 360
    sizes = [float(t.get("font-size")) for t in root.iter(f"{SVG}text")]
    assert sizes and min(sizes) >= 12.5
    assert any(r.get("stroke-dasharray") for r in root.iter(f"{SVG}rect"))
    assert "(no reply)" in "".join(root.itertext())


def test_pictures_are_deterministic_and_ids_distinct():
    """Same history, same SVG; two different pictures never share element ids."""
    a = check([put("c1", "x", "1", 0, 10), get("c2", "x", "", 20, 30)])
    b = check([put("c1", "x", "2", 0, 10), get("c2", "x", "", 20, 30)])
    assert a.svg() == check([put("c1", "x", "1", 0, 10), get("c2", "x", "", 20, 30)]).svg()
    ids = lambda svg: {e.get("id") for e in parse(svg).iter() if e.get("id")}
    assert ids(a.svg()) and not ids(a.svg()) & ids(b.svg())


def test_linearizable_picture_numbers_the_order():
    """For a linearizable one-key history the picture numbers the order found."""
    verdict = check([put("c1", "x", "1", 0, 10), get("c2", "x", "1", 5, 30)])
    texts = ["".join(t.itertext()) for t in parse(verdict.svg()).iter(f"{SVG}text")]
    assert texts[0] == "Linearizable: an order that works"
    assert "1. put(x,\"1\")" in texts and "2. get(x)→\"1\"" in texts
    assert "<pre" in verdict._repr_html_() and "<svg" in verdict._repr_html_()
    with pytest.raises(ValueError, match="view must be"):
        verdict.svg("everything")


# -- command line, dependencies ------------------------------------------------------------------

def test_command_line(tmp_path, capsys):
    """python -m raft.linearizability FILE: exit 0 when linearizable, 1 when not (with the
    explanation and an optional SVG), 2 for bad input."""
    good, bad, broken = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "broken.json"
    good.write_text(json.dumps([put("c1", "x", "1", 0, 10)]))
    bad.write_text(json.dumps([put("c1", "x", "1", 0, 10), get("c2", "x", "", 20, 30)]))
    broken.write_text(json.dumps([with_(ret=-1)]))
    assert main([str(good)]) == 0
    assert main([str(bad), "--svg", str(tmp_path / "out.svg")]) == 1
    assert "Not linearizable on key 'x'" in capsys.readouterr().out
    parse((tmp_path / "out.svg").read_text())
    assert main([str(broken)]) == 2
    assert "'ret' -1 is before 'call' 0" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.json")]) == 2


def test_standard_library_only():
    """The checker runs in Pyodide: its modules import only the standard library and
    raft.errors (importing raft.viz would pull in ipywidgets)."""
    folder = Path(lin.__file__).parent
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    continue
                names = [("raft." if node.level == 2 else "") + (node.module or "")]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in sys.stdlib_module_names or name == "raft.errors", \
                    f"{path.name} imports {name}"


def test_search_reports_what_it_explored():
    """linearize() on one partition: the order, and how many configurations it tried."""
    ops = read_history([put("c1", "x", "1", 0, 10), get("c2", "x", "1", 5, 30)], lin.KeyValue())
    found = linearize(ops, lin.KeyValue())
    assert found.ok and [o.index for o in found.order] == [0, 1] and found.explored == 2
