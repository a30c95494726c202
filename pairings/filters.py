"""Query filters of the pairings API (django-filter)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_filters import rest_framework as filters

from programs.filters import BooleanFilter, FilterSet, IdFilter, subtree_q

from .models import (
    Activity,
    Assessment,
    AssessorRole,
    CaseKind,
    Goal,
    GoalStatus,
    GrowthPlan,
    Method,
    Outcome,
    OutcomeKind,
    Pairing,
    PairingStatus,
    Rating,
    Review,
    ReviewStage,
    silent_since,
)


class PairingFilter(FilterSet):
    program = IdFilter(field_name="program_id")
    # A column of the pairing itself: no join can repeat a row, and django-filter's default DISTINCT would
    # make PostgreSQL compute and sort every matching row (1.4 s for the province's active pairs).
    status = filters.MultipleChoiceFilter(choices=PairingStatus.choices, distinct=False)
    organization = IdFilter(method="filter_organization", label="Program of this organization or below it")
    person = IdFilter(method="filter_person", label="The person is the mentor or the mentee")
    inactive_days = filters.NumberFilter(
        method="filter_inactive_days",
        min_value=0,
        max_value=36500,
        decimal_places=0,
        label="Active pairs with no activity in this many days",
    )
    match_run = IdFilter(field_name="match_run_id")
    is_pinned = BooleanFilter()

    class Meta:
        model = Pairing
        fields = ["program", "status", "organization", "person", "inactive_days", "match_run", "is_pinned"]

    def filter_organization(self, queryset, name, value):
        return queryset.filter(subtree_q("program__organization", value, self.request))

    def filter_person(self, queryset, name, value):
        return queryset.filter(Q(mentor__person_id=int(value)) | Q(mentee__person_id=int(value)))

    def filter_inactive_days(self, queryset, name, value):
        cutoff = timezone.localdate() - timedelta(days=int(value))
        return queryset.alias(heard=silent_since()).filter(status=PairingStatus.ACTIVE, heard__lt=cutoff)


class GrowthPlanFilter(FilterSet):
    pairing = IdFilter(field_name="pairing_id")

    class Meta:
        model = GrowthPlan
        fields = ["pairing"]


class GoalFilter(FilterSet):
    plan = IdFilter(field_name="plan_id")
    pairing = IdFilter(field_name="plan__pairing_id")
    status = filters.ChoiceFilter(choices=GoalStatus.choices)
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lt")

    class Meta:
        model = Goal
        fields = ["plan", "pairing", "status", "due_before"]


class ActivityFilter(FilterSet):
    pairing = IdFilter(field_name="pairing_id")
    program = IdFilter(field_name="pairing__program_id")
    method = filters.ChoiceFilter(choices=Method.choices)
    case_kind = filters.ChoiceFilter(choices=CaseKind.choices, field_name="cases__kind", distinct=True)
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Activity
        fields = ["pairing", "program", "method", "case_kind", "date_from", "date_to"]


class AssessmentFilter(FilterSet):
    person = IdFilter(field_name="person_id")
    pairing = IdFilter(field_name="pairing_id")
    assessor_role = filters.ChoiceFilter(choices=AssessorRole.choices)

    class Meta:
        model = Assessment
        fields = ["person", "pairing", "assessor_role"]


class ReviewFilter(FilterSet):
    pairing = IdFilter(field_name="pairing_id")
    stage = filters.ChoiceFilter(choices=ReviewStage.choices)
    rating = filters.ChoiceFilter(choices=Rating.choices)

    class Meta:
        model = Review
        fields = ["pairing", "stage", "rating"]


class OutcomeFilter(FilterSet):
    person = IdFilter(field_name="person_id")
    kind = filters.ChoiceFilter(choices=OutcomeKind.choices)
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Outcome
        fields = ["person", "kind", "date_from", "date_to"]
