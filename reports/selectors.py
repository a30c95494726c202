"""Figures computed in SQL. ``program_summary`` is the one home of a program's key figures:
the API's ``programs/{id}/summary/`` and the program dashboard both show exactly these."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, F, FilteredRelation, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from pairings.models import Activity, Goal, GoalStatus, Outcome, OutcomeKind, Pairing, PairingStatus, silent_since
from programs.models import Enrolment, EnrolmentStatus, Program, Role
from programs.selectors import organization_scope

from .models import ImportRun, Notification, ReportRun

OPEN_GOALS = (GoalStatus.PLANNED, GoalStatus.IN_PROGRESS)


def inactive_cutoffs(program: Program, today: date) -> tuple[date, date]:
    """Before the first date a pair is inactive (one cadence silent); before the second, at risk."""
    cadence = program.cadence_days
    at_risk = settings.MENTORSHIP["INACTIVE_CADENCES_AT_RISK"]
    return today - timedelta(days=cadence), today - timedelta(days=cadence * at_risk)


def program_summary(program: Program, *, today: date | None = None) -> dict:
    """Pairs by status, people, capacity, recent activity, inactive and at-risk pairs, goals and outcomes."""
    today = today or timezone.localdate()
    inactive_before, at_risk_before = inactive_cutoffs(program, today)
    active = Q(status=PairingStatus.ACTIVE)

    pairs = (
        Pairing.objects.filter(program=program)
        .annotate(heard=silent_since())
        .aggregate(
            total=Count("id"),
            inactive=Count("id", filter=active & Q(heard__lt=inactive_before)),
            at_risk=Count("id", filter=active & Q(heard__lt=at_risk_before)),
            **{status: Count("id", filter=Q(status=status)) for status in PairingStatus.values},
        )
    )
    mentors = Enrolment.objects.filter(program=program, role=Role.MENTOR, status=EnrolmentStatus.ACTIVE).annotate(
        capacity_value=Coalesce("capacity", Value(program.mentor_capacity), output_field=IntegerField()),
        # The condition goes into the join, so only the program's active pairs are read (by index), not
        # every pairing of the database hashed against the mentors.
        active_pairs=FilteredRelation(
            "pairings_as_mentor",
            condition=Q(pairings_as_mentor__program=program, pairings_as_mentor__status=PairingStatus.ACTIVE),
        ),
        load=Count("active_pairs"),
    )
    capacity = mentors.annotate(room=Greatest(F("capacity_value") - F("load"), Value(0))).aggregate(
        total=Coalesce(Sum("capacity_value"), 0), free=Coalesce(Sum("room"), 0)
    )
    people = Enrolment.objects.filter(program=program, status=EnrolmentStatus.ACTIVE).aggregate(
        mentors=Count("id", filter=Q(role=Role.MENTOR)),
        mentees=Count("id", filter=Q(role=Role.MENTEE)),
    )
    recent_activities = Activity.objects.filter(
        pairing__program=program, date__gt=today - timedelta(days=30), date__lte=today
    ).count()
    goals = Goal.objects.filter(plan__pairing__program=program).aggregate(
        total=Count("id"),
        achieved=Count("id", filter=Q(status=GoalStatus.ACHIEVED)),
        overdue=Count("id", filter=Q(status__in=OPEN_GOALS, due_date__lt=today)),
    )
    outcome_rows = (
        Outcome.objects.filter(person__enrolments__program=program, person__enrolments__role=Role.MENTEE)
        .values("kind")
        .annotate(n=Count("id", distinct=True))
    )
    outcomes = dict.fromkeys(OutcomeKind.values, 0) | {row["kind"]: row["n"] for row in outcome_rows}
    used = pairs[PairingStatus.ACTIVE]
    return {
        "program": program.pk,
        "as_of": today,
        "pairs": {
            "total": pairs["total"],
            **{status: pairs[status] for status in PairingStatus.values},
        },
        "mentors": people["mentors"],
        "mentees": people["mentees"],
        "capacity": {"total": capacity["total"], "used": used, "free": capacity["free"]},
        "activities_last_30_days": recent_activities,
        "inactive_pairs": pairs["inactive"],
        "at_risk_pairs": pairs["at_risk"],
        "goals": goals,
        "outcomes": outcomes,
    }


def report_runs_visible_to(user):
    """Report runs about a program or organization in the user's subtree."""
    return ReportRun.objects.filter(
        organization_scope(user, "program__organization") | organization_scope(user, "organization")
    ).select_related("program", "organization", "requested_by")


def import_runs_visible_to(user):
    """Import runs made in the user's subtree (by the uploader's organization at upload)."""
    return ImportRun.objects.filter(organization_scope(user, "organization")).select_related(
        "program", "organization", "uploaded_by"
    )


def notifications_of(user):
    """A user's own notifications, newest first; nobody sees anyone else's, superusers included."""
    if not (user and user.is_authenticated):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
