"""Pages: the reports page (start a report, watch it, download it, read it on screen), the import page, and
everyone's notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .api import list_export_response, report_file_response
from .exports import LISTS
from .figures import ReportSubject, report_figures, report_sections
from .forms import ImportForm, ReportForm
from .imports import sample_rows
from .models import ImportStatus, ReportFormat
from .selectors import import_runs_visible_to, notifications_of, report_runs_visible_to
from .services import confirm_import, mark_all_read, mark_read, start_import, start_report_run


def _hr_only(user) -> None:
    if not (user.is_superuser or user.organization_id):
        raise PermissionDenied


def _apply_service_errors(form, error: ValidationError) -> None:
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


def _index(request, form):
    runs = Paginator(report_runs_visible_to(request.user).order_by("-created_at"), 20).get_page(request.GET.get("page"))
    return render(request, "reports/index.html", {"form": form, "runs": runs})


@login_required
def index(request):
    """Start a report and follow its run: progress, then the download link."""
    _hr_only(request.user)
    if request.method == "POST":
        form = ReportForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                start_report_run(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _apply_service_errors(form, error)
            else:
                return redirect("reports:index")
    else:
        form = ReportForm(user=request.user)
    return _index(request, form)


@login_required
def report(request):
    """The report on screen: the same sections, in the same order, as the files."""
    _hr_only(request.user)
    query = request.GET.copy()
    query.setdefault("format", ReportFormat.XLSX)
    form = ReportForm(query, user=request.user)
    if not form.is_valid():
        return _index(request, form)
    data = form.cleaned_data
    subject = ReportSubject(
        period_start=data["period_start"],
        period_end=data["period_end"],
        program=data["program"],
        organization=data["organization"],
    )
    context = {
        "subject": subject,
        "sections": report_sections(report_figures(subject)),
        "formats": ReportFormat.choices,
    }
    return render(request, "reports/report.html", context)


@login_required
def download(request, pk: int):
    _hr_only(request.user)
    return report_file_response(get_object_or_404(report_runs_visible_to(request.user), pk=pk))


@login_required
def imports(request):
    """Upload a spreadsheet; it is checked whole and the preview page shows every bad row."""
    _hr_only(request.user)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                run = start_import(by=request.user, kind=data["kind"], upload=data["file"], program=data["program"])
            except ValidationError as error:
                _apply_service_errors(form, error)
            else:
                return redirect("reports:import-detail", pk=run.pk)
    else:
        form = ImportForm(user=request.user)
    runs = Paginator(import_runs_visible_to(request.user).order_by("-created_at"), 20).get_page(request.GET.get("page"))
    return render(request, "reports/imports.html", {"form": form, "runs": runs, "lists": list(LISTS)})


@login_required
def import_detail(request, pk: int):
    _hr_only(request.user)
    run = get_object_or_404(import_runs_visible_to(request.user), pk=pk)
    errors = Paginator(run.errors, 100).get_page(request.GET.get("page"))
    sample = []
    if run.status in (ImportStatus.VALID, ImportStatus.INVALID):
        with run.file.open("rb") as upload:
            sample = sample_rows(upload, run.original_name or run.file.name)
    bad_lines = {error["line"] for error in run.errors}
    context = {
        "run": run,
        "errors": errors,
        "can_confirm": run.status == ImportStatus.VALID,
        "sample": [(line, values, line in bad_lines) for line, values in sample],
    }
    return render(request, "reports/import_detail.html", context)


@login_required
@require_POST
def import_confirm(request, pk: int):
    _hr_only(request.user)
    run = get_object_or_404(import_runs_visible_to(request.user), pk=pk)
    try:
        confirm_import(run, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("reports:import-detail", pk=run.pk)


@login_required
def export(request, kind: str):
    """A list the user can see as CSV (streamed) or XLSX."""
    _hr_only(request.user)
    if kind not in LISTS:
        raise Http404
    file_format = request.GET.get("file_format", "csv")
    if file_format not in ("csv", "xlsx"):
        raise Http404(_("Unknown file format."))
    program = request.GET.get("program", "")
    program_id = int(program) if program.isdigit() and len(program) < 19 else None
    return list_export_response(kind, request.user, file_format=file_format, program_id=program_id)


@login_required
def notifications(request):
    """The user's own notifications, newest first, unread ones highlighted; ``?unread=1`` shows only those."""
    mine = notifications_of(request.user)
    unread = mine.filter(read_at__isnull=True)
    only_unread = request.GET.get("unread") == "1"
    page = Paginator(unread if only_unread else mine, 20).get_page(request.GET.get("page"))
    context = {"page": page, "only_unread": only_unread, "unread_count": unread.count()}
    return render(request, "reports/notifications.html", context)


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one notification read; with ``open`` go on to what it is about."""
    notification = mark_read(get_object_or_404(notifications_of(request.user), pk=pk))
    if request.POST.get("open") and _local(request, notification.url):
        return redirect(notification.url)
    back = request.POST.get("next")
    return redirect(back if _local(request, back) else "reports:notifications")


@login_required
@require_POST
def notifications_read_all(request):
    marked = mark_all_read(request.user)
    messages.success(
        request,
        ngettext("%(count)s notification marked read.", "%(count)s notifications marked read.", marked)
        % {"count": marked},
    )
    return redirect("reports:notifications")


def _local(request, url: str | None) -> bool:
    """A link within this site (notifications store paths), never one elsewhere."""
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
