"""The solver's assignment is the optimum: checked against brute force on many small random instances."""

from itertools import product

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pairings.matching.solver import PARTICIPATION, SCALE, SCORE, solve


@st.composite
def instances(draw):
    n_mentees = draw(st.integers(1, 5))
    n_mentors = draw(st.integers(1, 4))
    capacity = np.array(draw(st.lists(st.integers(0, 3), min_size=n_mentors, max_size=n_mentors)))
    arcs = [
        (i, j, draw(st.integers(1, SCALE)) / SCALE)
        for i in range(n_mentees)
        for j in range(n_mentors)
        if draw(st.booleans())
    ]
    mentee = np.array([a[0] for a in arcs], dtype=np.int64)
    mentor = np.array([a[1] for a in arcs], dtype=np.int64)
    score = np.array([a[2] for a in arcs], dtype=np.float64)
    return n_mentees, capacity, mentee, mentor, score


def brute_force(n_mentees, capacity, mentee, mentor, score):
    """Best (matched, total) and best total over every way to give each mentee one arc or none."""
    options = [[None] + [k for k in range(len(mentee)) if mentee[k] == i] for i in range(n_mentees)]
    best_participation, best_score = (0, 0), 0
    for choice in product(*options):
        load = np.zeros(len(capacity), dtype=np.int64)
        total = 0
        for k in choice:
            if k is not None:
                load[mentor[k]] += 1
                total += round(score[k] * SCALE)
        if (load > capacity).any():
            continue
        matched = sum(k is not None for k in choice)
        best_participation = max(best_participation, (matched, total))
        best_score = max(best_score, total)
    return best_participation, best_score


def outcome(n_mentees, capacity, mentee, mentor, score, objective):
    chosen = solve(mentee, mentor, score, capacity, n_mentees=n_mentees, objective=objective).chosen
    load = np.bincount(mentor[chosen], minlength=len(capacity))
    assert (load <= capacity).all(), "a mentor got more mentees than places"
    assert len(set(mentee[chosen].tolist())) == len(chosen), "a mentee got two mentors"
    return len(chosen), sum(round(score[k] * SCALE) for k in chosen)


@settings(max_examples=300, deadline=None)
@given(instances())
def test_highest_participation_matches_as_many_as_possible_then_maximises_the_total(instance):
    best_participation, _ = brute_force(*instance)
    assert outcome(*instance, PARTICIPATION) == best_participation


@settings(max_examples=300, deadline=None)
@given(instances())
def test_highest_total_score_equals_the_brute_force_optimum(instance):
    _, best_score = brute_force(*instance)
    assert outcome(*instance, SCORE)[1] == best_score


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 3))
def test_every_mentee_is_matched_when_capacity_allows_and_every_pair_is_possible(n_mentees, n_mentors, places):
    mentee, mentor = (a.ravel() for a in np.meshgrid(np.arange(n_mentees), np.arange(n_mentors), indexing="ij"))
    score = np.full(len(mentee), 0.01)
    capacity = np.full(n_mentors, places)
    matched, _ = outcome(n_mentees, capacity, mentee, mentor, score, PARTICIPATION)
    assert matched == min(n_mentees, n_mentors * places)


def test_highest_participation_prefers_two_modest_pairs_to_one_excellent_pair():
    # Mentee 0 scores 0.9 with the only mentor who also suits mentee 1 (0.2); mentee 0 also fits mentor 1 (0.1).
    mentee = np.array([0, 0, 1])
    mentor = np.array([0, 1, 0])
    score = np.array([0.9, 0.1, 0.2])
    capacity = np.array([1, 1])
    assert outcome(2, capacity, mentee, mentor, score, PARTICIPATION) == (2, 3000)
    assert outcome(2, capacity, mentee, mentor, score, SCORE) == (1, 9000)
