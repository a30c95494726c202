"""Pairing pages: the list with supervision filters, one pairing's page with its actions, the pledge certificate.

Every pairing comes from ``pairings_visible_to`` (HR: their subtree; mentors and mentees: their own), so a
foreign pairing answers 404. Writes go through ``pairings.services``; their refusals come back on the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programs.selectors import is_hr_staff, programs_visible_to
from programs.views import apply_errors
from reports.dashboards import silent_pairs
from reports.selectors import OPEN_GOALS

from . import services
from .forms import (
    ActivityForm,
    AssessmentForm,
    GoalForm,
    GoalProgressForm,
    OwnActivityForm,
    PledgeForm,
    PracticeCaseFormSet,
    ReviewForm,
    TransitionForm,
)
from .models import AssessorRole, GrowthPlan, PairingStatus
from .selectors import (
    activities_visible_to,
    assessments_visible_to,
    goals_visible_to,
    mentoring_overview,
    own_pairings,
    pairing_history,
    pairings_visible_to,
    reviews_visible_to,
)

ACTIVITIES_PER_PAGE = 10
CHART_ASSESSMENTS = 6


def is_hr(user) -> bool:
    return is_hr_staff(user)


def _pairing(request, pk: int):
    queryset = pairings_visible_to(request.user).select_related(
        "program", "mentor__person__organization", "mentee__person__organization", "growth_plan"
    )
    return get_object_or_404(queryset, pk=pk)


def _manager(request) -> None:
    """Transitions, reviews and the pledge are HR's; the pair themselves log activities, goals and assessments."""
    if not is_hr(request.user):
        raise PermissionDenied


@login_required
def pairing_list(request):
    """Pairings of the user's subtree: search by name, filter by program and status, or only the silent ones."""
    pairings = pairings_visible_to(request.user).select_related(
        "mentor__person__organization", "mentee__person__organization"
    )
    programs = programs_visible_to(request.user).order_by("name")
    filters = {
        "q": request.GET.get("q", "").strip()[:100],
        "program": request.GET.get("program", ""),
        "status": request.GET.get("status", ""),
        "silent": request.GET.get("silent", "") == "1",
    }
    if filters["q"]:
        pairings = pairings.filter(
            Q(mentor__person__full_name__icontains=filters["q"]) | Q(mentee__person__full_name__icontains=filters["q"])
        )
    if filters["program"].isascii() and filters["program"].isdigit():
        pairings = pairings.filter(program_id=int(filters["program"]))
    else:
        filters["program"] = ""
    if filters["status"] in PairingStatus.values:
        pairings = pairings.filter(status=filters["status"])
    else:
        filters["status"] = ""
    today = timezone.localdate()
    if filters["silent"]:
        cadences = programs.order_by().values_list("cadence_days", flat=True).distinct()
        pairings = silent_pairs(pairings, cadences=list(cadences), today=today)
    else:
        pairings = pairings.order_by("-created_at", "-id")
    page = Paginator(pairings, 25).get_page(request.GET.get("page"))
    for pairing in page.object_list:
        heard = pairing.last_activity_date or pairing.start_date
        pairing.days_silent = (today - heard).days if heard and pairing.status == PairingStatus.ACTIVE else None
    return render(
        request,
        "pairings/pairing_list.html",
        {
            "page": page,
            "filters": filters,
            "programs": programs.select_related(None).only("id", "name"),
            "statuses": PairingStatus.choices,
        },
    )


def competency_growth_chart(assessments, competencies) -> dict:
    """Chart data: the abilities as axes, one series per assessment (oldest first), empty where not scored."""
    competencies = list(competencies)
    series = []
    for assessment in sorted(assessments, key=lambda a: (a.assessed_on, a.pk)):
        by_competency = {score.competency_id: score.score for score in assessment.scores.all()}
        series.append(
            {
                "label": f"{assessment.assessed_on:%Y-%m-%d} · {assessment.get_assessor_role_display()}",
                "data": [by_competency.get(c.pk) for c in competencies],
            }
        )
    return {"labels": [c.name for c in competencies], "series": series}


def assessor_roles(user, pairing) -> list[str]:
    """HR assess in any role; a mentor assesses as the mentor, a mentee assesses themself."""
    if is_hr(user):
        return list(AssessorRole.values)
    if pairing.mentor.person.user_id == user.pk:
        return [AssessorRole.MENTOR]
    return [AssessorRole.SELF]


