"""Scoring mentees against mentors over NumPy arrays, in blocks, keeping a sparse set of candidates.

Every criterion gives a value in [0, 1]; the score of a pair is the weighted mean of the values with the
program's weights, so it is in [0, 1] too. Hard rules (banned pairs, people paired before when the
program excludes them, other districts when the program asks for one district, nobody with themself)
make a pair impossible; a pair of people paired before is halved when the program penalises it.

Scoring is exact for every pair; what is kept is decided by pruning (see :func:`candidate_pairs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from programs.models import MATCHING_CRITERIA, EnrolmentCategory

CATEGORIES: tuple[str, ...] = tuple(EnrolmentCategory.values)
CATEGORY_INDEX = {code: index for index, code in enumerate(CATEGORIES)}

# How well a kind of mentor suits a kind of mentee (Huzhou implementation opinion: new village
# secretaries learn from respected old secretaries, selected graduates from county leaders, new
# entrants from township veterans...). Pairs not listed get the default.
CATEGORY_FIT_DEFAULT = 0.3
CATEGORY_FIT: dict[tuple[str, str], float] = {
    ("new_village_leader", "old_village_secretary"): 1.0,
    ("new_village_leader", "governance_master"): 0.9,
    ("new_village_leader", "revitalisation_leader"): 0.8,
    ("new_village_leader", "township_veteran"): 0.6,
    ("new_entrant", "township_veteran"): 1.0,
    ("new_entrant", "business_backbone"): 0.9,
    ("new_entrant", "county_leader"): 0.5,
    ("frontline_trainee", "township_veteran"): 1.0,
    ("frontline_trainee", "governance_master"): 0.8,
    ("frontline_trainee", "revitalisation_leader"): 0.8,
    ("frontline_trainee", "old_village_secretary"): 0.7,
    ("organ_cadre", "township_veteran"): 0.9,
    ("organ_cadre", "old_village_secretary"): 0.8,
    ("organ_cadre", "governance_master"): 0.8,
    ("organ_cadre", "revitalisation_leader"): 0.7,
    ("selected_graduate", "county_leader"): 1.0,
    ("selected_graduate", "old_village_secretary"): 0.8,
    ("selected_graduate", "revitalisation_leader"): 0.8,
    ("selected_graduate", "township_veteran"): 0.7,
    ("other", "other"): 0.5,
}


def _category_matrix() -> np.ndarray:
    matrix = np.full((len(CATEGORIES), len(CATEGORIES)), CATEGORY_FIT_DEFAULT, dtype=np.float32)
    for (mentee, mentor), value in CATEGORY_FIT.items():
        matrix[CATEGORY_INDEX[mentee], CATEGORY_INDEX[mentor]] = value
    return matrix


CATEGORY_MATRIX = _category_matrix()

# Organisational proximity: same unit > same township > same district > further apart.
PROXIMITY_SAME_UNIT, PROXIMITY_SAME_TOWNSHIP, PROXIMITY_SAME_DISTRICT = 1.0, 0.6, 0.3
# A mentor with this many more years of service than the mentee earns the full seniority value.
SENIORITY_FULL_YEARS = 10.0
# A pair of people paired before keeps this share of its score under the "penalise" policy.
PREVIOUS_PAIR_FACTOR = 0.5
DAYS_PER_YEAR = 365.25


@dataclass
class People:
    """One side of the match as aligned arrays; ``competencies`` is a bit mask (needs or strengths)."""

    enrolment: np.ndarray  # int64 enrolment ids
    person: np.ndarray  # int64 person ids
    unit: np.ndarray  # int64 organization id
    township: np.ndarray  # int64 township ancestor id, or -1
    district: np.ndarray  # int64 district ancestor id, or -1
    category: np.ndarray  # int16 index into CATEGORIES
    work_start: np.ndarray  # float64 days since the epoch
    birth: np.ndarray  # float64 days since the epoch
    competencies: np.ndarray  # uint64 bit mask
    capacity: np.ndarray | None = None  # int64 free places (mentors only)

    def __len__(self) -> int:
        return len(self.enrolment)

    def take(self, rows) -> dict[str, np.ndarray]:
        return {
            name: getattr(self, name)[rows]
            for name in ("unit", "township", "district", "category", "work_start", "birth", "competencies")
        }


def normalised_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """The program's weights scaled to sum to one (criteria left out weigh nothing)."""
    raw = {name: float(weights.get(name, 0) or 0) for name in MATCHING_CRITERIA}
    total = sum(raw.values())
    if total <= 0:
        raise ValueError("At least one matching weight must be positive.")
    return {name: value / total for name, value in raw.items()}


