"""HR pages: the home dashboard, programs and their dashboards, enrolments, people.

Thin: every queryset starts from a scoping selector, every write goes through a service, figures come
from ``reports.selectors``/``reports.dashboards``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pairings.models import PairingStatus
from pairings.selectors import lineage, outcomes_visible_to, pairings_visible_to
from pairings.services import pair_directly
from reports.dashboards import home_dashboard, program_dashboard, program_supervision_page, programs_with_figures

from .forms import EnrolmentFilterForm, PairDirectlyForm, PersonFilterForm, ProgramFilterForm
from .models import Role
from .selectors import (
    enrolments_visible_to,
    is_hr_staff,
    people_visible_to,
    person_history,
    programs_visible_to,
    unpaired,
)

PER_PAGE = 20


def page_of(request, queryset, per_page: int = PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def hr_only(user) -> None:
    """The HR pages are for HR staff (a user with an organization) and superusers."""
    if not is_hr_staff(user):
        raise PermissionDenied


@login_required
def home(request):
    """The user's subtree at a glance: totals, a year of activity, the programs, the pairs gone silent.

    A mentor or a mentee with a login goes to their own "my mentoring" page instead.
    """
    if not is_hr_staff(request.user):
        return redirect("pairings:mine")
    today = timezone.localdate()
    programs = programs_visible_to(request.user)
    dashboard = home_dashboard(programs, pairings_visible_to(request.user), today=today)
    recent_programs = programs_with_figures(programs.filter(status="active"), today=today).order_by(
        "-start_date", "name"
    )[:8]
    return render(
        request,
        "programs/home.html",
        {"dashboard": dashboard, "programs": recent_programs, "today": today},
    )


@login_required
def program_list(request):
    hr_only(request.user)
    form = ProgramFilterForm(request.GET)
    programs = programs_visible_to(request.user)
    if form.is_valid():
        if form.cleaned_data["q"]:
            term = form.cleaned_data["q"]
            programs = programs.filter(Q(name__icontains=term) | Q(organization__name__icontains=term))
        if form.cleaned_data["status"]:
            programs = programs.filter(status=form.cleaned_data["status"])
    programs = programs_with_figures(programs, today=timezone.localdate()).order_by("-start_date", "name", "id")
    return render(request, "programs/program_list.html", {"form": form, "page": page_of(request, programs)})


def _program(request, pk: int):
    hr_only(request.user)
    return get_object_or_404(programs_visible_to(request.user), pk=pk)


@login_required
def program_detail(request, pk: int):
    """The program dashboard: key figures, capacity, goals, charts of activity, and the matching panel."""
    program = _program(request, pk)
    dashboard = program_dashboard(program)
    return render(
        request,
        "programs/program_detail.html",
        {"program": program, "dashboard": dashboard, "tab": "overview"},
    )


@login_required
def program_supervision(request, pk: int):
    """What HR should chase in a program: silent pairs, overdue goals, missing reviews; and each unit's figures."""
    program = _program(request, pk)
    return render(
        request,
        "programs/program_supervision.html",
        {"program": program, "supervision": program_supervision_page(program), "tab": "supervision"},
    )


@login_required
def program_enrolments(request, pk: int):
    """The people of a program, filterable by role, category, status and "only unpaired"; pair two by hand."""
    program = _program(request, pk)
    form = EnrolmentFilterForm(request.GET)
    enrolments = enrolments_visible_to(request.user).filter(program=program)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            enrolments = enrolments.filter(
                Q(person__full_name__icontains=data["q"]) | Q(person__organization__name__icontains=data["q"])
            )
        for name in ("role", "category", "status"):
            if data[name]:
                enrolments = enrolments.filter(**{name: data[name]})
        if data["unpaired"]:
            enrolments = unpaired(enrolments)
    enrolments = enrolments.annotate(
        active_pairs=Count(
            "pairings_as_mentor", filter=Q(pairings_as_mentor__status=PairingStatus.ACTIVE), distinct=True
        ),
        mentee_pairs=Count(
            "pairings_as_mentee", filter=Q(pairings_as_mentee__status=PairingStatus.ACTIVE), distinct=True
        ),
    ).order_by("role", "person__full_name", "id")
    pair_form = _pair_form(request, program)
    return render(
        request,
        "programs/program_enrolments.html",
        {
            "program": program,
            "form": form,
            "page": page_of(request, enrolments),
            "pair_form": pair_form,
            "tab": "people",
        },
    )


