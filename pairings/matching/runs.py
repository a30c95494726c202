"""Match runs as services: start one, execute it (read, score, solve, write), accept or reject its proposals."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pairings import services
from pairings.models import JobStatus, MatchObjective, MatchRun, Pairing, PairingStatus
from programs.models import (
    Competency,
    Enrolment,
    EnrolmentStatus,
    Organization,
    OrganizationKind,
    PreviousPairPolicy,
    Program,
    ProgramStatus,
    Role,
    validate_matching_weights,
)

from . import scoring, solver

logger = logging.getLogger(__name__)

# Runs with at most this many mentee × mentor cells finish inside the request that starts them.
INLINE_CELLS = 20_000
# Up to this many mentee × mentor cells every pair is a candidate: the result is the exact optimum.
EXACT_CELLS = 1_000_000
# A pending or running run older than this is presumed lost and no longer blocks a new one.
STALE_AFTER = timedelta(hours=1)
# How many unmatched mentees a run lists by name in its statistics (the counts cover all).
UNMATCHED_LISTED = 500

UNMATCHED_REASONS = {
    "no_allowed_mentor": lambda: _("No mentor with free places is allowed by the program's rules"),
    "below_minimum_score": lambda: _("Every allowed mentor scores below the program's minimum"),
    "capacity": lambda: _("Every suitable mentor's places went to better-scoring pairs"),
}

FIXED = Q(status=PairingStatus.ACTIVE) | Q(status=PairingStatus.PROPOSED, is_pinned=True)
PAIRED_BEFORE = (PairingStatus.ACTIVE, PairingStatus.COMPLETED, PairingStatus.DISSOLVED)


def start_match_run(
    program: Program, *, by, objective: str = MatchObjective.PARTICIPATION, weights: dict | None = None
) -> MatchRun:
    """Create a run of the program's matching and start it once committed; one run per program at a time."""
    if objective not in MatchObjective.values:
        raise ValidationError({"objective": _("Choose highest participation or highest total score.")})
    if program.status == ProgramStatus.CLOSED:
        raise ValidationError(_("The program is closed."))
    merged = {**program.weights, **(weights or {})}
    validate_matching_weights(merged)
    if not any(merged.values()):
        raise ValidationError({"weights": _("At least one matching weight must be above zero.")})
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        busy = MatchRun.objects.filter(
            program=program,
            status__in=[JobStatus.PENDING, JobStatus.RUNNING],
            created_at__gte=timezone.now() - STALE_AFTER,
        )
        if busy.exists():
            raise ValidationError(_("A match run of this program is already under way; wait for it to finish."))
        run = MatchRun.objects.create(program=program, objective=objective, weights=merged, started_by=by)
        if _runs_inline(program):
            transaction.on_commit(lambda: execute_match_run(run.pk))
        else:
            # Recorded with the run: published once this commits, or by the outbox sweep if Redis is down.
            from reports import outbox

            outbox.enqueue("pairings.tasks.run_match", run.pk)
    run.refresh_from_db()
    return run


def _runs_inline(program: Program) -> bool:
    """Small programs are matched inside the request that starts the run; larger ones by a worker."""
    cells = Enrolment.objects.filter(program=program, status=EnrolmentStatus.ACTIVE).aggregate(
        mentees=Count("id", filter=Q(role=Role.MENTEE)), mentors=Count("id", filter=Q(role=Role.MENTOR))
    )
    return cells["mentees"] * cells["mentors"] <= INLINE_CELLS


@dataclass
class Population:
    mentees: scoring.People
    mentors: scoring.People
    rules: scoring.PairRules
    fixed: int


def _days(dates: list) -> np.ndarray:
    return np.array(dates, dtype="datetime64[D]").astype(np.float64)


def _ancestors(paths: Iterable[str]) -> dict[str, tuple[int, int]]:
    """For each organization path: (township id, district id) of its nearest ancestors of those kinds, or -1."""
    steplen = Organization.steplen
    paths = set(paths)
    prefixes = {path[:end] for path in paths for end in range(steplen, len(path) + 1, steplen)}
    kinds = dict.fromkeys(prefixes)
    for path, kind, pk in Organization.objects.filter(
        path__in=prefixes, kind__in=[OrganizationKind.TOWNSHIP, OrganizationKind.DISTRICT]
    ).values_list("path", "kind", "id"):
        kinds[path] = (kind, pk)
    result = {}
    for path in paths:
        township = district = -1
        for end in range(steplen, len(path) + 1, steplen):
            found = kinds.get(path[:end])
            if found and found[0] == OrganizationKind.TOWNSHIP:
                township = found[1]
            elif found and found[0] == OrganizationKind.DISTRICT:
                district = found[1]
        result[path] = (township, district)
    return result


