"""How often is a majority of the servers up? The availability maths of the consensus chapter.

Theory of operation
-------------------
A cluster of ``n`` servers that needs a majority (``n // 2 + 1``) is *available* while at
least a majority of its servers is up. If each server is up with probability ``p``,
independently of the others, the number of servers up is binomial, and

    A(n, p) = sum over k from m to n of  C(n, k) p^k (1 - p)^(n - k),   with m = n // 2 + 1.

:func:`cluster_availability` computes that formula. :func:`simulate_availability` checks it
without using it: every server alternates between up periods and repair periods of random,
exponentially distributed lengths (mean repair time ``mttr``, mean time to failure chosen so
that the server is up a fraction ``p`` of the time), independently of the others, and we
measure the fraction of time a majority was up. An optional *shared* component (a power
feed, a network switch, a bad software release) takes every server down at once while it is
down; that breaks the independence assumption on purpose.

Both functions answer "is a majority up?", which is necessary for a Raft cluster to make
progress but not sufficient: a majority must also be able to reach each other and elect a
leader, and while a new leader is being elected the cluster is briefly unavailable even with
every server up.
"""

from __future__ import annotations

import math
import random

__all__ = ["majority", "cluster_availability", "simulate_availability", "nines"]


def majority(n: int) -> int:
    """The number of servers that makes a majority of ``n``."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"a cluster has a positive whole number of servers, got {n!r}")
    return n // 2 + 1


def cluster_availability(n: int, p: float, shared: float = 1.0) -> float:
    """Probability that a majority of ``n`` independent servers, each up with probability
    ``p``, is up; times ``shared``, the availability of a component they all depend on."""
    _check_probability("p", p)
    _check_probability("shared", shared)
    m = majority(n)
    return shared * sum(math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(m, n + 1))


def simulate_availability(n: int, p: float, *, seed: int, cycles: int = 2000,
                          mttr: float = 1.0, shared: float | None = None) -> float:
    """Fraction of simulated time during which a majority of ``n`` servers was up.

    Each server independently alternates up and down periods, exponentially distributed
    with means ``mttr * p / (1 - p)`` (up) and ``mttr`` (down), so it is up a fraction ``p``
    of the time. The run lasts ``cycles`` mean up-and-down cycles of one server and starts
    from the long-run state (each server up with probability ``p``). ``shared``, if given,
    is the availability of one more component, with the same repair time, whose failure
    takes every server down. Deterministic for a given ``seed``.
    """
    _check_probability("p", p)
    if not 0 < p < 1:
        raise ValueError("simulate a server that sometimes fails and sometimes works: 0 < p < 1")
    if shared is not None:
        _check_probability("shared", shared)
        if not 0 < shared < 1:
            raise ValueError("the shared component's availability must be in (0, 1)")
    if cycles < 1:
        raise ValueError("cycles must be at least 1")
    rng = random.Random(seed)
    need = majority(n)
    horizon = cycles * mttr / (1 - p)          # one mean cycle is mttf + mttr = mttr / (1 - p)

    events = []                                # (time, component, becomes_up)
    up = []
    components = [p] * n + ([shared] if shared is not None else [])
    for c, avail in enumerate(components):
        mean_up, mean_down = mttr * avail / (1 - avail), mttr
        state = rng.random() < avail
        up.append(state)
        t = 0.0
        while True:
            # Exponential periods are memoryless, so the first period from time 0 has the
            # same distribution as a whole one: the run starts in the long-run state.
            t += rng.expovariate(1 / (mean_up if state else mean_down))
            if t >= horizon:
                break
            state = not state
            events.append((t, c, state))
    events.sort()

    servers_up = sum(up[:n])
    shared_up = up[n] if shared is not None else True
    available_time, last = 0.0, 0.0
    for t, c, becomes_up in events:
        if shared_up and servers_up >= need:
            available_time += t - last
        last = t
        if c == n:
            shared_up = becomes_up
        else:
            servers_up += 1 if becomes_up else -1
    if shared_up and servers_up >= need:
        available_time += horizon - last
    return available_time / horizon


def nines(availability: float) -> float:
    """Availability as a number of nines: 0.999 is 3 nines, 0.9995 about 3.3."""
    _check_probability("availability", availability)
    return math.inf if availability == 1 else -math.log10(1 - availability)


def _check_probability(name, value):
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a probability between 0 and 1, got {value!r}")
