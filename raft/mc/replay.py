"""A run of the model checker, replayed on a :class:`~raft.sim.manual.ManualCluster`.

Each action of the run becomes one call on a cluster in which nothing happens by itself
(``deliver`` of the flight carrying the message, after ``duplicate`` if the network keeps a
copy; ``fire``; ``run`` for a wait; ``crash``; ``restart``; ``submit``; ``change_membership``),
followed by ``drop`` for each message the action's overflowing link loses, so the cluster's
``scenario_text()`` is the run in the scenario language and ``raft.viz.play`` animates it. With
``check=True`` the cluster is compared with the search's own state after every action (each
server's attributes, clock readings relative to the cluster's clock; its disk; the messages in
flight, but for the dead replies that the search forgets and the simulator keeps: see
``Checker.dead``): the replay is the proof that the model and the simulator agree on the run.
"""

from __future__ import annotations

from ..sim.manual import ManualCluster
from .rules import EXCEPTION
from .state import ABSENT, DOWN


class ReplayDiverged(AssertionError):
    """The simulator did not end up where the model checker said it would."""


def replay(checker, actions, *, check=True):
    """The cluster after ``actions`` (a violation's run) from the initial state. If the last
    action raised in the node's code, the cluster stops just before it."""
    cluster = ManualCluster(node_class=checker.node_class, **checker.cluster_options)
    state = checker.initial_state()
    if check:
        _compare(checker, cluster, state, 0, None)
    for k, action in enumerate(actions, 1):
        if check:
            state, breach = _successor(checker, state, action)
            if breach is not None and breach[0] == EXCEPTION:
                break
        _do(cluster, action)
        if check:
            _compare(checker, cluster, state, k, action)
    return cluster


def _successor(checker, state, action):
    want = checker.numbered(action)
    for a, succ, _changed, _hist, _inside, breach in checker.successors(state):
        if a == want:
            return succ, breach
    raise ReplayDiverged(f"the action {action!r} is not enabled in the search's state")


def _flight(cluster, msg):
    for f in sorted(cluster._flights.values(), key=lambda f: f.id):
        if type(f.msg) is type(msg) and f.msg == msg:
            return f.id
    raise ReplayDiverged(f"no message {msg!r} on the network")


def _do(cluster, action):
    kind = action[0]
    if kind == "lose":
        _do(cluster, action[2])
        for msg in action[1]:
            cluster.drop(_flight(cluster, msg))
    elif kind == "deliver":
        flight = _flight(cluster, action[1])
        if action[2:] == ("keep",):
            cluster.duplicate(flight)
        cluster.deliver(flight)
    elif kind == "fire":
        cluster.fire(action[1])
    elif kind == "wait":
        cluster.run(cluster.pause)
    elif kind == "crash":
        cluster.crash(action[1])
    elif kind == "restart":
        cluster.restart(action[1])
    elif kind == "submit":
        _, node, k = action
        cluster.submit(f"x={k}", node=node, client_id="client", seq=k)
    elif kind == "members":
        cluster.change_membership(action[1])
    elif kind == "add":
        cluster.add_server(action[1], voter=action[2])
    elif kind == "promote":
        cluster.promote(action[1])
    elif kind == "remove":
        cluster.remove_server(action[1])
    else:
        raise ValueError(f"unknown action {action!r}")


def _compare(checker, cluster, state, k, action):
    where = f"after action {k} ({action!r})" if action else "at the start"
    for slot in range(1, checker.U + 1):
        s = checker.servers[state[slot - 1]]
        if s.kind == ABSENT:
            if slot in cluster.nodes:
                raise ReplayDiverged(f"{where}: S{slot} exists in the cluster, not in the search")
            continue
        disk = cluster.disks.get(slot)
        if disk is None:
            raise ReplayDiverged(f"{where}: S{slot} is missing from the cluster")
        on_disk = (disk.current_term, disk.voted_for, tuple(disk.log))
        if s.kind == DOWN:
            if slot not in cluster.crashed or on_disk != s.disk:
                raise ReplayDiverged(f"{where}: S{slot} should be down with disk {s.disk}, "
                                     f"is {'down' if slot in cluster.crashed else 'up'} with "
                                     f"{on_disk}")
            continue
        if slot in cluster.crashed:
            raise ReplayDiverged(f"{where}: S{slot} should be up")
        frozen = checker.codecs[slot].freeze(cluster.nodes[slot], cluster.now)
        if frozen != s.frozen:
            diff = [name for name, a, b in zip(frozen[0], frozen[1], s.frozen[1]) if a != b]
            raise ReplayDiverged(f"{where}: S{slot} differs from the search's state in "
                                 f"{diff or 'its attributes'}")
        if on_disk != (s.disk or (s.term, s.vote, s.log)):
            raise ReplayDiverged(f"{where}: S{slot}'s disk {on_disk} differs from the search's")
    net = [checker.msg_number(f.msg) for f in cluster._flights.values()]
    if checker.forget:   # dead replies stay on the simulator's network, not in the search's
        net = [m for m in net if not checker.dead(m, state[checker.msg_dst[m]])]
    if tuple(sorted(net)) != state[checker.U + 2:]:
        raise ReplayDiverged(f"{where}: the messages in flight differ from the search's")