def criterion_values(mentee: Mapping[str, np.ndarray], mentor: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each criterion's value in [0, 1] for broadcastable mentee and mentor arrays."""
    same_unit = mentee["unit"] == mentor["unit"]
    same_township = (mentee["township"] == mentor["township"]) & (mentee["township"] >= 0)
    same_district = (mentee["district"] == mentor["district"]) & (mentee["district"] >= 0)
    proximity = np.where(
        same_unit,
        PROXIMITY_SAME_UNIT,
        np.where(same_township, PROXIMITY_SAME_TOWNSHIP, np.where(same_district, PROXIMITY_SAME_DISTRICT, 0.0)),
    ).astype(np.float32)

    needs = mentee["competencies"]
    needed = np.bitwise_count(needs).astype(np.float32)
    covered = np.bitwise_count(needs & mentor["competencies"]).astype(np.float32)
    fit = np.divide(covered, needed, out=np.zeros(np.broadcast(covered, needed).shape, np.float32), where=needed > 0)

    gap_years = (mentee["work_start"] - mentor["work_start"]) / DAYS_PER_YEAR
    seniority = np.clip(gap_years / SENIORITY_FULL_YEARS, 0.0, 1.0).astype(np.float32)
    # A mentor younger than the mentee is an odd pair even with more years of service.
    seniority = np.where(mentor["birth"] > mentee["birth"], seniority * 0.5, seniority).astype(np.float32)

    category = CATEGORY_MATRIX[mentee["category"], mentor["category"]]
    return {"proximity": proximity, "fit": fit, "seniority": seniority, "category": category}


def combine(values: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    score = None
    for name in MATCHING_CRITERIA:
        if weights[name]:
            part = values[name] * np.float32(weights[name])
            score = part if score is None else score + part
    return score


@dataclass
class PairRules:
    """Sparse pair rules as (mentee row, mentor row) arrays; the district rule is applied densely."""

    excluded_mentee: np.ndarray
    excluded_mentor: np.ndarray
    penalised_mentee: np.ndarray
    penalised_mentor: np.ndarray
    same_district_only: bool = False

    @classmethod
    def none(cls) -> PairRules:
        empty = np.zeros(0, dtype=np.int64)
        return cls(empty, empty, empty, empty)


@dataclass
class Candidates:
    """The kept candidate pairs: rows into the mentee and mentor arrays and their scores."""

    mentee: np.ndarray
    mentor: np.ndarray
    score: np.ndarray
    # Mentee rows that had at least one allowed mentor before any minimum score.
    eligible: np.ndarray


def _rows_in_block(rows: np.ndarray, cols: np.ndarray, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    low, high = np.searchsorted(rows, [start, stop])
    return rows[low:high] - start, cols[low:high]


def _sorted_pairs(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(rows, kind="stable")
    return rows[order], cols[order]


def candidate_pairs(
    mentees: People,
    mentors: People,
    weights: Mapping[str, float],
    rules: PairRules,
    *,
    min_score: float = -1.0,
    per_mentee: int = 24,
    per_mentor: int = 8,
    block_cells: int = 4_000_000,
    on_block=None,
) -> Candidates:
    """Score all mentees × mentors block by block and keep a sparse, sufficient set of candidate pairs.

    Pruning: each mentee keeps its ``per_mentee`` best allowed mentors, and each mentor its
    ``per_mentor`` best allowed mentees (so no mentor with free places is cut off from everyone).
    When both sides have fewer people than these numbers nothing is pruned and the solver's answer
    is the exact optimum over all pairs. Otherwise the answer is optimal over the kept pairs; it can
    only differ from the global optimum when a mentee's every one of its ``per_mentee`` best mentors
    is filled by others who have no comparable alternative, and the next-best pair is not among any
    mentor's ``per_mentor`` best either — with capacities of a few places per mentor that needs a
    pile-up of dozens of mentees on the same mentors, and then the lost score is at most the gap
    between the kept and the pruned scores, which are the lowest of that mentee's scores. The trade:
    a graph of O((mentees + mentors) × 24) arcs instead of mentees × mentors, which keeps the
    30,000 × 12,000 case within seconds. Measured on the city benchmark (2,850 mentees × 1,360
    mentors, 3 places each): 68,663 kept arcs give the same total score as all 3,875,856 pairs, for
    both objectives (8 + 4 kept arcs lose 0.002 %). Runs up to ``runs.EXACT_CELLS`` cells are not pruned.
    """
    weights = normalised_weights(weights)
    n_mentees, n_mentors = len(mentees), len(mentors)
    empty = np.zeros(0, dtype=np.int64)
    if n_mentees == 0 or n_mentors == 0:
        return Candidates(empty, empty, np.zeros(0, np.float32), empty)
    ex_rows, ex_cols = _sorted_pairs(rules.excluded_mentee, rules.excluded_mentor)
    pen_rows, pen_cols = _sorted_pairs(rules.penalised_mentee, rules.penalised_mentor)
    mentor_side = mentors.take(slice(None))
    mentor_side = {name: value[None, :] for name, value in mentor_side.items()}
    keep_mentee = min(per_mentee, n_mentors)
    block = max(1, block_cells // n_mentors)
    kept_rows, kept_cols, kept_scores, eligible = [], [], [], []
    # Running best mentees per mentor: (per_mentor, n_mentors) of scores and mentee rows.
    best_scores = np.full((0, n_mentors), -np.inf, dtype=np.float32)
    best_rows = np.zeros((0, n_mentors), dtype=np.int64)
    for start in range(0, n_mentees, block):
        stop = min(start + block, n_mentees)
        mentee_side = {name: value[:, None] for name, value in mentees.take(slice(start, stop)).items()}
        score = combine(criterion_values(mentee_side, mentor_side), weights)
        if score.shape != (stop - start, n_mentors):
            score = np.broadcast_to(score, (stop - start, n_mentors)).astype(np.float32)
        rows, cols = _rows_in_block(pen_rows, pen_cols, start, stop)
        score[rows, cols] *= np.float32(PREVIOUS_PAIR_FACTOR)
        allowed = mentees.person[start:stop, None] != mentors.person[None, :]
        if rules.same_district_only:
            allowed &= (mentee_side["district"] == mentor_side["district"]) & (mentee_side["district"] >= 0)
        rows, cols = _rows_in_block(ex_rows, ex_cols, start, stop)
        allowed[rows, cols] = False
        eligible.append(np.flatnonzero(allowed.any(axis=1)) + start)
        allowed &= score >= np.float32(min_score)
        score[~allowed] = -np.inf

        if keep_mentee < n_mentors:
            top = np.argpartition(-score, keep_mentee - 1, axis=1)[:, :keep_mentee]
        else:
            top = np.broadcast_to(np.arange(n_mentors), (stop - start, n_mentors))
        top_scores = np.take_along_axis(score, top, axis=1)
        finite = np.isfinite(top_scores)
        kept_rows.append((np.nonzero(finite)[0] + start).astype(np.int64))
        kept_cols.append(top[finite].astype(np.int64))
        kept_scores.append(top_scores[finite])

        merged_scores = np.concatenate([best_scores, score], axis=0)
        merged_rows = np.concatenate(
            [best_rows, np.broadcast_to(np.arange(start, stop)[:, None], (stop - start, n_mentors))], axis=0
        )
        if merged_scores.shape[0] > per_mentor:
            pick = np.argpartition(-merged_scores, per_mentor - 1, axis=0)[:per_mentor]
            merged_scores = np.take_along_axis(merged_scores, pick, axis=0)
            merged_rows = np.take_along_axis(merged_rows, pick, axis=0)
        best_scores, best_rows = merged_scores, merged_rows
        if on_block is not None:
            on_block(stop, n_mentees)

    finite = np.isfinite(best_scores)
    rows = np.concatenate([*kept_rows, best_rows[finite]])
    cols = np.concatenate([*kept_cols, np.nonzero(finite)[1].astype(np.int64)])
    scores = np.concatenate([*kept_scores, best_scores[finite]])
    keys, first = np.unique(rows * n_mentors + cols, return_index=True)
    return Candidates(
        mentee=rows[first], mentor=cols[first], score=scores[first], eligible=np.concatenate(eligible).astype(np.int64)
    )


def explain_pairs(
    mentees: People,
    mentors: People,
    mentee_rows: np.ndarray,
    mentor_rows: np.ndarray,
    weights: Mapping[str, float],
    penalised: np.ndarray,
) -> list[list[dict]]:
    """Per-criterion contributions of chosen pairs, stored language-neutral (see :func:`describe`)."""
    weights = normalised_weights(weights)
    mentee_side, mentor_side = mentees.take(mentee_rows), mentors.take(mentor_rows)
    values = criterion_values(mentee_side, mentor_side)
    same_unit = mentee_side["unit"] == mentor_side["unit"]
    same_township = (mentee_side["township"] == mentor_side["township"]) & (mentee_side["township"] >= 0)
    same_district = (mentee_side["district"] == mentor_side["district"]) & (mentee_side["district"] >= 0)
    needs = mentee_side["competencies"]
    covered = needs & mentor_side["competencies"]
    gap = (mentee_side["work_start"] - mentor_side["work_start"]) / DAYS_PER_YEAR
    explanations = []
    for k in range(len(mentee_rows)):
        factor = PREVIOUS_PAIR_FACTOR if penalised[k] else 1.0
        place = (
            "same_unit"
            if same_unit[k]
            else "same_township"
            if same_township[k]
            else "same_district"
            if same_district[k]
            else "apart"
        )
        rows = [
            {"criterion": "proximity", "detail": place},
            {"criterion": "fit", "detail": "fit", "covered": _bits(covered[k]), "needed": _bits(needs[k])},
            {"criterion": "seniority", "detail": "gap", "years": round(float(gap[k]), 1)},
            {
                "criterion": "category",
                "detail": "category",
                "mentee": CATEGORIES[mentee_side["category"][k]],
                "mentor": CATEGORIES[mentor_side["category"][k]],
            },
        ]
        for row in rows:
            name = row["criterion"]
            row["value"] = round(float(values[name][k]), 3)
            row["weight"] = round(weights[name], 3)
            row["contribution"] = round(float(values[name][k]) * weights[name] * factor, 4)
        if penalised[k]:
            rows.append({"criterion": "previous", "detail": "paired_before", "factor": PREVIOUS_PAIR_FACTOR})
        explanations.append(rows)
    return explanations


def _bits(mask) -> list[int]:
    mask = int(mask)
    return [bit for bit in range(64) if mask >> bit & 1]


CRITERION_LABELS = {
    "proximity": lambda: _("Organisational proximity"),
    "fit": lambda: _("Strengths for needs"),
    "seniority": lambda: _("Seniority"),
    "category": lambda: _("Kind of mentor for kind of mentee"),
    "previous": lambda: _("Paired before"),
}


def describe(explanation: list[dict], competency_names: Mapping[int, str] | None = None) -> list[dict]:
    """The stored explanation in words HR understands, in the active language.

    Competency bits are positions in the ordered list of competencies; ``competency_names`` maps a
    bit to a name (see ``runs.competency_bits``).
    """
    names = competency_names or {}
    described = []
    for row in explanation or []:
        detail = row.get("detail")
        if detail == "same_unit":
            text = _("Same unit")
        elif detail == "same_township":
            text = _("Same township")
        elif detail == "same_district":
            text = _("Same district")
        elif detail == "apart":
            text = _("Different districts")
        elif detail == "fit":
            needed = row.get("needed", [])
            covered = row.get("covered", [])
            if not needed:
                text = _("The mentee has named no needs")
            elif not covered:
                text = _("None of the mentee's %(count)s needs is among the mentor's strengths") % {
                    "count": len(needed)
                }
            else:
                text = _("The mentor's strengths cover %(covered)s of %(needed)s needs: %(names)s") % {
                    "covered": len(covered),
                    "needed": len(needed),
                    "names": pgettext("list separator", ", ").join(str(names.get(bit, bit)) for bit in covered),
                }
        elif detail == "gap":
            years = row.get("years", 0)
            if years > 0:
                text = _("The mentor has %(years)s more years of service") % {"years": years}
            else:
                text = _("The mentor has no more years of service than the mentee")
        elif detail == "category":
            text = _("%(mentor)s for %(mentee)s") % {
                "mentor": EnrolmentCategory(row["mentor"]).label,
                "mentee": EnrolmentCategory(row["mentee"]).label,
            }
        elif detail == "paired_before":
            text = _("These two were paired before; the score is halved")
        else:
            text = str(detail)
        criterion = row.get("criterion", "")
        label = CRITERION_LABELS[criterion]() if criterion in CRITERION_LABELS else criterion
        described.append({**row, "label": str(label), "text": str(text)})
    return described