def _detail(request, pairing, *, status: int = 200, **forms):
    user = request.user
    activities = (
        activities_visible_to(user)
        .filter(pairing=pairing)
        .select_related("created_by")
        .prefetch_related("dimension_rows", "cases")
    )
    page = Paginator(activities, ACTIVITIES_PER_PAGE).get_page(request.GET.get("page"))
    plan = getattr(pairing, "growth_plan", None)
    goals = list(goals_visible_to(user).filter(plan__pairing=pairing).select_related("competency"))
    today = timezone.localdate()
    for goal in goals:
        goal.progress_form = GoalProgressForm(instance=goal, prefix=f"goal-{goal.pk}")
        goal.is_overdue = bool(goal.due_date and goal.due_date < today and goal.status in OPEN_GOALS)
    competencies = list(services.assessable_competencies(pairing))
    assessments = list(
        assessments_visible_to(user)
        .filter(person_id=pairing.mentee.person_id)
        .prefetch_related("scores")
        .order_by("-assessed_on", "-id")
    )
    reviews = reviews_visible_to(user).filter(pairing=pairing).select_related("reviewer")
    open_status = pairing.status in (PairingStatus.PROPOSED, PairingStatus.ACTIVE)
    context = {
        "pairing": pairing,
        "page": page,
        "plan": plan,
        "goals": goals,
        "goals_progress": round(sum(g.progress for g in goals) / len(goals)) if goals else 0,
        "assessments": assessments,
        "growth_chart": competency_growth_chart(assessments[:CHART_ASSESSMENTS], competencies),
        "reviews": reviews,
        "can_manage": is_hr(user),
        # Shown where the activity service would accept one; the service still decides.
        "can_log": pairing.status not in (PairingStatus.PROPOSED, PairingStatus.REJECTED),
        "open_status": open_status,
        "activity_form": ActivityForm(),
        "case_formset": PracticeCaseFormSet(prefix="case"),
        "goal_form": GoalForm(competencies=competencies),
        "assessment_form": AssessmentForm(competencies=competencies, roles=assessor_roles(request.user, pairing)),
        "review_form": ReviewForm(pairing=pairing),
        "transition_form": TransitionForm(),
        "pledge_form": PledgeForm(initial={"pledge_signed_on": pairing.pledge_signed_on or pairing.start_date}),
        # The change history is HR's supervision record; the pair themselves do not see it.
        "history": pairing_history(pairing) if is_hr(user) else None,
        "today": today,
    }
    context.update(forms)
    return render(request, "pairings/pairing_detail.html", context, status=status)


@login_required
def pairing_detail(request, pk: int):
    return _detail(request, _pairing(request, pk))


def _done(request, pairing, message: str, anchor: str):
    messages.success(request, message)
    return redirect(f"{pairing_url(pairing)}#{anchor}")


def pairing_url(pairing) -> str:
    return reverse("pairings:detail", args=[pairing.pk])


def _log_activity(pairing, *, by, form: ActivityForm, cases) -> bool:
    """Log the form's activity through the activity service; its refusal goes back on the form."""
    data = form.cleaned_data
    try:
        services.log_activity(
            pairing,
            by=by,
            date=data["date"],
            method=data["method"],
            summary=data["summary"],
            dimensions=data["dimensions"],
            cases=[
                {"kind": c["kind"], "description": c["description"], "outcome": c["outcome"]}
                for c in cases.cleaned_data
                if c.get("kind")
            ],
            duration_minutes=data["duration_minutes"],
            location=data["location"],
            reflection=data["reflection"],
        )
    except ValidationError as error:
        apply_errors(form, error)
        return False
    return True


@login_required
@require_POST
def log_activity(request, pk: int):
    """Log what the pair did, with its guidance dimensions and practice cases, through the activity service."""
    pairing = _pairing(request, pk)
    form = ActivityForm(request.POST)
    cases = PracticeCaseFormSet(request.POST, prefix="case")
    if form.is_valid() and cases.is_valid() and _log_activity(pairing, by=request.user, form=form, cases=cases):
        return _done(request, pairing, _("The activity is on the timeline."), "timeline")
    return _detail(request, pairing, status=400, activity_form=form, case_formset=cases, open_form="activity")


def _loggable(pairings):
    # Offered where the activity service would accept one; the service still decides.
    return [pairing for pairing in pairings if pairing.status == PairingStatus.ACTIVE]


def _mine(request, *, status: int = 200, **forms):
    overview = mentoring_overview(request.user, today=timezone.localdate())
    context = {
        "overview": overview,
        "activity_form": OwnActivityForm(pairings=_loggable(overview.pairings)),
        "case_formset": PracticeCaseFormSet(prefix="case"),
    }
    context.update(forms)
    return render(request, "pairings/my_mentoring.html", context, status=status)


@login_required
def my_mentoring(request):
    """A mentor's or a mentee's own page: their pairs, the open goals of their growth plans, what they did
    lately, and a form to log an activity on one of their own pairings."""
    return _mine(request)


@login_required
@require_POST
def log_my_activity(request):
    """Log an activity on one of the user's own active pairings, through the activity service."""
    form = OwnActivityForm(request.POST, pairings=_loggable(own_pairings(request.user)))
    cases = PracticeCaseFormSet(request.POST, prefix="case")
    if form.is_valid() and cases.is_valid():
        pairing = form.cleaned_data["pairing"]
        if _log_activity(pairing, by=request.user, form=form, cases=cases):
            messages.success(request, _("The activity is on the timeline."))
            return redirect(f"{reverse('pairings:mine')}#activities")
    return _mine(request, status=400, activity_form=form, case_formset=cases, open_form="activity")