def _people(rows: list[tuple], bits: dict[int, int], competency_rows: Iterable[tuple[int, int]]) -> scoring.People:
    ancestors = _ancestors(row[3] for row in rows)
    enrolment = np.array([row[0] for row in rows], dtype=np.int64)
    mask = np.zeros(len(rows), dtype=np.uint64)
    index = {pk: i for i, pk in enumerate(enrolment.tolist())}
    targets, values = [], []
    for enrolment_id, competency_id in competency_rows:
        if enrolment_id in index and competency_id in bits:
            targets.append(index[enrolment_id])
            values.append(np.uint64(1) << np.uint64(bits[competency_id]))
    if targets:
        np.bitwise_or.at(mask, np.array(targets), np.array(values, dtype=np.uint64))
    return scoring.People(
        enrolment=enrolment,
        person=np.array([row[1] for row in rows], dtype=np.int64),
        unit=np.array([row[2] for row in rows], dtype=np.int64),
        township=np.array([ancestors[row[3]][0] for row in rows], dtype=np.int64),
        district=np.array([ancestors[row[3]][1] for row in rows], dtype=np.int64),
        category=np.array([scoring.CATEGORY_INDEX.get(row[4], 0) for row in rows], dtype=np.int16),
        work_start=_days([row[5] for row in rows]),
        birth=_days([row[6] for row in rows]),
        competencies=mask,
    )


def competency_bits() -> dict[int, int]:
    """Competency id → bit position in the masks (the first 64 competencies in their order)."""
    return {
        pk: bit
        for bit, pk in enumerate(Competency.objects.order_by("position", "code").values_list("id", flat=True)[:64])
    }


def competency_names() -> dict[int, str]:
    """Bit position → competency name in the active language, for explanations."""
    bits = competency_bits()
    return {bits[c.pk]: c.name for c in Competency.objects.filter(pk__in=bits)}


def load_population(program: Program) -> Population:
    """Everything a run needs from the database, in a fixed number of queries whatever the program's size."""
    fields = (
        "id",
        "person_id",
        "person__organization_id",
        "person__organization__path",
        "category",
        "person__work_start_date",
        "person__birth_date",
        "capacity",
    )
    enrolments = Enrolment.objects.filter(program=program, status=EnrolmentStatus.ACTIVE).order_by("id")
    fixed_pairs = Pairing.objects.filter(FIXED, program=program)
    mentee_rows = list(
        enrolments.filter(role=Role.MENTEE).exclude(pk__in=fixed_pairs.values("mentee_id")).values_list(*fields)
    )
    load = dict(fixed_pairs.values("mentor_id").annotate(n=Count("id")).values_list("mentor_id", "n"))
    mentor_rows = []
    free = []
    for row in enrolments.filter(role=Role.MENTOR).values_list(*fields):
        places = (row[7] or program.mentor_capacity) - load.get(row[0], 0)
        if places > 0:
            mentor_rows.append(row)
            free.append(places)
    bits = competency_bits()
    through_needs = Enrolment.needs.through.objects.filter(
        enrolment__program=program, enrolment__role=Role.MENTEE
    ).values_list("enrolment_id", "competency_id")
    through_strengths = Enrolment.strengths.through.objects.filter(
        enrolment__program=program, enrolment__role=Role.MENTOR
    ).values_list("enrolment_id", "competency_id")
    mentees = _people(mentee_rows, bits, through_needs.iterator(chunk_size=20_000))
    mentors = _people(mentor_rows, bits, through_strengths.iterator(chunk_size=20_000))
    mentors.capacity = np.array(free, dtype=np.int64)
    return Population(mentees, mentors, _pair_rules(program, mentees, mentors), fixed=sum(load.values()))


def _pair_rules(program: Program, mentees: scoring.People, mentors: scoring.People) -> scoring.PairRules:
    mentee_row = {pk: i for i, pk in enumerate(mentees.enrolment.tolist())}
    mentor_row = {pk: i for i, pk in enumerate(mentors.enrolment.tolist())}
    excluded, penalised = [], []
    # Banned pairs (rejected before) and open hand-made proposals, which a new proposal would duplicate.
    blocked = Pairing.objects.filter(program=program).filter(
        Q(status=PairingStatus.REJECTED) | Q(status=PairingStatus.PROPOSED, is_pinned=False, match_run__isnull=True)
    )
    for mentor_id, mentee_id in blocked.values_list("mentor_id", "mentee_id"):
        if mentor_id in mentor_row and mentee_id in mentee_row:
            excluded.append((mentee_row[mentee_id], mentor_row[mentor_id]))
    if program.previous_pair_policy != PreviousPairPolicy.ALLOW:
        people = Enrolment.objects.filter(program=program).values("person_id")
        mentee_person = {pk: i for i, pk in enumerate(mentees.person.tolist())}
        mentor_person = {pk: i for i, pk in enumerate(mentors.person.tolist())}
        before = Pairing.objects.filter(
            status__in=PAIRED_BEFORE, mentor__person_id__in=people, mentee__person_id__in=people
        ).values_list("mentor__person_id", "mentee__person_id")
        target = excluded if program.previous_pair_policy == PreviousPairPolicy.EXCLUDE else penalised
        for first, second in before.iterator(chunk_size=20_000):
            for mentor_person_id, mentee_person_id in ((first, second), (second, first)):
                if mentee_person_id in mentee_person and mentor_person_id in mentor_person:
                    target.append((mentee_person[mentee_person_id], mentor_person[mentor_person_id]))

    def arrays(pairs):
        unique = np.unique(np.array(pairs, dtype=np.int64).reshape(-1, 2), axis=0)
        return unique[:, 0].copy(), unique[:, 1].copy()

    return scoring.PairRules(*arrays(excluded), *arrays(penalised), same_district_only=program.require_same_district)


