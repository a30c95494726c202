"""Dashboard figures for the HR pages, beyond a program's key figures (``reports.selectors.program_summary``).

Everything here is a fixed number of queries whatever the number of rows: grouped SQL for charts and
breakdowns, short ordered lists for supervision. Silence is measured from the denormalised
``Pairing.last_activity_date`` (or the start), the same way ``program_summary`` counts inactive pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from pairings.models import (
    Activity,
    Dimension,
    Goal,
    Method,
    OutcomeKind,
    Pairing,
    PairingStatus,
    Review,
    ReviewStage,
    silent_since,
)
from programs.models import Enrolment, EnrolmentStatus, Program

from .figures import ReportSubject, _activity_figures, _by_child_organization
from .selectors import OPEN_GOALS, inactive_cutoffs, program_summary

DASHBOARD_MONTHS = 12
SUPERVISION_ROWS = 10
DAYS_PER_MONTH = 30.44


def months_back(today: date, months: int = DASHBOARD_MONTHS) -> date:
    """The first day of the month ``months - 1`` months before today's: a window of ``months`` whole months."""
    return today.replace(day=1) - relativedelta(months=months - 1)


def _days_since(day: date | None, today: date) -> int | None:
    return (today - day).days if day else None


def _with_silence(pairings: Iterable[Pairing], today: date) -> list[Pairing]:
    rows = list(pairings)
    for pairing in rows:
        pairing.days_silent = _days_since(pairing.heard, today)
    return rows


def silent_pairs(pairings: QuerySet[Pairing], *, cadences: Iterable[int], today: date) -> QuerySet[Pairing]:
    """Active pairs silent for longer than their own program's cadence, the longest silent first.

    One condition per cadence in use (a handful), so the cut-off dates are plain parameters.
    """
    silent = Q(pk__in=[])
    for cadence in set(cadences):
        silent |= Q(program__cadence_days=cadence, heard__lt=today - timedelta(days=cadence))
    return (
        pairings.filter(status=PairingStatus.ACTIVE)
        .annotate(heard=silent_since())
        .filter(silent)
        .order_by(F("heard").asc(nulls_first=True), "id")
    )


def program_supervision(program: Program, *, today: date) -> dict:
    """What HR should chase in a program: silent pairs, overdue goals, reviews that are due but missing."""
    inactive_before, at_risk_before = inactive_cutoffs(program, today)
    pairings = Pairing.objects.filter(program=program).select_related(
        "mentor__person__organization", "mentee__person__organization"
    )
    silent = _with_silence(
        silent_pairs(pairings, cadences=[program.cadence_days], today=today)[:SUPERVISION_ROWS], today
    )
    for pairing in silent:
        pairing.at_risk = pairing.heard is None or pairing.heard < at_risk_before

    overdue_goals = list(
        Goal.objects.filter(plan__pairing__program=program, status__in=OPEN_GOALS, due_date__lt=today)
        .select_related("plan__pairing__mentor__person", "plan__pairing__mentee__person", "competency")
        .annotate(heard=silent_since("plan__pairing__"))
        .order_by("due_date", "id")[:SUPERVISION_ROWS]
    )
    for goal in overdue_goals:
        goal.days_overdue = (today - goal.due_date).days
        goal.days_silent = _days_since(goal.heard, today)

    missing = _missing_reviews(pairings, program=program, today=today).annotate(total=Window(Count("id")))
    missing_rows = _with_silence(missing.order_by("start_date", "id")[:SUPERVISION_ROWS], today)
    return {
        "silent": silent,
        "overdue_goals": overdue_goals,
        "missing_reviews": missing_rows,
        "missing_reviews_count": missing_rows[0].total if missing_rows else 0,
    }


def _missing_reviews(pairings: QuerySet[Pairing], *, program: Program, today: date) -> QuerySet[Pairing]:
    """Active pairs past half their term without a midterm review, or past their planned end without a final one."""
    half_term = timedelta(days=round(program.term_months * DAYS_PER_MONTH / 2))
    midterm = Review.objects.filter(pairing=OuterRef("pk"), stage=ReviewStage.MIDTERM)
    final = Review.objects.filter(pairing=OuterRef("pk"), stage=ReviewStage.FINAL)
    return (
        pairings.filter(status=PairingStatus.ACTIVE)
        .annotate(heard=silent_since(), has_midterm=Exists(midterm), has_final=Exists(final))
        .filter(
            Q(start_date__lte=today - half_term, has_midterm=False) | Q(planned_end_date__lte=today, has_final=False)
        )
    )


def chart(labels: list[str], values: list[int], *, label: str) -> dict:
    """The data a page script hands to Chart.js: labels and one series."""
    return {"labels": labels, "series": [{"label": label, "data": values}]}


