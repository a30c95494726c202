"""``{% load matching %}{% match_panel program %}``: start a match run, follow it, review its proposals."""

from __future__ import annotations

from django import template
from django.core.paginator import Paginator

from pairings.matching import runs
from pairings.matching.scoring import describe
from pairings.matching.selectors import match_runs_visible_to, proposals_of
from pairings.models import MatchObjective, PairingStatus

register = template.Library()

PROPOSALS_PER_PAGE = 50


@register.inclusion_tag("pairings/match_panel.html", takes_context=True)
def match_panel(context, program, run=None):
    """The program's latest run (or ``run``), its progress and a page of its open proposals, best first."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if run is None:
        run = match_runs_visible_to(user).filter(program=program).order_by("-created_at", "-id").first()
    page = None
    if run is not None and run.status == "succeeded":
        proposals = proposals_of(run).filter(status=PairingStatus.PROPOSED)
        number = request.GET.get("proposals_page", 1) if request is not None else 1
        page = Paginator(proposals, PROPOSALS_PER_PAGE).get_page(number)
        names = runs.competency_names()
        for pairing in page.object_list:
            pairing.explanation = describe(pairing.match_explanation, names)
    unmatched = {}
    if run is not None:
        unmatched = {
            runs.unmatched_reason_label(code): count
            for code, count in (run.stats or {}).get("unmatched_by_reason", {}).items()
        }
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "program": program,
        "run": run,
        "page": page,
        "unmatched": unmatched,
        "objectives": MatchObjective.choices,
        "can_run": bool(user and (user.is_superuser or getattr(user, "organization_id", None))),
        "under_way": run is not None and run.status in ("pending", "running"),
    }
