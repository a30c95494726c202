"""The weekly supervision digest: each organization's HR staff get the figures of their subtree, once a week.

A digest is a notification keyed (digest, organization, week, recipient): beat firing twice, or a retried
task, finds the key taken and records nothing more.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pairings.models import Activity, Goal, Pairing, PairingStatus, Review, ReviewStage, silent_since
from programs.models import Organization, Program, ProgramStatus, User

from .models import NotificationKind
from .reminders import Due, Recipient, Texts, half_term_days, language_of, record, week_of
from .selectors import OPEN_GOALS

FIGURES = (
    ("active", _("Active pairs")),
    ("silent", _("Silent pairs (no activity within the cadence)")),
    ("at_risk", _("Pairs at risk (silent for three cadences)")),
    ("goals_overdue", _("Goals overdue")),
    ("reviews_missing", _("Midterm or final reviews due and missing")),
    ("proposals_waiting", _("Proposals waiting more than 7 days")),
    ("ending_soon", _("Pairings ending within 30 days")),
    ("activities_last_week", _("Activities logged last week")),
)
DIGEST_TEXTS = {
    NotificationKind.DIGEST: (
        _("Weekly supervision digest: %(organization)s, week of %(week)s"),
        _("Your organization and everything below it, as of %(today)s:\n%(figures)s"),
    )
}


def supervision_figures(organization: Organization, *, today: date) -> dict[str, int]:
    """What HR should know about their subtree this week, in five queries whatever its size."""
    in_subtree = Q(program__organization__path__startswith=organization.path)
    programs = Program.objects.filter(organization__path__startswith=organization.path, status=ProgramStatus.ACTIVE)
    active = Pairing.objects.filter(in_subtree, status=PairingStatus.ACTIVE, program__status=ProgramStatus.ACTIVE)
    at_risk_factor = settings.MENTORSHIP["INACTIVE_CADENCES_AT_RISK"]
    silent = at_risk = reviews_missing = Q(pk__in=[])
    for cadence in set(programs.values_list("cadence_days", flat=True).order_by()):
        silent |= Q(program__cadence_days=cadence, heard__lt=today - timedelta(days=cadence))
        at_risk |= Q(program__cadence_days=cadence, heard__lt=today - timedelta(days=cadence * at_risk_factor))
    for term_months in set(programs.values_list("term_months", flat=True).order_by()):
        half_term = timedelta(days=half_term_days(term_months))
        reviews_missing |= Q(program__term_months=term_months, start_date__lte=today - half_term, has_midterm=False)
    reviews_missing |= Q(planned_end_date__lte=today, has_final=False)
    until = today + timedelta(days=settings.MENTORSHIP["ENDING_SOON_DAYS"])
    figures = active.annotate(
        heard=silent_since(),
        has_midterm=Exists(Review.objects.filter(pairing=OuterRef("pk"), stage=ReviewStage.MIDTERM)),
        has_final=Exists(Review.objects.filter(pairing=OuterRef("pk"), stage=ReviewStage.FINAL)),
    ).aggregate(
        active=Count("id"),
        silent=Count("id", filter=silent),
        at_risk=Count("id", filter=at_risk),
        reviews_missing=Count("id", filter=reviews_missing),
        ending_soon=Count("id", filter=Q(planned_end_date__gte=today, planned_end_date__lte=until)),
    )
    figures["goals_overdue"] = Goal.objects.filter(
        plan__pairing__in=active.values("pk"), status__in=OPEN_GOALS, due_date__lt=today
    ).count()
    waited = timezone.now() - timedelta(days=settings.MENTORSHIP["PROPOSAL_WAIT_DAYS"])
    figures["proposals_waiting"] = (
        Pairing.objects.filter(in_subtree, status=PairingStatus.PROPOSED, created_at__lt=waited)
        .exclude(program__status=ProgramStatus.CLOSED)
        .count()
    )
    week = week_of(today)
    figures["activities_last_week"] = Activity.objects.filter(
        pairing__program__organization__path__startswith=organization.path,
        date__gte=week - timedelta(days=7),
        date__lt=week,
    ).count()
    return figures


def _figures_text(figures: dict[str, int], language: str) -> str:
    with translation.override(language):
        return "\n".join(f"{label}: {figures[name]}" for name, label in FIGURES)


def send_weekly_digests(today: date | None = None) -> int:
    """Record this week's digest for the HR staff of every organization that has some; returns how many
    digests were due (those already recorded this week are skipped by their key)."""
    today = today or timezone.localdate()
    week = week_of(today)
    staff: dict[int, list[Recipient]] = {}
    for user_id, language, organization_id in User.objects.filter(
        is_active=True, organization__isnull=False
    ).values_list("id", "language", "organization_id"):
        staff.setdefault(organization_id, []).append(Recipient(user_id, language_of(language)))
    texts = Texts(DIGEST_TEXTS)
    dues = []
    for organization in Organization.objects.filter(pk__in=list(staff)).order_by("path"):
        figures = supervision_figures(organization, today=today)
        for recipient in staff[organization.pk]:
            params = {
                "organization": organization.name,
                "week": week.isoformat(),
                "today": today.isoformat(),
                "figures": _figures_text(figures, recipient.language),
            }
            dues.append(
                Due(
                    NotificationKind.DIGEST,
                    organization.pk,
                    week,
                    recipient.user_id,
                    recipient.language,
                    reverse("home"),
                    params,
                )
            )
    return sum(record(dues, texts=texts).values())