def _pair_form(request, program, data=None) -> PairDirectlyForm:
    candidates = unpaired(enrolments_visible_to(request.user).filter(program=program)).select_related(
        "person__organization"
    )
    return PairDirectlyForm(
        data,
        mentors=candidates.filter(role=Role.MENTOR).order_by("person__full_name"),
        mentees=candidates.filter(role=Role.MENTEE).order_by("person__full_name"),
    )


@login_required
@require_POST
def program_pair(request, pk: int):
    """Pair a mentor and a mentee by hand through the pairing service; its refusals are shown on the form."""
    program = _program(request, pk)
    form = _pair_form(request, program, request.POST)
    if form.is_valid():
        try:
            pairing = pair_directly(
                mentor=form.cleaned_data["mentor"],
                mentee=form.cleaned_data["mentee"],
                by=request.user,
                start_date=form.cleaned_data["start_date"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(pairing)s are now paired.") % {"pairing": pairing})
            return redirect("pairings:detail", pk=pairing.pk)
    enrolments = enrolments_visible_to(request.user).filter(program=program).order_by("role", "person__full_name")
    return render(
        request,
        "programs/program_enrolments.html",
        {
            "program": program,
            "form": EnrolmentFilterForm(),
            "page": page_of(request, enrolments),
            "pair_form": form,
            "tab": "people",
        },
        status=400,
    )


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has one, else on the whole form."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


@login_required
def person_list(request):
    hr_only(request.user)
    form = PersonFilterForm(request.GET)
    people = people_visible_to(request.user)
    if form.is_valid():
        if form.cleaned_data["q"]:
            term = form.cleaned_data["q"]
            people = people.filter(
                Q(full_name__icontains=term) | Q(position__icontains=term) | Q(organization__name__icontains=term)
            )
        if form.cleaned_data["category"]:
            people = people.filter(category=form.cleaned_data["category"])
    return render(request, "programs/person_list.html", {"form": form, "page": page_of(request, people)})


@login_required
def person_detail(request, pk: int):
    """A cadre: profile, pairings as mentor and as mentee, career outcomes and the lineage of mentors."""
    hr_only(request.user)
    person = get_object_or_404(people_visible_to(request.user), pk=pk)
    pairings = (
        pairings_visible_to(request.user)
        .filter(Q(mentor__person=person) | Q(mentee__person=person))
        .select_related("mentor__person__organization", "mentee__person__organization")
        .order_by("-start_date", "-id")
    )
    as_mentor = [p for p in pairings if p.mentor.person_id == person.pk]
    as_mentee = [p for p in pairings if p.mentee.person_id == person.pk]
    outcomes = outcomes_visible_to(request.user).filter(person=person)
    ancestors, tree = lineage(person)
    lineage_ids = {p.pk for p in ancestors} | _tree_ids(tree)
    visible = set(people_visible_to(request.user).filter(pk__in=lineage_ids).values_list("pk", flat=True))
    return render(
        request,
        "programs/person_detail.html",
        {
            "person": person,
            "as_mentor": as_mentor,
            "as_mentee": as_mentee,
            "outcomes": outcomes,
            "ancestors": list(reversed(ancestors)),
            "tree": tree,
            "visible_people": visible,
            "history": person_history(person),
        },
    )


def _tree_ids(node) -> set[int]:
    ids = {node.person.pk}
    for child in node.children:
        ids |= _tree_ids(child)
    return ids