def _set_progress(run_id: int, progress: int) -> None:
    MatchRun.objects.filter(pk=run_id).update(progress=progress)


def _claim(run_id: int) -> MatchRun | None:
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().select_related("program").filter(pk=run_id).first()
        if run is None or run.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return None
        run.status, run.started_at, run.progress, run.error = JobStatus.RUNNING, timezone.now(), 1, ""
        run.save(update_fields=["status", "started_at", "progress", "error"])
    return run


def execute_match_run(run_id: int) -> MatchRun | None:
    """Read the program, score, solve and write proposals; a finished (or deleted) run is never executed again."""
    run = _claim(run_id)
    if run is None:
        return MatchRun.objects.filter(pk=run_id).first()
    try:
        _execute(run)
    except Exception as exc:
        logger.exception("Match run %s failed", run_id)
        if isinstance(exc, ValidationError):
            reason = " ".join(exc.messages)
        elif isinstance(exc, solver.SolverError):
            reason = _("The solver could not find an assignment.")
        else:
            reason = _("The run stopped on an unexpected error: %(error)s") % {"error": exc}
        MatchRun.objects.filter(pk=run_id).update(status=JobStatus.FAILED, error=reason, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def _execute(run: MatchRun) -> None:
    program = run.program
    timings: dict[str, float] = {}
    began = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    population = load_population(program)
    mentees, mentors = population.mentees, population.mentors
    lap("read")
    _set_progress(run.pk, 10)

    by_score = run.objective == MatchObjective.SCORE
    min_score = max(program.min_match_score, 1 / solver.SCALE) if by_score else -1.0
    reported = [10]

    def on_block(done: int, total: int) -> None:
        progress = 10 + int(60 * done / total)
        if progress - reported[0] >= 10:
            reported[0] = progress
            _set_progress(run.pk, progress)

    exact = len(mentees) * len(mentors) <= EXACT_CELLS
    pruning = {"per_mentee": len(mentors), "per_mentor": len(mentees)} if exact else {}
    candidates = scoring.candidate_pairs(
        mentees, mentors, run.weights, population.rules, min_score=min_score, on_block=on_block, **pruning
    )
    lap("score")
    _set_progress(run.pk, 75)

    assignment = solver.solve(
        candidates.mentee,
        candidates.mentor,
        candidates.score,
        mentors.capacity if mentors.capacity is not None else np.zeros(0, np.int64),
        n_mentees=len(mentees),
        objective=run.objective,
    )
    chosen_mentee = candidates.mentee[assignment.chosen]
    chosen_mentor = candidates.mentor[assignment.chosen]
    chosen_score = candidates.score[assignment.chosen].astype(np.float64)
    lap("solve")
    _set_progress(run.pk, 85)

    penalised_keys = set(
        (population.rules.penalised_mentee * max(len(mentors), 1) + population.rules.penalised_mentor).tolist()
    )
    keys = chosen_mentee * max(len(mentors), 1) + chosen_mentor
    penalised = np.array([key in penalised_keys for key in keys.tolist()], dtype=bool)
    explanations = scoring.explain_pairs(mentees, mentors, chosen_mentee, chosen_mentor, run.weights, penalised)
    now = timezone.now()
    proposals = [
        Pairing(
            program_id=program.pk,
            mentor_id=int(mentors.enrolment[j]),
            mentee_id=int(mentees.enrolment[i]),
            status=PairingStatus.PROPOSED,
            match_score=round(float(s), 4),
            match_explanation=explanation,
            match_run_id=run.pk,
            created_at=now,
        )
        for i, j, s, explanation in zip(
            chosen_mentee.tolist(), chosen_mentor.tolist(), chosen_score.tolist(), explanations, strict=True
        )
    ]
    stats = _stats(population, candidates, chosen_mentee, chosen_score, by_score)
    with transaction.atomic():
        # One writer per program: a second run's proposals never interleave with these.
        Program.objects.select_for_update().filter(pk=program.pk).first()
        Pairing.objects.filter(
            program=program, status=PairingStatus.PROPOSED, is_pinned=False, match_run__isnull=False
        ).exclude(match_run=run)._raw_delete(Pairing.objects.db)
        Pairing.objects.filter(match_run=run, status=PairingStatus.PROPOSED, is_pinned=False)._raw_delete(
            Pairing.objects.db
        )
        # A hand-made proposal of the same pair may have appeared since the read; it stands, ours is dropped.
        Pairing.objects.bulk_create(proposals, batch_size=2_000, ignore_conflicts=True)
        lap("write")
        timings["total"] = round(time.perf_counter() - began, 3)
        MatchRun.objects.filter(pk=run.pk).update(
            status=JobStatus.SUCCEEDED, progress=100, stats=stats, timings=timings, finished_at=timezone.now()
        )


def _stats(population: Population, candidates, chosen_mentee, chosen_score, by_score: bool) -> dict:
    mentees = population.mentees
    n = len(mentees)
    matched = np.zeros(n, dtype=bool)
    matched[chosen_mentee] = True
    has_candidate = np.zeros(n, dtype=bool)
    has_candidate[candidates.mentee] = True
    eligible = np.zeros(n, dtype=bool)
    eligible[candidates.eligible] = True
    reasons = np.where(
        ~eligible, "no_allowed_mentor", np.where(~has_candidate & by_score, "below_minimum_score", "capacity")
    )
    unmatched_rows = np.flatnonzero(~matched)
    counts = {reason: int((reasons[unmatched_rows] == reason).sum()) for reason in UNMATCHED_REASONS}
    total = float(chosen_score.sum())
    return {
        "mentees_considered": n,
        "mentors_considered": len(population.mentors),
        "free_places": int(population.mentors.capacity.sum()) if population.mentors.capacity is not None else 0,
        "kept_fixed": population.fixed,
        "candidate_pairs": len(candidates.mentee),
        "matched": int(matched.sum()),
        "unmatched": len(unmatched_rows),
        "unmatched_by_reason": {reason: count for reason, count in counts.items() if count},
        "unmatched_mentees": [
            {"enrolment": int(mentees.enrolment[row]), "reason": str(reasons[row])}
            for row in unmatched_rows[:UNMATCHED_LISTED]
        ],
        "total_score": round(total, 4),
        "mean_score": round(total / len(chosen_score), 4) if len(chosen_score) else None,
    }


def unmatched_reason_label(code: str) -> str:
    return str(UNMATCHED_REASONS[code]()) if code in UNMATCHED_REASONS else code


@dataclass
class ReviewResult:
    """What a review did: the pairings changed, and those left as they were with the reason."""

    done: list[int] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)


