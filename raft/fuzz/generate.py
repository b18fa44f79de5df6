"""Random schedules: a seed and a *profile* (how often each kind of action comes up, how long
runs last) give a schedule; the same seed and profile always give the same schedule."""

from __future__ import annotations

import random

from ..errors import ConfigurationError
from ..node import MAX_ENTRIES_PER_MESSAGE
from ..sim.actions import (ANY, LEADER, OLD_LEADER, Action, Add, Compact, Crash, Heal, Isolate, Members,
                           Network, Partition, Promote, Reboot, Remove, Restart, Run, Setup,
                           Submit, TakeOver)
from .schedule import Schedule


#: The kinds of action a profile weighs (a profile's ``weights`` keys), in the order the
#: generator offers them to its random draws: fixed, so that a profile always gives the same
#: schedules. Each is the scenario line it produces, "N" standing for a random server id.
#: A schedule's early election is a take-over ("takeover N": its RequestVote passes the §6 guard,
#: as every forced election did before they were separated from leadership transfers), so a
#: schedule can provoke an election at any moment. Kinds added later come last; a profile that
#: does not use them draws as before.
PROFILE_KINDS = ("crash", "crash leader", "heal", "isolate", "isolate leader", "members",
                 "network", "partition", "reboot", "reboot leader", "restart any", "run",
                 "submit", "submit to old-leader", "takeover",
                 "add N", "add N nonvoter", "promote N", "remove N", "remove leader", "compact")
#: Older names of kinds, still read in profiles.
PROFILE_ALIASES = {"crash_leader": "crash leader", "isolate_leader": "isolate leader",
                "reboot_leader": "reboot leader", "restart": "restart any",
                "submit_old": "submit to old-leader", "timeout": "takeover",
                "add": "add N", "add_nonvoter": "add N nonvoter", "promote": "promote N",
                "remove": "remove N", "remove_leader": "remove leader"}

DEFAULT_PROFILE = dict(size=5, length=14,
                       weights={"run": 4, "submit": 3, "crash": 1, "crash leader": 1,
                                "restart any": 2, "isolate": 1, "isolate leader": 1, "heal": 2,
                                "takeover": 1, "partition": 1, "network": 1},
                       run_ms=(10, 300))


def _weights(weights):
    """A profile's weights by kind, in PROFILE_KINDS order (an unknown kind is an error)."""
    named = {}
    for kind, weight in weights.items():
        name = PROFILE_ALIASES.get(kind, kind)
        if name not in PROFILE_KINDS:
            raise ConfigurationError(f"unknown action kind {kind!r} in profile (known: "
                                     f"{', '.join(PROFILE_KINDS)})")
        named[name] = weight
    return ([k for k in PROFILE_KINDS if k in named],
            [named[k] for k in PROFILE_KINDS if k in named])