def activity_charts(figures: dict) -> dict:
    """Charts of activities per month, by method and by guidance dimension, with translated labels."""
    return {
        "by_month": chart(list(figures["by_month"]), list(figures["by_month"].values()), label=_("Activities")),
        "by_method": chart(
            [str(Method(value).label) for value in figures["by_method"]],
            list(figures["by_method"].values()),
            label=_("Activities"),
        ),
        "by_dimension": chart(
            [str(Dimension(value).label) for value in figures["by_dimension"]],
            list(figures["by_dimension"].values()),
            label=_("Activities"),
        ),
    }


def program_dashboard(program: Program, *, today: date | None = None) -> dict:
    """The program page's figures: key figures, capacity, goals and outcomes, the last twelve months of activity."""
    today = today or timezone.localdate()
    summary = program_summary(program, today=today)
    subject = ReportSubject(period_start=months_back(today), period_end=today, program=program)
    activities = _activity_figures(subject, summary["pairs"][PairingStatus.ACTIVE])
    capacity = summary["capacity"]
    return {
        "summary": summary,
        "outcomes": [(OutcomeKind(kind).label, n) for kind, n in summary["outcomes"].items()],
        "activities": activities,
        "charts": activity_charts(activities),
        "capacity_used_percent": round(100 * capacity["used"] / capacity["total"]) if capacity["total"] else 0,
        "goals_achieved_percent": (
            round(100 * summary["goals"]["achieved"] / summary["goals"]["total"]) if summary["goals"]["total"] else 0
        ),
        "period_start": subject.period_start,
    }


def program_supervision_page(program: Program, *, today: date | None = None) -> dict:
    """The program's supervision tab: what to chase, and how each organization below the program's is doing."""
    today = today or timezone.localdate()
    subject = ReportSubject(period_start=months_back(today), period_end=today, program=program)
    return {
        **program_supervision(program, today=today),
        "organizations": _by_child_organization(subject),
        "period_start": subject.period_start,
        "as_of": today,
    }


def _count_per_program(rows: QuerySet) -> Coalesce:
    """A correlated count of ``rows`` (filtered on ``program``) for each program: no join fan-out."""
    counted = rows.filter(program=OuterRef("pk")).order_by().values("program").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def programs_with_figures(programs: QuerySet[Program], *, today: date) -> QuerySet[Program]:
    """Programs annotated with their active people, pairs and silent pairs (by each program's own cadence)."""
    cadences = set(programs.order_by().values_list("cadence_days", flat=True).distinct())
    active = Pairing.objects.filter(status=PairingStatus.ACTIVE)
    return programs.annotate(
        people=_count_per_program(Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE)),
        active_pairs=_count_per_program(active),
        proposed_pairs=_count_per_program(Pairing.objects.filter(status=PairingStatus.PROPOSED)),
        silent_pairs=_count_per_program(silent_pairs(active, cadences=cadences, today=today).order_by()),
    )


def home_dashboard(programs: QuerySet[Program], pairings: QuerySet[Pairing], *, today: date | None = None) -> dict:
    """The home page over the user's subtree: totals, a year of activity, and the longest silent pairs.

    ``programs`` and ``pairings`` are already scoped to the user by the caller.
    """
    today = today or timezone.localdate()
    start = months_back(today)
    totals = pairings.aggregate(
        active=Count("id", filter=Q(status=PairingStatus.ACTIVE)),
        proposed=Count("id", filter=Q(status=PairingStatus.PROPOSED)),
        completed=Count("id", filter=Q(status=PairingStatus.COMPLETED)),
    )
    program_counts = programs.aggregate(total=Count("id"), active=Count("id", filter=Q(status="active")))
    activities = Activity.objects.filter(pairing__in=pairings.values("pk"), date__gte=start, date__lte=today)
    per_month = dict(
        activities.annotate(month=TruncMonth("date")).values("month").annotate(n=Count("id")).values_list("month", "n")
    )
    months = [start + relativedelta(months=i) for i in range(DASHBOARD_MONTHS)]
    by_month = {month.strftime("%Y-%m"): _month_count(per_month, month) for month in months}
    recent = sum(n for month, n in per_month.items() if _as_date(month) >= today.replace(day=1))
    cadences = programs.order_by().values_list("cadence_days", flat=True).distinct()
    silent = silent_pairs(
        pairings.select_related("mentor__person", "mentee__person", "program"), cadences=list(cadences), today=today
    )
    silent_rows = _with_silence(silent[:SUPERVISION_ROWS], today)
    open_goals = Goal.objects.filter(plan__pairing__in=pairings.values("pk"), status__in=OPEN_GOALS)
    return {
        "pairs": totals,
        "programs": program_counts,
        "activities_this_month": recent,
        "activities_in_window": sum(by_month.values()),
        "overdue_goals": open_goals.filter(due_date__lt=today).count(),
        "silent": silent_rows,
        "silent_count": silent.count(),
        "month_chart": chart(list(by_month), list(by_month.values()), label=_("Activities")),
    }


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _month_count(per_month: dict, month: date) -> int:
    return sum(n for key, n in per_month.items() if _as_date(key) == month)
