"""Pages of precise matching: start a run from the program page, review its proposals, see one run."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programs.selectors import programs_visible_to

from .matching import runs
from .matching.selectors import match_runs_visible_to
from .models import MatchObjective


def _hr_only(user) -> None:
    if not (user.is_superuser or user.organization_id):
        raise PermissionDenied


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(f"{target.split('#')[0]}#match-panel")
    return redirect(fallback)


@login_required
@require_POST
def start_run(request, program_pk: int):
    """Start a run of the program's matching with the chosen objective."""
    program = get_object_or_404(programs_visible_to(request.user), pk=program_pk)
    _hr_only(request.user)
    objective = request.POST.get("objective") or MatchObjective.PARTICIPATION
    try:
        run = runs.start_match_run(program, by=request.user, objective=objective)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _back(request, reverse("pairings:match-runs", args=[program.pk]))
    if run.status == "succeeded":
        messages.success(request, _("The match run proposed %(count)s pairs.") % {"count": run.stats.get("matched", 0)})
    else:
        messages.info(request, _("The match run has started; this page follows its progress."))
    return _back(request, reverse("pairings:match-runs", args=[program.pk]))


@login_required
@require_POST
def review_run(request, run_pk: int):
    """Accept the selected proposals or all of them, or reject the selected ones."""
    run = get_object_or_404(match_runs_visible_to(request.user), pk=run_pk)
    _hr_only(request.user)
    action = request.POST.get("action")
    selected = [value for value in request.POST.getlist("pairing") if value.isascii() and value.isdigit()]
    fallback = reverse("pairings:match-runs", args=[run.program_id])
    if action not in ("accept_selected", "accept_all", "reject_selected"):
        messages.error(request, _("Choose accept selected, accept all or reject selected."))
        return _back(request, fallback)
    if action != "accept_all" and not selected:
        messages.error(request, _("Select at least one proposal."))
        return _back(request, fallback)
    try:
        if action == "reject_selected":
            result = runs.reject_proposals(run, selected, by=request.user)
            done = _("%(count)s proposals rejected.")
        else:
            result = runs.accept_proposals(run, "all" if action == "accept_all" else selected, by=request.user)
            done = _("%(count)s proposals accepted; those pairings are now active.")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _back(request, fallback)
    if result.done:
        messages.success(request, done % {"count": len(result.done)})
    for failure in result.failed:
        messages.warning(
            request,
            _("Proposal %(pairing)s was left as it was: %(reason)s")
            % {"pairing": failure["pairing"], "reason": failure["reason"]},
        )
    return _back(request, fallback)


@login_required
def program_runs(request, program_pk: int):
    """The program's matching on a page of its own: the panel and the earlier runs."""
    program = get_object_or_404(programs_visible_to(request.user), pk=program_pk)
    earlier = match_runs_visible_to(request.user).filter(program=program).order_by("-created_at", "-id")[:20]
    return render(request, "pairings/match_runs.html", {"program": program, "runs": earlier})