def generate(seed, profile=None):
    """A random schedule from ``seed``, biased by ``profile`` (a dict; see DEFAULT_PROFILE).

    Profile keys: ``size``, ``length`` (number of actions), ``weights`` (kind -> weight; the
    kinds are :data:`PROFILE_KINDS`), ``run_ms`` (range of a run), ``pause`` (probability that
    a run follows each other action), ``initial`` (actions put first: Action values or scenario
    lines), ``warmup`` (ms run next; default 300), ``network`` (name -> (low, high) range for
    drop/duplicate/reorder, or a tuple of latency ranges), ``election_timeout``,
    ``max_entries``, ``fast_backoff`` and ``snapshot_threshold`` (cluster options: a value, or a
    tuple of values to choose from for each seed). Keys and kinds added later draw from the generator only when a
    profile uses them, so the schedules of older profiles stay the same."""
    p = dict(DEFAULT_PROFILE)
    p.update(profile or {})
    rng = random.Random(f"schedule-{seed}")
    size = p["size"]
    kinds, weights = _weights(p["weights"])
    low, high = p["run_ms"]
    actions = []
    values = 0
    pause = p.get("pause", 0.8)
    for action in p.get("initial", ()):
        # fixed opening actions, e.g. a network setting
        actions.append(Action.parse(action) if isinstance(action, str) else action)
    if p.get("warmup", 300):
        actions.append(Run(float(p.get("warmup", 300))))  # time to elect a first leader
    on_server = {"crash": Crash, "isolate": Isolate, "takeover": TakeOver, "reboot": Reboot,
                 "compact": Compact}
    for _ in range(p["length"]):
        if actions and not isinstance(actions[-1], Run) and rng.random() < pause:
            actions.append(Run(float(rng.randint(int(low), int(high)))))
            continue
        kind = rng.choices(kinds, weights)[0]
        if kind == "run":
            actions.append(Run(float(rng.randint(int(low), int(high)))))
        elif kind in ("submit", "submit to old-leader"):
            values += 1
            command = f"{rng.choice('xyz')}={values}"
            actions.append(Submit(command, OLD_LEADER if kind != "submit" else None))
        elif kind in on_server:
            actions.append(on_server[kind](rng.randint(1, size)))
        elif kind in ("crash leader", "isolate leader", "reboot leader"):
            actions.append(on_server[kind.split()[0]](LEADER))
        elif kind == "restart any":
            actions.append(Restart(ANY))
        elif kind == "heal":
            actions.append(Heal())
        elif kind == "members":
            # A new set of voters drawn from the servers and two spare ids (new servers):
            # growing, shrinking, or replacing servers, possibly removing the leader.
            pool = list(range(1, size + 3))
            count = rng.randint(max(1, size - 2), min(len(pool), size + 1))
            actions.append(Members(tuple(sorted(rng.sample(pool, count)))))
        elif kind in ("add N", "add N nonvoter"):
            # Single-server changes (§4.1): a new server (one of two spare ids), or back one
            # that was removed.
            actions.append(Add(rng.randint(size + 1, size + 2) if rng.random() < 0.7
                               else rng.randint(1, size), kind == "add N"))
        elif kind == "promote N":
            actions.append(Promote(rng.randint(size + 1, size + 2)))
        elif kind == "remove N":
            spare = 2 if {"add N", "add N nonvoter"} & set(kinds) else 0   # added later
            actions.append(Remove(rng.randint(1, size + spare)))
        elif kind == "remove leader":
            actions.append(Remove(LEADER))
        elif kind == "partition":
            ids = list(range(1, size + 1))
            rng.shuffle(ids)
            cut = rng.randint(1, size - 1)
            actions.append(Partition((tuple(sorted(ids[:cut])), tuple(sorted(ids[cut:])))))
        else:   # network
            net = p.get("network") or dict(drop=(0.0, 0.2), duplicate=(0.0, 0.2),
                                           reorder=(0.0, 0.3))
            settings = {}
            for name in ("drop", "duplicate", "reorder"):
                if name in net:
                    a, b = net[name]
                    settings[name] = round(rng.uniform(a, b), 2)
            if "latency" in net:
                settings["latency"] = rng.choice(net["latency"])
            actions.append(Network(**settings))
    # Cluster options: a value, or a tuple of values to choose from for each seed (with a
    # generator of their own, so that the actions do not depend on them).
    options = {}
    for name, default in (("max_entries", MAX_ENTRIES_PER_MESSAGE), ("fast_backoff", False),
                          ("snapshot_threshold", None)):
        value = p.get(name, default)
        if isinstance(value, tuple):
            value = random.Random(f"{name}-{seed}").choice(value)
        options[name] = value
    setup = Setup(size=size, seed=seed,
                  election_timeout=tuple(p.get("election_timeout", (150, 300))),
                  max_entries_per_message=options["max_entries"],
                  fast_backoff=options["fast_backoff"],
                  snapshot_threshold=options["snapshot_threshold"])
    return Schedule(setup, tuple(actions))
