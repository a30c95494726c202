"""Admin for program officers. Non-superuser staff see only their organization's subtree."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Competency, Enrolment, Organization, Person, Program, User
from .selectors import (
    enrolments_visible_to,
    organization_scope,
    organizations_visible_to,
    people_visible_to,
    programs_visible_to,
)


def visible_choices(user, model):
    """The queryset a foreign-key field may offer this user, or None when the model is not scoped."""
    from pairings.models import Pairing
    from pairings.selectors import pairings_visible_to

    choosers = {
        Organization: organizations_visible_to,
        Person: people_visible_to,
        Program: programs_visible_to,
        Enrolment: enrolments_visible_to,
        Pairing: pairings_visible_to,
    }
    chooser = choosers.get(model)
    return chooser(user) if chooser else None


class ScopedChoicesMixin:
    """Offers and accepts only foreign keys inside the staff member's organization subtree."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = visible_choices(request.user, db_field.related_model)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedAdminMixin(ScopedChoicesMixin):
    """Limits rows to the staff member's organization subtree.

    ``organization_field`` is the lookup from the model to its owning Organization
    (``""`` for Organization itself).
    """

    organization_field: str = "organization"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.filter(organization_scope(request.user, self.organization_field))


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, TreeAdmin):
    organization_field = ""
    form = movenodeform_factory(Organization)
    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(User)
class UserAdmin(ScopedAdminMixin, BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "organization", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "organization__kind"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Organization"), {"fields": ("organization", "language")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Organization"), {"fields": ("organization",)}),)


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "position"]
    list_editable = ["position"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["full_name", "gender", "birth_date", "education", "organization", "category", "rank", "is_active"]
    list_filter = ["category", "education", "gender", "rank", "is_active", "organization__kind"]
    list_select_related = ["organization"]
    search_fields = ["full_name", "id_number", "phone", "email", "organization__name"]
    autocomplete_fields = ["organization", "user"]
    date_hierarchy = "birth_date"


@admin.register(Program)
class ProgramAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "status", "start_date", "end_date", "mentor_capacity", "enrolled"]
    list_filter = ["status", "organization__kind"]
    list_select_related = ["organization"]
    search_fields = ["name", "organization__name"]
    autocomplete_fields = ["organization"]
    filter_horizontal = ["competencies"]
    date_hierarchy = "start_date"
    fieldsets = [
        (None, {"fields": ["name", "organization", "description", "status", ("start_date", "end_date")]}),
        (_("Pairing rules"), {"fields": ["term_months", "mentor_capacity", "cadence_days", "competencies"]}),
        (
            _("Matching"),
            {"fields": ["matching_weights", "min_match_score", "require_same_district", "previous_pair_policy"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(enrolment_count=Count("enrolments"))

    @admin.display(description=_("enrolled"), ordering="enrolment_count")
    def enrolled(self, program):
        return program.enrolment_count


@admin.register(Enrolment)
class EnrolmentAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    organization_field = "program__organization"
    list_display = ["person", "program", "role", "category", "capacity", "status", "active_pairings"]
    list_filter = ["role", "status", "category", "program"]
    list_select_related = ["person", "program"]
    search_fields = ["person__full_name", "person__id_number", "program__name"]
    autocomplete_fields = ["program", "person"]
    filter_horizontal = ["strengths", "needs"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_count=Count("pairings_as_mentor", filter=Q(pairings_as_mentor__status="active"), distinct=True)
                + Count("pairings_as_mentee", filter=Q(pairings_as_mentee__status="active"), distinct=True)
            )
        )

    @admin.display(description=_("active pairings"), ordering="active_count")
    def active_pairings(self, enrolment):
        return enrolment.active_count
