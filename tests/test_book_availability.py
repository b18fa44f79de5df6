"""The availability maths of the consensus chapter (raft/book/availability.py)."""

import math
import statistics

import pytest

from raft import Cluster, NotLeader
from raft.book.availability import (cluster_availability, majority, nines,
                                    simulate_availability)


def test_majority_of_small_clusters():
    assert [majority(n) for n in range(1, 8)] == [1, 2, 2, 3, 3, 4, 4]
    with pytest.raises(ValueError):
        majority(0)


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.73, 0.99, 1.0])
def test_formula_matches_closed_forms(p):
    """One server is up with probability p; three need two: 3p^2 - 2p^3."""
    assert cluster_availability(1, p) == pytest.approx(p)
    assert cluster_availability(3, p) == pytest.approx(3 * p**2 - 2 * p**3)
    # Five servers, at least three up, counted by hand.
    five = 10 * p**3 * (1 - p) ** 2 + 5 * p**4 * (1 - p) + p**5
    assert cluster_availability(5, p) == pytest.approx(five)


def test_half_is_a_fixed_point_and_larger_clusters_amplify():
    """At p = 1/2 every odd cluster is up half the time; above it more servers help, below
    it they hurt."""
    for n in (1, 3, 5, 7):
        assert cluster_availability(n, 0.5) == pytest.approx(0.5)
    for small, big in ((1, 3), (3, 5), (5, 7)):
        assert cluster_availability(big, 0.9) > cluster_availability(small, 0.9)
        assert cluster_availability(big, 0.3) < cluster_availability(small, 0.3)


def test_shared_component_caps_availability():
    assert cluster_availability(7, 0.999, shared=0.99) < 0.99


@pytest.mark.parametrize("n,p", [(1, 0.7), (3, 0.6), (5, 0.8), (7, 0.55)])
def test_simulation_agrees_with_formula(n, p):
    """Twenty seeded runs (seeds 0-19): their mean is within four standard errors of the
    formula, and so is a single run within a few percent."""
    runs = [simulate_availability(n, p, seed=s, cycles=400) for s in range(20)]
    mean, se = statistics.mean(runs), statistics.stdev(runs) / math.sqrt(len(runs))
    assert abs(mean - cluster_availability(n, p)) < 4 * se + 1e-9
    assert abs(simulate_availability(n, p, seed=1, cycles=3000)
               - cluster_availability(n, p)) < 0.03


def test_simulation_with_shared_component():
    """A shared component multiplies availability by its own, in simulation too (seed 3)."""
    sim = simulate_availability(3, 0.9, seed=3, cycles=4000, shared=0.8)
    assert sim == pytest.approx(0.8 * cluster_availability(3, 0.9), abs=0.03)
    assert sim < 0.85


def test_simulation_is_deterministic_and_checks_arguments():
    assert simulate_availability(5, 0.9, seed=7, cycles=50) == \
        simulate_availability(5, 0.9, seed=7, cycles=50)
    with pytest.raises(ValueError):
        simulate_availability(3, 1.0, seed=0)
    with pytest.raises(ValueError):
        cluster_availability(3, 1.5)


def test_nines():
    assert nines(0.999) == pytest.approx(3)
    assert nines(1.0) == math.inf


@pytest.mark.parametrize("down", [0, 1, 2, 3])
def test_raft_commits_exactly_when_a_majority_is_up(down):
    """The model's premise, checked on the simulator (seed 5): with f = 2 of 5 servers down
    a command still commits; with 3 down it does not."""
    c = Cluster(size=5, seed=5)
    c.elect(1)
    for i in range(5, 5 - down, -1):
        c.crash(i)
    index = c.submit("x=1")
    c.run(1_000)
    assert (c.nodes[1].commit_index >= index) == (down <= 2)
    if down <= 2:
        assert all(c.state_machine(i) == {"x": "1"} for i in range(1, 6 - down))
    else:
        assert c.state_machine(1) == {}
        # ... and once the stalled leader is gone, nobody can be elected either.
        c.crash(1)
        c.run(2_000)
        assert c.leader() is None
        with pytest.raises(NotLeader):
            c.submit("y=2")
