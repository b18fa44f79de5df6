"""A cluster in which nothing happens by itself (``manual=yes`` in a scenario's header).

:class:`ManualCluster` is a :class:`~raft.sim.cluster.Cluster` whose ``step()`` processes no
event: no message arrives and no timer fires unless an action says so. A message waits on the
network until it is delivered, dropped or duplicated (``duplicate #17``); a server's timer fires
only with ``fire 2``, which first lets :attr:`ManualCluster.pause` ms pass: longer than any
election timeout and than a membership change's catch-up rounds, so that every timer is due and
every clock reading a server keeps is long ago. ``run 300ms`` and ``clock`` only move the clock.

This is the cluster the model checker (:mod:`raft.mc`) replays its runs on, and the clock it
keeps is the one the checker's model assumes: all actions at one instant, except ``fire`` and
time passing. Latency only places messages in pictures: by default a message is drawn halfway
along its link after one pause.
"""

from __future__ import annotations

from dataclasses import replace

from ..node import LEADER, MAX_CATCH_UP_ROUNDS
from .actions import Duplicate, Fire
from .cluster import Cluster


class ManualCluster(Cluster):
    """A cluster that only does what it is told. Same arguments as :class:`Cluster`; without a
    ``latency``, messages are drawn as if they took two pauses to arrive."""

    def __init__(self, *args, latency=None, **kwargs):
        super().__init__(*args, latency=latency or (1, 1), **kwargs)
        self.pause = self.pause_for(self.election_timeout)
        if latency is None:
            latency = (2 * self.pause, 2 * self.pause)
            self._set_network(latency=latency)
        self.setup = replace(self.setup, latency=tuple(latency), manual=True)

    @staticmethod
    def pause_for(election_timeout):
        """How long "time passes" lasts: MAX_CATCH_UP_ROUNDS times the longest election
        timeout, so more than every clock threshold a server applies."""
        return MAX_CATCH_UP_ROUNDS * election_timeout[1]

    def step(self, until=None):
        return None   # nothing happens by itself

    def fire(self, i):
        """Let ``pause`` ms pass, then server ``i``'s timer fires (an election, or a leader's
        heartbeats)."""
        self._require_up(i)
        self._act(Fire(i))

    def duplicate(self, flight):
        """Put a second copy of a message on the network (a Flight or its id)."""
        flight = self._flight(flight)
        self._act(Duplicate(flight.id))

    def _do_fire(self, a, lenient):
        i = self._resolve(a.node, lenient)
        if i is None or (lenient and i in self.crashed):
            return False
        self.fire(i)

    def _do_duplicate(self, a, lenient):
        if lenient and a.message not in self._flights:
            return False
        self.duplicate(a.message)

    def _fire(self, a):
        i = a.node
        self._begin_step(self.now + self.pause)
        node = self.nodes[i]
        if node.role != LEADER:
            self._record("timeout", i)
        node.tick(self.now)
        self._drain(i)

    def _duplicate_now(self, a):
        self._begin_step()
        msg = self._flights[a.message].msg
        self._record_msg("duplicate", msg.dst, msg)
        self._launch(msg)

    _DO = {**Cluster._DO, Fire: _do_fire, Duplicate: _do_duplicate}
    _PERFORM = {**Cluster._PERFORM, Fire: _fire, Duplicate: _duplicate_now}