def _open_proposals(run: MatchRun, ids: Iterable[int] | Literal["all"]):
    proposals = (
        run.proposals.filter(status=PairingStatus.PROPOSED)
        .select_related("program", "mentor__person", "mentor__program", "mentee__person", "mentee__program")
        .order_by("-match_score", "id")
    )
    if ids == "all":
        return list(proposals), []
    wanted = list(dict.fromkeys(int(pk) for pk in ids))
    found = list(proposals.filter(pk__in=wanted))
    missing = set(wanted) - {p.pk for p in found}
    reason = _("This is not an open proposal of this match run.")
    return found, [{"pairing": pk, "reason": reason} for pk in wanted if pk in missing]


def accept_proposals(run: MatchRun, ids: Iterable[int] | Literal["all"], *, by) -> ReviewResult:
    """Activate proposals best score first, each through the pairing service, so nobody is over-filled;
    those the program's current state no longer allows are reported with the reason."""
    if run.status != JobStatus.SUCCEEDED:
        raise ValidationError(_("Only the proposals of a finished match run can be accepted."))
    proposals, failed = _open_proposals(run, ids)
    result = ReviewResult(failed=failed)
    for pairing in proposals:
        try:
            services.activate_pairing(pairing, by=by)
        except ValidationError as exc:
            result.failed.append({"pairing": pairing.pk, "reason": " ".join(exc.messages)})
        else:
            result.done.append(pairing.pk)
    return result


def reject_proposals(run: MatchRun, ids: Iterable[int], *, by, reason: str = "") -> ReviewResult:
    """Turn proposals down through the pairing service; later runs will not propose those pairs again."""
    proposals, failed = _open_proposals(run, ids)
    result = ReviewResult(failed=failed)
    for pairing in proposals:
        try:
            services.reject_pairing(pairing, by=by, reason=reason)
        except ValidationError as exc:
            result.failed.append({"pairing": pairing.pk, "reason": " ".join(exc.messages)})
        else:
            result.done.append(pairing.pk)
    return result
