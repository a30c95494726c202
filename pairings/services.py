"""Every write with a rule about pairings. Admin, API, pages, imports, matching and tasks call these.

Each service runs in one transaction and raises ``django.core.exceptions.ValidationError`` with a
message HR can read when a rule is broken; the database constraints are the last guarantee.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.models import Enrolment, EnrolmentStatus, ProgramStatus, Role

from .models import (
    Activity,
    ActivityDimension,
    Assessment,
    CompetencyScore,
    GrowthPlan,
    Pairing,
    PairingStatus,
    PracticeCase,
)

TRANSITIONS: dict[str, frozenset[str]] = {
    PairingStatus.PROPOSED: frozenset({PairingStatus.ACTIVE, PairingStatus.REJECTED}),
    PairingStatus.ACTIVE: frozenset({PairingStatus.COMPLETED, PairingStatus.DISSOLVED}),
    PairingStatus.COMPLETED: frozenset(),
    PairingStatus.DISSOLVED: frozenset(),
    PairingStatus.REJECTED: frozenset(),
}


def check_transition(pairing: Pairing, target: str) -> None:
    """A pairing moves only proposed → active → completed | dissolved, or proposed → rejected."""
    if target not in TRANSITIONS[pairing.status]:
        raise ValidationError(
            _("A %(current)s pairing cannot become %(target)s.")
            % {
                "current": PairingStatus(pairing.status).label,
                "target": PairingStatus(target).label,
            },
            code="illegal_transition",
        )


def validate_pair(mentor: Enrolment, mentee: Enrolment) -> None:
    """Both enrolments are active, in one open program, with the right roles, and two different people."""
    errors: dict[str, list[str]] = {}
    if mentor.role != Role.MENTOR:
        errors.setdefault("mentor", []).append(_("This enrolment is not a mentor."))
    if mentee.role != Role.MENTEE:
        errors.setdefault("mentee", []).append(_("This enrolment is not a mentee."))
    if mentor.program_id != mentee.program_id:
        errors.setdefault("mentee", []).append(_("The mentor and the mentee must be enrolled in the same program."))
    if mentor.person_id == mentee.person_id:
        errors.setdefault("mentee", []).append(_("Nobody can mentor themself."))
    if mentor.status != EnrolmentStatus.ACTIVE:
        errors.setdefault("mentor", []).append(_("The mentor's enrolment is not active."))
    if mentee.status != EnrolmentStatus.ACTIVE:
        errors.setdefault("mentee", []).append(_("The mentee's enrolment is not active."))
    if mentor.program.status == ProgramStatus.CLOSED:
        errors.setdefault("program", []).append(_("The program is closed."))
    if errors:
        raise ValidationError(errors)


def _record_actor(instance, by) -> None:
    if by is not None and getattr(by, "is_authenticated", False):
        instance._history_user = by


def _save(instance, by=None) -> None:
    """Save, turning a constraint violation that raced past validation into a ValidationError."""
    _record_actor(instance, by)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        message = str(exc)
        if "pairing_one_active_per_mentee" in message:
            raise ValidationError({"mentee": _("This mentee already has an active pairing in this program.")}) from exc
        if "pairing_open_pair_unique" in message:
            raise ValidationError(_("This mentor and mentee are already paired or proposed.")) from exc
        raise


def propose_pairing(
    *,
    mentor: Enrolment,
    mentee: Enrolment,
    by=None,
    score: float | None = None,
    explanation: list | None = None,
    match_run=None,
    pinned: bool = False,
) -> Pairing:
    """Record a proposed pair for HR to confirm; proposals use no capacity until activated."""
    validate_pair(mentor, mentee)
    pairing = Pairing(
        program_id=mentor.program_id,
        mentor=mentor,
        mentee=mentee,
        status=PairingStatus.PROPOSED,
        match_score=score,
        match_explanation=explanation or [],
        match_run=match_run,
        is_pinned=pinned,
    )
    with transaction.atomic():
        _save(pairing, by)
    return pairing


def _lock_for_activation(pairing: Pairing) -> tuple[Pairing, Enrolment]:
    # Lock the mentor enrolment first: every activation for this mentor queues here, so the
    # count below is a limit and not a guess.
    mentor = Enrolment.objects.select_for_update().select_related("program").get(pk=pairing.mentor_id)
    locked = Pairing.objects.select_for_update().select_related("mentee", "mentee__program").get(pk=pairing.pk)
    locked.mentor = mentor
    return locked, mentor


def active_load(mentor: Enrolment) -> int:
    return Pairing.objects.filter(mentor=mentor, status=PairingStatus.ACTIVE).count()


def activate_pairing(pairing: Pairing, *, by, start_date: date | None = None) -> Pairing:
    """Make a proposal active: the mentor must have free capacity and the mentee no other active pairing."""
    with transaction.atomic():
        locked, mentor = _lock_for_activation(pairing)
        check_transition(locked, PairingStatus.ACTIVE)
        validate_pair(mentor, locked.mentee)
        capacity = mentor.effective_capacity
        if active_load(mentor) >= capacity:
            raise ValidationError(
                {
                    "mentor": _("%(name)s already mentors %(capacity)s mentees, the most allowed.")
                    % {"name": mentor.person.full_name, "capacity": capacity}
                },
                code="capacity",
            )
        if Pairing.objects.filter(mentee_id=locked.mentee_id, status=PairingStatus.ACTIVE).exists():
            raise ValidationError(
                {"mentee": _("This mentee already has an active pairing in this program.")}, code="mentee_paired"
            )
        start = start_date or timezone.localdate()
        locked.status = PairingStatus.ACTIVE
        locked.start_date = start
        locked.planned_end_date = start + relativedelta(months=mentor.program.term_months)
        _save(locked, by)
        GrowthPlan.objects.get_or_create(pairing=locked)
    _copy_state(locked, pairing)
    return pairing


def pair_directly(*, mentor: Enrolment, mentee: Enrolment, by, start_date: date | None = None) -> Pairing:
    """HR pairs two people by hand: a proposal activated at once, under the same rules."""
    with transaction.atomic():
        pairing = propose_pairing(mentor=mentor, mentee=mentee, by=by)
        return activate_pairing(pairing, by=by, start_date=start_date)


def _finish(pairing: Pairing, target: str, *, by, reason: str, end_date: date | None) -> Pairing:
    with transaction.atomic():
        locked = Pairing.objects.select_for_update().get(pk=pairing.pk)
        check_transition(locked, target)
        end = end_date or timezone.localdate()
        if target != PairingStatus.REJECTED:
            if locked.start_date and end < locked.start_date:
                raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
            locked.end_date = end
        locked.status = target
        locked.end_reason = reason
        _save(locked, by)
    _copy_state(locked, pairing)
    return pairing


def complete_pairing(pairing: Pairing, *, by, end_date: date | None = None, reason: str = "") -> Pairing:
    """An active pairing that ran its course; its place in the mentor's capacity is freed."""
    return _finish(pairing, PairingStatus.COMPLETED, by=by, reason=reason, end_date=end_date)


