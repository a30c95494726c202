"""Forms of the reports and imports pages; choices limited to what the user can see."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.selectors import organizations_visible_to, programs_visible_to

from .models import ImportKind, ReportFormat
from .services import EARLIEST_REPORT_DATE, IMPORT_SUFFIXES, MAX_REPORT_DAYS


class DateInput(forms.DateInput):
    input_type = "date"


def _year_start() -> date:
    return timezone.localdate().replace(month=1, day=1)


class ReportForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=None, required=False)
    organization = forms.ModelChoiceField(label=_("or organization"), queryset=None, required=False)
    period_start = forms.DateField(label=_("Period start"), widget=DateInput, initial=_year_start)
    period_end = forms.DateField(label=_("Period end"), widget=DateInput, initial=timezone.localdate)
    format = forms.ChoiceField(label=_("File format"), choices=ReportFormat.choices, initial=ReportFormat.XLSX)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs_visible_to(user)
        self.fields["organization"].queryset = organizations_visible_to(user)
        self.fields["organization"].label_from_instance = lambda o: f"{o.name} ({o.code})"

    def clean(self):
        data = super().clean()
        if bool(data.get("program")) == bool(data.get("organization")):
            raise forms.ValidationError(_("Choose either a program or an organization."))
        start, end = data.get("period_start"), data.get("period_end")
        if start and start < EARLIEST_REPORT_DATE:
            self.add_error("period_start", _("A report period starts in 1950 or later."))
        elif start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        elif start and end and (end - start).days > MAX_REPORT_DAYS:
            self.add_error("period_end", _("A report covers at most ten years."))
        return data


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=None,
        required=False,
        help_text=_("Needed for enrolments and pairings."),
    )
    file = forms.FileField(label=_("CSV or XLSX file"), help_text=_("The first row holds the column headers."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs_visible_to(user)
        self.fields["file"].widget.attrs["accept"] = ",".join(IMPORT_SUFFIXES)
