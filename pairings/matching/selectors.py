"""Reads with a rule about match runs: scoping to the caller's subtree, proposals in review order."""

from __future__ import annotations

from django.db.models import QuerySet

from pairings.models import MatchRun, Pairing
from programs.selectors import organization_scope


def match_runs_visible_to(user) -> QuerySet[MatchRun]:
    """Runs of programs in the user's subtree (HR staff); nobody else sees runs."""
    if not (user and user.is_authenticated) or not (user.is_superuser or user.organization_id):
        return MatchRun.objects.none()
    return MatchRun.objects.filter(organization_scope(user, "program__organization")).select_related(
        "program", "started_by"
    )


def proposals_of(run: MatchRun) -> QuerySet[Pairing]:
    """The run's proposals best score first, with the people named on them."""
    return run.proposals.select_related(
        "mentor__person", "mentee__person", "mentor__person__organization", "mentee__person__organization"
    ).order_by("-match_score", "id")