def dissolve_pairing(pairing: Pairing, *, by, reason: str, end_date: date | None = None) -> Pairing:
    """An active pairing ended early; a reason is required."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the pairing is dissolved.")})
    return _finish(pairing, PairingStatus.DISSOLVED, by=by, reason=reason.strip(), end_date=end_date)


def reject_pairing(pairing: Pairing, *, by, reason: str = "") -> Pairing:
    """HR turns a proposal down; later match runs will not propose the pair again."""
    return _finish(pairing, PairingStatus.REJECTED, by=by, reason=reason, end_date=None)


def _copy_state(source: Pairing, target: Pairing) -> None:
    if source is target:
        return
    for field in ("status", "start_date", "planned_end_date", "end_date", "end_reason"):
        setattr(target, field, getattr(source, field))


@dataclass(frozen=True)
class CaseInput:
    kind: str
    description: str
    outcome: str = ""


def refresh_last_activity_date(pairing_id: int) -> None:
    """Keep the denormalised ``last_activity_date`` equal to the latest activity's date."""
    latest = Activity.objects.filter(pairing_id=pairing_id).aggregate(latest=Max("date"))["latest"]
    Pairing.objects.filter(pk=pairing_id).update(last_activity_date=latest)


def log_activity(
    pairing: Pairing,
    *,
    by,
    date: date,
    method: str,
    summary: str,
    dimensions: Iterable[str] = (),
    cases: Iterable[CaseInput | dict] = (),
    duration_minutes: int = 60,
    location: str = "",
    reflection: str = "",
) -> Activity:
    """Record what a pair did; only active or finished pairings have activities, never in the future."""
    if pairing.status not in (PairingStatus.ACTIVE, PairingStatus.COMPLETED, PairingStatus.DISSOLVED):
        raise ValidationError({"pairing": _("Activities can only be logged on active pairings.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("The activity date cannot be in the future.")})
    if pairing.start_date and date < pairing.start_date:
        raise ValidationError({"date": _("The activity date cannot be before the pairing started.")})
    with transaction.atomic():
        activity = Activity.objects.create(
            pairing=pairing,
            date=date,
            method=method,
            summary=summary,
            duration_minutes=duration_minutes,
            location=location,
            reflection=reflection,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        set_activity_details(activity, dimensions=dimensions, cases=cases)
    return activity


def set_activity_details(
    activity: Activity, *, dimensions: Iterable[str] | None = None, cases: Iterable[CaseInput | dict] | None = None
) -> None:
    """Replace an activity's guidance dimensions and practice cases, and keep the pairing's last date right."""
    if dimensions is not None:
        activity.dimension_rows.all().delete()
        ActivityDimension.objects.bulk_create(
            [ActivityDimension(activity=activity, dimension=d) for d in dict.fromkeys(dimensions)]
        )
    if cases is not None:
        activity.cases.all().delete()
        PracticeCase.objects.bulk_create(
            [PracticeCase(activity=activity, **(c if isinstance(c, dict) else c.__dict__)) for c in cases]
        )
    refresh_last_activity_date(activity.pairing_id)


def delete_activity(activity: Activity) -> None:
    pairing_id = activity.pairing_id
    with transaction.atomic():
        activity.delete()
        refresh_last_activity_date(pairing_id)


def assessable_competencies(pairing: Pairing | None):
    """The abilities an assessment may score: the program's own set, or all of them when it has none."""
    from programs.models import Competency

    if pairing is not None:
        chosen = pairing.program.competencies.all()
        if chosen.exists():
            return chosen
    return Competency.objects.all()


def record_assessment(
    *,
    person,
    by,
    assessed_on: date,
    assessor_role: str,
    scores: dict[str, int],
    pairing: Pairing | None = None,
    comment: str = "",
    assessment: Assessment | None = None,
) -> Assessment:
    """Score a mentee 1–5 per ability on a date; only abilities the program uses, never in the future."""
    errors: dict[str, list[str]] = {}
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = [_("The assessment date cannot be in the future.")]
    if pairing is not None and pairing.mentee.person_id != person.pk:
        errors["pairing"] = [_("The person assessed must be the mentee of this pairing.")]
    if not scores:
        errors["scores"] = [_("Give at least one score.")]
    allowed = {c.code: c for c in assessable_competencies(pairing)}
    unknown = sorted(set(scores) - set(allowed))
    if unknown:
        errors.setdefault("scores", []).append(
            _("These abilities are not assessed in this program: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    if any(isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 5 for v in scores.values()):
        errors.setdefault("scores", []).append(_("Each score must be a whole number from 1 to 5."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if assessment is None:
            assessment = Assessment(person=person)
        assessment.pairing = pairing
        assessment.assessed_on = assessed_on
        assessment.assessor_role = assessor_role
        assessment.comment = comment
        _record_actor(assessment, by)
        assessment.save()
        assessment.scores.all().delete()
        CompetencyScore.objects.bulk_create(
            [
                CompetencyScore(assessment=assessment, competency=allowed[code], score=value)
                for code, value in scores.items()
            ]
        )
    return assessment