@login_required
@require_POST
def add_goal(request, pk: int):
    pairing = _pairing(request, pk)
    form = GoalForm(request.POST, competencies=list(services.assessable_competencies(pairing)))
    if pairing.status not in (PairingStatus.ACTIVE, PairingStatus.PROPOSED):
        form.add_error(None, _("Goals can only be added while the pairing is proposed or active."))
    if form.is_valid():
        with transaction.atomic():
            plan, _created = GrowthPlan.objects.get_or_create(pairing=pairing)
            goal = form.save(commit=False)
            goal.plan = plan
            goal.save()
        return _done(request, pairing, _("The goal is in the growth plan."), "plan")
    return _detail(request, pairing, status=400, goal_form=form, open_form="goal")


@login_required
@require_POST
def update_goal(request, pk: int, goal_pk: int):
    pairing = _pairing(request, pk)
    goal = get_object_or_404(goals_visible_to(request.user).filter(plan__pairing=pairing), pk=goal_pk)
    form = GoalProgressForm(request.POST, instance=goal, prefix=f"goal-{goal.pk}")
    if form.is_valid():
        form.save()
        return _done(request, pairing, _("The goal's progress is saved."), "plan")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(f"{pairing_url(pairing)}#plan")


@login_required
@require_POST
def record_assessment(request, pk: int):
    pairing = _pairing(request, pk)
    competencies = list(services.assessable_competencies(pairing))
    form = AssessmentForm(request.POST, competencies=competencies, roles=assessor_roles(request.user, pairing))
    if form.is_valid():
        try:
            services.record_assessment(
                person=pairing.mentee.person,
                pairing=pairing,
                by=request.user,
                assessed_on=form.cleaned_data["assessed_on"],
                assessor_role=form.cleaned_data["assessor_role"],
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _done(request, pairing, _("The assessment is recorded."), "growth")
    return _detail(request, pairing, status=400, assessment_form=form, open_form="assessment")


@login_required
@require_POST
def record_review(request, pk: int):
    pairing = _pairing(request, pk)
    _manager(request)
    form = ReviewForm(request.POST, pairing=pairing)
    if form.is_valid():
        review = form.save(commit=False)
        review.pairing = pairing
        review.reviewer = request.user
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:
            form.add_error("stage", _("This pairing already has a review for that stage."))
        else:
            return _done(request, pairing, _("The review is recorded."), "reviews")
    return _detail(request, pairing, status=400, review_form=form, open_form="review")


TRANSITIONS = {
    "activate": lambda pairing, by, on, reason: services.activate_pairing(pairing, by=by, start_date=on),
    "complete": lambda pairing, by, on, reason: services.complete_pairing(pairing, by=by, end_date=on, reason=reason),
    "dissolve": lambda pairing, by, on, reason: services.dissolve_pairing(pairing, by=by, end_date=on, reason=reason),
    "reject": lambda pairing, by, on, reason: services.reject_pairing(pairing, by=by, reason=reason),
}


@login_required
@require_POST
def transition(request, pk: int):
    """Move the pairing along its life through the pairing service, which refuses illegal moves."""
    pairing = _pairing(request, pk)
    _manager(request)
    form = TransitionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            TRANSITIONS[data["action"]](pairing, request.user, data["on"], data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _done(
                request,
                pairing,
                _("The pairing is now %(status)s.") % {"status": PairingStatus(pairing.status).label},
                "status",
            )
    return _detail(request, pairing, status=400, transition_form=form, open_form=form.data.get("action"))


@login_required
@require_POST
def sign_pledge(request, pk: int):
    """Record the day the pledge (拜师帖) was signed; the certificate shows it."""
    pairing = _pairing(request, pk)
    _manager(request)
    form = PledgeForm(request.POST)
    if form.is_valid():
        pairing.pledge_signed_on = form.cleaned_data["pledge_signed_on"]
        pairing.save(update_fields=["pledge_signed_on"])
        return _done(request, pairing, _("The pledge date is saved."), "status")
    return _detail(request, pairing, status=400, pledge_form=form, open_form="pledge")


@login_required
def certificate(request, pk: int):
    """The pledge certificate (拜师帖), laid out for one A4 page."""
    pairing = _pairing(request, pk)
    if pairing.status in (PairingStatus.PROPOSED, PairingStatus.REJECTED):
        messages.error(request, _("A pledge certificate is made once the pairing is active."))
        return redirect(pairing_url(pairing))
    plan = getattr(pairing, "growth_plan", None)
    goals = goals_visible_to(request.user).filter(plan__pairing=pairing).select_related("competency")[:6]
    return render(request, "pairings/certificate.html", {"pairing": pairing, "plan": plan, "goals": goals})
