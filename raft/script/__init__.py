"""Scenario files: text <-> a cluster's setup, actions and expectations (:mod:`.scenario`).

``raft.scenario`` is the public name of :mod:`raft.script.scenario`. This layer imports the
simulator and the layers below it.
"""
