"""Query filters of the programs API (django-filter)."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters

from .models import (
    Education,
    Enrolment,
    EnrolmentStatus,
    Organization,
    OrganizationKind,
    Person,
    PersonCategory,
    Program,
    ProgramStatus,
    Role,
)
from .selectors import organizations_visible_to, unpaired

MAX_ID = 2**63 - 1


class FilterSet(filters.FilterSet):
    """A filter given with an empty value is a mistake worth a 400, not a silently dropped condition."""

    def is_valid(self):
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and "" in self.data.getlist(name):
                self.form.add_error(name, _("Give a value or leave the parameter out."))
                valid = False
        return valid


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or 1/0); anything else is a field error rather than silently ignored."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in {"true", "1"}:
            return True
        if text in {"false", "0"}:
            return False
        raise forms.ValidationError(_("Use true or false."), code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class IdFilter(filters.NumberFilter):
    """An object id: whole numbers within a database bigint, or a 400."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
        self.extra.setdefault("decimal_places", 0)


def subtree_q(field: str, organization_id, request) -> Q:
    """Objects whose organization (at ``field``) lies in the subtree of ``organization_id``."""
    root = organizations_visible_to(request.user).filter(pk=int(organization_id)).first()
    if root is None:
        return Q(pk__in=[])
    prefix = f"{field}__" if field else ""
    return Q(**{f"{prefix}path__startswith": root.path})


class OrganizationFilter(FilterSet):
    parent = IdFilter(method="filter_parent", label="Children of this organization")
    kind = filters.ChoiceFilter(choices=OrganizationKind.choices)
    within = IdFilter(method="filter_within", label="The subtree of this organization")

    class Meta:
        model = Organization
        fields = ["parent", "kind", "within"]

    def filter_parent(self, queryset, name, value):
        parent = Organization.objects.filter(pk=int(value)).first()
        if parent is None:
            return queryset.none()
        return queryset.filter(path__startswith=parent.path, depth=parent.depth + 1)

    def filter_within(self, queryset, name, value):
        return queryset.filter(subtree_q("", value, self.request))


class PersonFilter(FilterSet):
    organization = IdFilter(method="filter_organization", label="In the subtree of this organization")
    category = filters.ChoiceFilter(choices=PersonCategory.choices)
    education = filters.ChoiceFilter(choices=Education.choices)
    age_min = filters.NumberFilter(method="filter_age_min", min_value=0, max_value=150, decimal_places=0)
    age_max = filters.NumberFilter(method="filter_age_max", min_value=0, max_value=150, decimal_places=0)
    is_active = BooleanFilter()

    class Meta:
        model = Person
        fields = ["organization", "category", "education", "age_min", "age_max", "is_active"]

    def filter_organization(self, queryset, name, value):
        return queryset.filter(subtree_q("organization", value, self.request))

    def filter_age_min(self, queryset, name, value):
        # At least N years old: born on or before today minus N years.
        return queryset.filter(birth_date__lte=timezone.localdate() - relativedelta(years=int(value)))

    def filter_age_max(self, queryset, name, value):
        # At most N years old: born after today minus N+1 years.
        return queryset.filter(birth_date__gt=timezone.localdate() - relativedelta(years=int(value) + 1))


class ProgramFilter(FilterSet):
    organization = IdFilter(method="filter_organization", label="In the subtree of this organization")
    status = filters.ChoiceFilter(choices=ProgramStatus.choices)

    class Meta:
        model = Program
        fields = ["organization", "status"]

    def filter_organization(self, queryset, name, value):
        return queryset.filter(subtree_q("organization", value, self.request))


class EnrolmentFilter(FilterSet):
    program = IdFilter(field_name="program_id")
    person = IdFilter(field_name="person_id")
    role = filters.ChoiceFilter(choices=Role.choices)
    status = filters.ChoiceFilter(choices=EnrolmentStatus.choices)
    unpaired = BooleanFilter(method="filter_unpaired", label="Mentees not paired, mentors with room")

    class Meta:
        model = Enrolment
        fields = ["program", "person", "role", "status", "unpaired"]

    def filter_unpaired(self, queryset, name, value):
        free = unpaired(queryset).values("pk")
        return queryset.filter(pk__in=free) if value else queryset.exclude(pk__in=free)
