"""Forms of the pairing page: log an activity with its practice cases, goals, assessments, reviews, transitions.

They check what a browser can get wrong (types, ranges, required fields); the rules themselves stay in
``pairings.services``, whose refusals the views put back on the form.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.models import Competency

from .models import (
    AssessorRole,
    CaseKind,
    Dimension,
    Goal,
    GoalStatus,
    Method,
    Rating,
    Review,
    ReviewStage,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _today_max(field: forms.Field) -> None:
    field.widget.attrs["max"] = timezone.localdate().isoformat()


class ActivityForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    dimensions = forms.MultipleChoiceField(
        label=_("Guidance dimensions"),
        choices=Dimension.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=24 * 60, initial=60)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("What the pair did, e.g. visited a village and held a summary meeting afterwards."),
    )
    reflection = forms.CharField(
        label=_("Mentee reflection"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        _today_max(self.fields["date"])


class OwnActivityForm(ActivityForm):
    """An activity logged from the "my mentoring" page: the mentor or mentee picks one of their own pairings."""

    def __init__(self, *args, pairings, **kwargs):
        """``pairings``: the user's own pairings that can take an activity, already read (the selector decides)."""
        super().__init__(*args, **kwargs)
        self.pairings = {pairing.pk: pairing for pairing in pairings}
        self.fields["pairing"] = forms.TypedChoiceField(
            label=_("Pairing"),
            coerce=int,
            choices=[
                (pk, f"{p.mentor.person.full_name} → {p.mentee.person.full_name} · {p.program.name}")
                for pk, p in self.pairings.items()
            ],
        )
        self.order_fields(["pairing", *self.fields])

    def clean_pairing(self):
        return self.pairings[self.cleaned_data["pairing"]]


class PracticeCaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Case"), choices=[("", "—"), *CaseKind.choices], required=False)
    description = forms.CharField(label=_("What was handled"), max_length=2000, required=False)
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, required=False)

    def clean(self):
        data = super().clean()
        if (data.get("description") or data.get("outcome")) and not data.get("kind"):
            self.add_error("kind", _("Choose the kind of case."))
        if data.get("kind") and not data.get("description"):
            self.add_error("description", _("Describe the case the mentee handled."))
        return data


PracticeCaseFormSet = forms.formset_factory(PracticeCaseForm, extra=2, max_num=10, validate_max=True)


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["title", "competency", "due_date", "status", "progress"]
        widgets = {"due_date": DateInput(), "progress": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5})}

    def __init__(self, *args, competencies, **kwargs):
        """``competencies``: the abilities the program assesses, already read (the page reads them once)."""
        super().__init__(*args, **kwargs)
        field = self.fields["competency"]
        field.queryset = Competency.objects.filter(pk__in=[c.pk for c in competencies])
        field.choices = [("", "—"), *((c.pk, c.name) for c in competencies)]

    def clean(self):
        data = super().clean()
        if data.get("status") == GoalStatus.ACHIEVED and data.get("progress") is not None:
            data["progress"] = 100
        return data


class GoalProgressForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["status", "progress"]
        widgets = {"progress": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5})}

    def clean(self):
        data = super().clean()
        if data.get("status") == GoalStatus.ACHIEVED:
            data["progress"] = 100
        return data


class AssessmentForm(forms.Form):
    """One 1–5 score per ability the program assesses; abilities left empty are not scored this time."""

    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())
    assessor_role = forms.ChoiceField(label=_("Assessor"), choices=AssessorRole.choices)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    SCORE_CHOICES = [("", "—"), *[(str(n), str(n)) for n in range(1, 6)]]

    def __init__(self, *args, competencies, roles=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("assessed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _today_max(self.fields["assessed_on"])
        if roles is not None:
            self.fields["assessor_role"].choices = [(v, AssessorRole(v).label) for v in roles]
        self.competencies = list(competencies)
        for competency in self.competencies:
            self.fields[f"score_{competency.code}"] = forms.TypedChoiceField(
                label=competency.name, choices=self.SCORE_CHOICES, coerce=int, empty_value=None, required=False
            )

    def score_fields(self):
        return [self[f"score_{c.code}"] for c in self.competencies]

    def clean(self):
        data = super().clean()
        if not self.scores():
            raise forms.ValidationError(_("Give at least one score."))
        return data

    def scores(self) -> dict[str, int]:
        data = getattr(self, "cleaned_data", {})
        return {c.code: data[f"score_{c.code}"] for c in self.competencies if data.get(f"score_{c.code}") is not None}


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["stage", "rating", "reviewed_on", "comments"]
        widgets = {"reviewed_on": DateInput(), "comments": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, pairing, **kwargs):
        super().__init__(*args, **kwargs)
        self.pairing = pairing
        _today_max(self.fields["reviewed_on"])
        self.fields["stage"].choices = ReviewStage.choices
        self.fields["rating"].choices = Rating.choices

    def clean_reviewed_on(self):
        reviewed_on = self.cleaned_data["reviewed_on"]
        if reviewed_on > timezone.localdate():
            raise forms.ValidationError(_("The review date cannot be in the future."))
        return reviewed_on

    def clean_stage(self):
        stage = self.cleaned_data["stage"]
        if Review.objects.filter(pairing=self.pairing, stage=stage).exists():
            raise forms.ValidationError(_("This pairing already has a review for that stage."))
        return stage


class TransitionForm(forms.Form):
    """Activate, complete, dissolve or reject a pairing; the service decides whether the move is allowed."""

    ACTIONS = [
        ("activate", _("Activate")),
        ("complete", _("Complete")),
        ("dissolve", _("Dissolve")),
        ("reject", _("Reject")),
    ]

    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    on = forms.DateField(label=_("Date"), required=False, widget=DateInput(), help_text=_("Leave empty for today."))
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PledgeForm(forms.Form):
    pledge_signed_on = forms.DateField(label=_("Pledge signed on"), widget=DateInput())

    def clean_pledge_signed_on(self):
        signed = self.cleaned_data["pledge_signed_on"]
        if signed > timezone.localdate():
            raise forms.ValidationError(_("The pledge cannot be signed in the future."))
        return signed
