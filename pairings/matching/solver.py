"""The optimal assignment of mentees to mentors under capacities, as a min-cost flow (OR-Tools).

Pure functions over arrays, no ORM. The network is::

    source ──1──▶ mentee ──1, −score──▶ mentor ──capacity──▶ sink

Objectives:

* ``participation`` — the maximum number of mentees matched, and among all assignments that match
  that many, the highest total score (``SolveMaxFlowWithMinCost``).
* ``score`` — the highest total score, pairs below the program's minimum score being left out by the
  caller; a zero-cost bypass arc from source to sink lets a mentee stay unmatched when matching them
  would not raise the total, so the result is a maximum-weight b-matching.

Scores are fixed-point integers (``SCALE`` units per 1.0) because the solver works in integers; ties
closer than 1/SCALE are broken arbitrarily.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

PARTICIPATION = "participation"
SCORE = "score"
SCALE = 10_000


class SolverError(RuntimeError):
    pass


@dataclass
class Assignment:
    """Chosen arcs: indices into the candidate arrays given to :func:`solve`."""

    chosen: np.ndarray

    def __len__(self) -> int:
        return len(self.chosen)


def solve(
    mentee: np.ndarray,
    mentor: np.ndarray,
    score: np.ndarray,
    capacity: np.ndarray,
    *,
    n_mentees: int,
    objective: str = PARTICIPATION,
) -> Assignment:
    """Pick candidate arcs (mentee row, mentor row, score) so that each mentee has at most one mentor,
    each mentor at most ``capacity[row]`` mentees, and the objective is optimal."""
    if objective not in (PARTICIPATION, SCORE):
        raise ValueError(f"Unknown objective {objective!r}")
    mentee = np.asarray(mentee, dtype=np.int64)
    mentor = np.asarray(mentor, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.int64)
    n_mentors = len(capacity)
    usable = capacity[mentor] > 0 if len(mentor) else np.zeros(0, bool)
    arcs = np.flatnonzero(usable)
    if len(arcs) == 0:
        return Assignment(np.zeros(0, dtype=np.int64))
    source, sink = n_mentees + n_mentors, n_mentees + n_mentors + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    costs = -np.rint(np.asarray(score, dtype=np.float64)[arcs] * SCALE).astype(np.int64)
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        mentee[arcs], n_mentees + mentor[arcs], np.ones(len(arcs), dtype=np.int64), costs
    )
    people = np.arange(n_mentees, dtype=np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n_mentees, source, dtype=np.int64),
        people,
        np.ones(n_mentees, dtype=np.int64),
        np.zeros(n_mentees, np.int64),
    )
    mentors = np.arange(n_mentors, dtype=np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(
        n_mentees + mentors,
        np.full(n_mentors, sink, dtype=np.int64),
        np.maximum(capacity, 0),
        np.zeros(n_mentors, np.int64),
    )
    flow.set_nodes_supplies(np.array([source, sink]), np.array([n_mentees, -n_mentees]))
    if objective == PARTICIPATION:
        # Pushes as much of the supply as the network carries, at the least cost for that amount.
        status = flow.solve_max_flow_with_min_cost()
    else:
        flow.add_arc_with_capacity_and_unit_cost(source, sink, n_mentees, 0)
        status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"The min-cost-flow solver stopped with status {status}.")
    flows = flow.flows(pair_arcs)
    return Assignment(arcs[flows > 0])
