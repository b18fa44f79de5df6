"""Random histories of a real sequential execution, for tests, benchmarks and exercises.

Each client issues one operation at a time. An operation takes effect at one moment chosen at
random between its call and its return (its *linearization point*), and the outputs come from
replaying the operations in the order of those points: so every history made here is
linearizable. With probability ``timeout`` the client gives up on an operation (``ret`` None)
and waits before its next one; such an operation took effect or not, at random.
"""

from __future__ import annotations

import random


def random_history(seed, model="kv", clients=5, ops=200, keys=1, timeout=0.0, values=5):
    """A linearizable history of ``ops`` operations as a list of dicts (the form check() takes).

    ``model`` is 'kv' (get/put/append on ``keys`` keys named k0, k1, ...) or 'register'
    (read/write/cas). ``values`` is how many different values are written (the digits and
    letters for kv, the numbers 0 to ``values`` - 1 for the register); few values make many
    orders explain the same outputs, the hard case for a checker. With ``values=None`` every
    value written is new (``"<17>"``, ``"[c3.17]"``), as in MIT 6.824's tests. Moments are
    floats (ms).
    """
    if model not in ("kv", "register"):
        raise ValueError(f"random_history makes 'kv' or 'register' histories, not {model!r}")
    rng = random.Random(seed)
    free = [(0.0, c) for c in range(clients)]          # when each client can call next
    history, points = [], []
    for _ in range(ops):
        free.sort()
        start, c = free[0]
        call = start + rng.uniform(0.1, 2.0)
        took = call + rng.uniform(0.0, 6.0)
        ret = took + rng.uniform(0.0, 6.0)
        if model == "kv":
            f = rng.choice(("get", "put", "append"))
            key = f"k{rng.randrange(keys)}"
            if f == "get":
                value = None
            elif values is None:                       # unique, as in MIT 6.824's tests
                value = f"[{c}.{len(history)}]" if f == "append" else f"<{len(history)}>"
            else:
                value = (str(rng.randrange(values)) if f == "put"
                         else "abcdefghij"[rng.randrange(min(values, 10))])
        else:
            f = rng.choice(("read", "write", "cas"))
            key = None
            span = values if values is not None else 1 << 30
            value = {"read": None, "write": rng.randrange(span),
                     "cas": [rng.randrange(span), rng.randrange(span)]}[f]
        op = {"client": f"c{c}", "f": f, "key": key, "value": value, "output": None,
              "call": call, "ret": ret}
        if rng.random() < timeout:
            op["ret"] = None
            free[0] = (call + 20.0, c)                 # the client waits out its timeout
            if rng.random() < 0.5:
                took = None                             # the request was lost: no effect
        else:
            free[0] = (ret, c)
        history.append(op)
        if took is not None:
            points.append((took, len(history) - 1))
    state = {}
    for _, i in sorted(points):                         # replay in linearization order
        op = history[i]
        f, key, value = op["f"], op["key"], op["value"]
        if f in ("get", "read"):
            output = state.get(key, "" if f == "get" else None)
        elif f in ("put", "write"):
            state[key], output = value, None
        elif f == "append":
            state[key], output = state.get(key, "") + value, None
        else:
            output = state.get(key) == value[0]
            if output:
                state[key] = value[1]
        if op["ret"] is not None:
            op["output"] = output
    return history
