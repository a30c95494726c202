"""Scoring and solving together: hard rules are never broken and the unpruned run is the brute-force optimum."""

from itertools import product

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pairings.matching import scoring, solver

WEIGHTS = {"proximity": 0.35, "fit": 0.35, "seniority": 0.15, "category": 0.15}


def people(draw, n, *, first_person):
    def ints(low, high):
        return np.array(draw(st.lists(st.integers(low, high), min_size=n, max_size=n)), dtype=np.int64)

    return scoring.People(
        enrolment=np.arange(n, dtype=np.int64),
        person=np.arange(first_person, first_person + n, dtype=np.int64),
        unit=ints(0, 3),
        township=ints(-1, 1),
        district=ints(-1, 1),
        category=ints(0, len(scoring.CATEGORIES) - 1).astype(np.int16),
        work_start=ints(0, 20 * 365).astype(np.float64),
        birth=ints(-30 * 365, -20 * 365).astype(np.float64),
        competencies=ints(0, 127).astype(np.uint64),
    )


@st.composite
def programs(draw):
    n_mentees, n_mentors = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    mentees = people(draw, n_mentees, first_person=0)
    mentors = people(draw, n_mentors, first_person=100)
    mentors.capacity = np.array(draw(st.lists(st.integers(1, 2), min_size=n_mentors, max_size=n_mentors)))
    cells = [(i, j) for i in range(n_mentees) for j in range(n_mentors)]
    excluded = draw(st.lists(st.sampled_from(cells), max_size=3, unique=True))
    penalised = draw(st.lists(st.sampled_from(cells), max_size=3, unique=True))
    rules = scoring.PairRules(
        np.array([c[0] for c in excluded], dtype=np.int64),
        np.array([c[1] for c in excluded], dtype=np.int64),
        np.array([c[0] for c in penalised], dtype=np.int64),
        np.array([c[1] for c in penalised], dtype=np.int64),
        same_district_only=draw(st.booleans()),
    )
    return mentees, mentors, rules, set(excluded), set(penalised)


def pair_score(mentees, mentors, i, j, penalised):
    one = scoring.criterion_values(mentees.take([i]), mentors.take([j]))
    score = float(scoring.combine(one, scoring.normalised_weights(WEIGHTS))[0])
    return score * scoring.PREVIOUS_PAIR_FACTOR if (i, j) in penalised else score


def allowed(mentees, mentors, rules, excluded, i, j):
    if (i, j) in excluded:
        return False
    if rules.same_district_only:
        return mentees.district[i] == mentors.district[j] and mentees.district[i] >= 0
    return True


@settings(max_examples=200, deadline=None)
@given(programs())
def test_an_unpruned_run_reaches_the_brute_force_optimum_without_breaking_a_hard_rule(program):
    mentees, mentors, rules, excluded, penalised = program
    n, m = len(mentees), len(mentors)
    found = scoring.candidate_pairs(mentees, mentors, WEIGHTS, rules, per_mentee=m, per_mentor=n)
    chosen = solver.solve(found.mentee, found.mentor, found.score, mentors.capacity, n_mentees=n).chosen
    pairs = list(zip(found.mentee[chosen].tolist(), found.mentor[chosen].tolist(), strict=True))

    assert all(allowed(mentees, mentors, rules, excluded, i, j) for i, j in pairs)
    assert (np.bincount([j for _, j in pairs], minlength=m) <= mentors.capacity).all()
    best = (0, 0)
    options = [[None] + [j for j in range(m) if allowed(mentees, mentors, rules, excluded, i, j)] for i in range(n)]
    for choice in product(*options):
        taken = [j for j in choice if j is not None]
        if (np.bincount(taken, minlength=m) <= mentors.capacity).all():
            total = sum(
                round(pair_score(mentees, mentors, i, j, penalised) * solver.SCALE)
                for i, j in enumerate(choice)
                if j is not None
            )
            best = max(best, (len(taken), total))
    total = sum(round(pair_score(mentees, mentors, i, j, penalised) * solver.SCALE) for i, j in pairs)
    assert (len(pairs), total) == best
