"""Forms of the HR pages about programs, enrolments and people: list filters (GET) and pairing by hand."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EnrolmentCategory, EnrolmentStatus, PersonCategory, ProgramStatus, Role


class SearchForm(forms.Form):
    """A list's search box and filters; bad values are dropped with a message, never a 500."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def value(self, name: str):
        return self.cleaned_data.get(name) if self.is_valid() else None


def _choices(choices) -> list:
    return [("", _("All"))] + list(choices)


class ProgramFilterForm(SearchForm):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_choices(ProgramStatus.choices))


class EnrolmentFilterForm(SearchForm):
    role = forms.ChoiceField(label=_("Role"), required=False, choices=_choices(Role.choices))
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_choices(EnrolmentCategory.choices))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_choices(EnrolmentStatus.choices))
    unpaired = forms.BooleanField(
        label=_("Only unpaired"),
        required=False,
        help_text=_("Mentees without an active pairing and mentors with free places."),
    )


class PersonFilterForm(SearchForm):
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_choices(PersonCategory.choices))


class PairDirectlyForm(forms.Form):
    """HR pairs a mentor and a mentee by hand; the pairing service checks capacity and the other rules."""

    mentor = forms.ModelChoiceField(label=_("Mentor"), queryset=None)
    mentee = forms.ModelChoiceField(label=_("Mentee"), queryset=None)
    start_date = forms.DateField(
        label=_("Start date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to start today."),
    )

    def __init__(self, *args, mentors, mentees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentors
        self.fields["mentee"].queryset = mentees
        self.fields["mentor"].label_from_instance = _enrolment_label
        self.fields["mentee"].label_from_instance = _enrolment_label


def _enrolment_label(enrolment) -> str:
    return f"{enrolment.person.full_name} · {enrolment.person.organization.name}"
