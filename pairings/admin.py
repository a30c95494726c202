"""Admin for pairings and what happens in them. Transitions go through pairings.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import render
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from programs.admin import ScopedAdminMixin, ScopedChoicesMixin

from .matching.runs import accept_proposals
from .models import (
    Activity,
    ActivityDimension,
    Assessment,
    CompetencyScore,
    Goal,
    GrowthPlan,
    MatchRun,
    Outcome,
    Pairing,
    PracticeCase,
    Review,
)
from .services import (
    activate_pairing,
    complete_pairing,
    delete_activity,
    dissolve_pairing,
    refresh_last_activity_date,
    reject_pairing,
)


class ActivityInline(admin.TabularInline):
    model = Activity
    fields = ["date", "method", "duration_minutes", "location", "summary"]
    extra = 0
    show_change_link = True
    ordering = ["-date"]


class ReviewInline(admin.TabularInline):
    model = Review
    fields = ["stage", "rating", "reviewed_on", "comments"]
    extra = 0


class GrowthPlanInline(admin.StackedInline):
    model = GrowthPlan
    fields = ["summary"]
    extra = 0
    show_change_link = True


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def apply_transition(modeladmin, request, queryset, transition, done_message):
    done, refused = 0, []
    for pairing in queryset:
        try:
            transition(pairing)
            done += 1
        except ValidationError as error:
            refused.append(f"{pairing}: {' '.join(error.messages)}")
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, line, messages.ERROR)


def transition_action(transition, description, done_message):
    """An admin action applying one pairing service to each selected pairing, reporting refusals."""

    @admin.action(description=description)
    def action(modeladmin, request, queryset):
        apply_transition(modeladmin, request, queryset, lambda p: transition(p, request.user), done_message)

    return action


@admin.register(Pairing)
class PairingAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    organization_field = "program__organization"
    list_display = [
        "__str__",
        "program",
        "status",
        "start_date",
        "planned_end_date",
        "last_activity_date",
        "match_score",
    ]
    list_filter = ["status", "program", "mentee__category", "mentor__category"]
    list_select_related = ["program", "mentor__person", "mentee__person"]
    search_fields = ["mentor__person__full_name", "mentee__person__full_name", "program__name"]
    autocomplete_fields = ["program", "mentor", "mentee"]
    readonly_fields = ["status", "match_score", "match_run", "last_activity_date", "goals_overview", "created_at"]
    date_hierarchy = "start_date"
    inlines = [GrowthPlanInline, ActivityInline, ReviewInline]
    actions = ["activate", "complete", "dissolve", "reject"]
    fieldsets = [
        (None, {"fields": ["program", "mentor", "mentee", "status", "is_pinned"]}),
        (_("Dates"), {"fields": [("start_date", "planned_end_date", "end_date"), "end_reason", "pledge_signed_on"]}),
        (_("Growth plan"), {"fields": ["goals_overview"]}),
        (
            _("Matching"),
            {"fields": ["match_score", "match_run", "match_explanation", "last_activity_date", "created_at"]},
        ),
    ]

    @admin.display(description=_("goals"))
    def goals_overview(self, pairing):
        goals = Goal.objects.filter(plan__pairing=pairing).select_related("competency")
        if not goals:
            return _("No goals yet. Open the growth plan to add them.")
        return format_html_join(
            "",
            "<div>{} · {} · {}% · {}</div>",
            ((g.title, g.get_status_display(), g.progress, g.due_date or "—") for g in goals),
        )

    activate = transition_action(
        lambda p, user: activate_pairing(p, by=user),
        _("Activate selected proposals"),
        lambda n: ngettext("%(n)d pairing activated.", "%(n)d pairings activated.", n) % {"n": n},
    )
    complete = transition_action(
        lambda p, user: complete_pairing(p, by=user),
        _("Complete selected pairings"),
        lambda n: ngettext("%(n)d pairing completed.", "%(n)d pairings completed.", n) % {"n": n},
    )
    reject = transition_action(
        lambda p, user: reject_pairing(p, by=user),
        _("Reject selected proposals"),
        lambda n: ngettext("%(n)d proposal rejected.", "%(n)d proposals rejected.", n) % {"n": n},
    )

    @admin.action(description=_("Dissolve selected pairings…"))
    def dissolve(self, request, queryset):
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            apply_transition(
                self,
                request,
                queryset,
                lambda p: dissolve_pairing(p, by=request.user, reason=reason),
                lambda n: ngettext("%(n)d pairing dissolved.", "%(n)d pairings dissolved.", n) % {"n": n},
            )
            return None
        return render(
            request,
            "admin/pairings/pairing/dissolve.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Dissolve pairings"),
                "form": form,
                "pairings": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class GoalInline(admin.TabularInline):
    model = Goal
    fields = ["title", "competency", "due_date", "status", "progress"]
    extra = 1


@admin.register(GrowthPlan)
class GrowthPlanAdmin(ScopedAdminMixin, admin.ModelAdmin):
    organization_field = "pairing__program__organization"
    list_display = ["pairing", "goal_count", "created_at"]
    list_select_related = ["pairing__mentor__person", "pairing__mentee__person"]
    search_fields = ["pairing__mentor__person__full_name", "pairing__mentee__person__full_name"]
    autocomplete_fields = ["pairing"]
    inlines = [GoalInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(goals_total=Count("goals"))

    @admin.display(description=_("goals"), ordering="goals_total")
    def goal_count(self, plan):
        return plan.goals_total


@admin.register(Goal)
class GoalAdmin(ScopedAdminMixin, admin.ModelAdmin):
    organization_field = "plan__pairing__program__organization"
    list_display = ["title", "plan", "competency", "due_date", "status", "progress"]
    list_filter = ["status", "competency"]
    list_select_related = ["competency", "plan__pairing__mentor__person", "plan__pairing__mentee__person"]
    search_fields = ["title", "plan__pairing__mentee__person__full_name"]
    autocomplete_fields = ["plan"]
    date_hierarchy = "due_date"


class DimensionInline(admin.TabularInline):
    model = ActivityDimension
    extra = 0


class PracticeCaseInline(admin.StackedInline):
    model = PracticeCase
    extra = 0


@admin.register(Activity)
class ActivityAdmin(ScopedAdminMixin, admin.ModelAdmin):
    organization_field = "pairing__program__organization"
    list_display = ["date", "pairing", "method", "duration_minutes", "location"]
    list_filter = ["method", "dimension_rows__dimension", "date"]
    list_select_related = ["pairing__mentor__person", "pairing__mentee__person"]
    search_fields = ["summary", "location", "pairing__mentee__person__full_name", "pairing__mentor__person__full_name"]
    autocomplete_fields = ["pairing"]
    date_hierarchy = "date"
    inlines = [DimensionInline, PracticeCaseInline]
    readonly_fields = ["created_by", "created_at"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        refresh_last_activity_date(form.instance.pairing_id)

    def delete_model(self, request, obj):
        delete_activity(obj)

    def delete_queryset(self, request, queryset):
        for activity in queryset:
            delete_activity(activity)


class ScoreInline(ScopedChoicesMixin, admin.TabularInline):
    model = CompetencyScore
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    organization_field = "person__organization"
    list_display = ["person", "assessed_on", "assessor_role", "pairing"]
    list_filter = ["assessor_role", "assessed_on"]
    list_select_related = ["person", "pairing__mentor__person", "pairing__mentee__person"]
    search_fields = ["person__full_name", "comment"]
    autocomplete_fields = ["person", "pairing"]
    date_hierarchy = "assessed_on"
    inlines = [ScoreInline]


@admin.register(Review)
class ReviewAdmin(ScopedAdminMixin, admin.ModelAdmin):
    organization_field = "pairing__program__organization"
    list_display = ["pairing", "stage", "rating", "reviewed_on", "reviewer"]
    list_filter = ["stage", "rating"]
    list_select_related = ["pairing__mentor__person", "pairing__mentee__person", "reviewer"]
    search_fields = ["pairing__mentee__person__full_name", "pairing__mentor__person__full_name", "comments"]
    autocomplete_fields = ["pairing"]


@admin.register(Outcome)
class OutcomeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    organization_field = "person__organization"
    list_display = ["person", "kind", "date"]
    list_filter = ["kind", "date"]
    list_select_related = ["person"]
    search_fields = ["person__full_name", "description"]
    autocomplete_fields = ["person"]
    date_hierarchy = "date"


@admin.register(MatchRun)
class MatchRunAdmin(ScopedAdminMixin, admin.ModelAdmin):
    organization_field = "program__organization"
    list_display = ["program", "objective", "status", "progress", "created_at", "finished_at", "started_by"]
    list_filter = ["status", "objective"]
    list_select_related = ["program", "started_by"]
    search_fields = ["program__name"]
    readonly_fields = [f.name for f in MatchRun._meta.fields]
    actions = ["accept_all_proposals"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Accept all open proposals of the selected runs"))
    def accept_all_proposals(self, request, queryset):
        # Through the matching service: best score first, nobody over-filled, refusals reported.
        for run in queryset.select_related("program"):
            try:
                result = accept_proposals(run, "all", by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{run}: {' '.join(error.messages)}", messages.ERROR)
                continue
            self.message_user(
                request,
                ngettext(
                    "%(run)s: %(count)d proposal accepted.", "%(run)s: %(count)d proposals accepted.", len(result.done)
                )
                % {"run": run, "count": len(result.done)},
                messages.SUCCESS,
            )
            for failure in result.failed:
                self.message_user(request, f"{run} #{failure['pairing']}: {failure['reason']}", messages.WARNING)
