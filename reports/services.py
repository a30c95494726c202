"""Report runs and import runs: started by HR, executed as jobs with progress, stored, failed with a reason.

Jobs go through the outbox (``reports.outbox``): recorded with the run in one transaction, published once
it commits. When the broker cannot be reached the request still succeeds and the job waits in the outbox
until the sweep publishes it; ``resume_stalled_runs`` also sends again the runs whose worker died.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pairings.models import JobStatus
from programs.models import Organization, Program, ProgramStatus
from programs.selectors import organizations_visible_to, programs_visible_to

from . import exports, imports, outbox
from .figures import ReportSubject, pairing_detail_headers, pairing_detail_rows, report_figures, report_sections
from .models import (
    ImportKind,
    ImportRun,
    ImportStatus,
    Notification,
    NotificationKind,
    ReportFormat,
    ReportKind,
    ReportRun,
    notification_key,
)
from .reminders import program_hr_staff

logger = logging.getLogger(__name__)

MAX_REPORT_DAYS = 366 * 10
EARLIEST_REPORT_DATE = date(1950, 1, 1)
MAX_IMPORT_BYTES = 20 * 1024 * 1024
STALE_AFTER = timedelta(minutes=30)
IMPORT_SUFFIXES = (".csv", ".xlsx")


def inline_import_bytes() -> int:
    """Files up to this size are checked and written inside the request; larger ones run as jobs."""
    return getattr(settings, "REPORTS_INLINE_IMPORT_BYTES", 256 * 1024)


def _enqueue(task_name: str, run_id: int) -> None:
    """Record the job with the run; it is published once the surrounding transaction commits."""
    outbox.enqueue(f"reports.tasks.{task_name}", run_id)


# --- Report runs ------------------------------------------------------------------------------------------


def start_report_run(
    *,
    by,
    period_start: date,
    period_end: date,
    format: str = ReportFormat.XLSX,
    program: Program | None = None,
    organization: Organization | None = None,
    kind: str = ReportKind.ON_DEMAND,
) -> ReportRun:
    """Queue a report of one program or one organization subtree the user can see, over a period.

    ``by=None`` is the scheduler (monthly reports), which acts for every organization.
    """
    errors: dict[str, list[str]] = {}
    if (program is None) == (organization is None):
        errors["program"] = [_("Choose either a program or an organization.")]
    if by is not None and program is not None and not programs_visible_to(by).filter(pk=program.pk).exists():
        errors["program"] = [_("This program is not in your organization.")]
    if (
        by is not None
        and organization is not None
        and not organizations_visible_to(by).filter(pk=organization.pk).exists()
    ):
        errors["organization"] = [_("This organization is not yours.")]
    if period_start and period_start < EARLIEST_REPORT_DATE:
        errors["period_start"] = [_("A report period starts in 1950 or later.")]
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = [_("The period cannot end before it starts.")]
    elif period_start and period_end and (period_end - period_start).days > MAX_REPORT_DAYS:
        errors["period_end"] = [_("A report covers at most ten years.")]
    if format not in ReportFormat.values:
        errors["format"] = [_("Choose XLSX, CSV or PDF.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        run = ReportRun.objects.create(
            kind=kind,
            program=program,
            organization=organization,
            period_start=period_start,
            period_end=period_end,
            format=format,
            requested_by=by if getattr(by, "is_authenticated", False) else None,
        )
        _enqueue("generate_report", run.pk)
    return run


def _claim(model, run_id: int, waiting: list[str], claimed: str, **changes):
    """Take a run for execution once: a finished run, or one another worker holds, is left alone."""
    with transaction.atomic():
        run = (
            model.objects.select_for_update(skip_locked=True)
            .filter(pk=run_id)
            .filter(
                Q(status__in=waiting)
                | Q(status=claimed, **{_started_field(model) + "__lt": timezone.now() - STALE_AFTER})
            )
            .first()
        )
        if run is None:
            return None
        run.status = claimed
        for name, value in changes.items():
            setattr(run, name, value)
        run.save()
        return run


def _started_field(model) -> str:
    return "started_at" if model is ReportRun else "created_at"


def _progress(model, run_id: int, percent: int) -> None:
    model.objects.filter(pk=run_id).update(progress=percent)


def report_subject(run: ReportRun) -> ReportSubject:
    return ReportSubject(
        period_start=run.period_start, period_end=run.period_end, program=run.program, organization=run.organization
    )


def report_language(run: ReportRun) -> str:
    return run.requested_by.preferred_language if run.requested_by else settings.LANGUAGE_CODE


def render_report(subject: ReportSubject, format: str, target, *, on_progress=lambda percent: None) -> None:
    """Write the report file: the same sections as the page; XLSX and CSV add every pair in force."""
    figures = report_figures(subject)
    on_progress(40)
    sections = report_sections(figures)
    detail = (_("Pairs"), pairing_detail_headers(), pairing_detail_rows(subject))
    if format == ReportFormat.XLSX:
        exports.write_report_xlsx(sections, target, detail=detail)
    elif format == ReportFormat.CSV:
        exports.write_report_csv(sections, target, detail=detail)
    else:
        title = _("Mentoring report: %(subject)s, %(start)s – %(end)s") % {
            "subject": subject.title,
            "start": subject.period_start.isoformat(),
            "end": subject.period_end.isoformat(),
        }
        exports.write_report_pdf(sections, target, title=title)
    on_progress(95)


def execute_report_run(run_id: int) -> ReportRun | None:
    """Compute and store the report file; any failure leaves the run failed with the reason."""
    run = _claim(ReportRun, run_id, [JobStatus.PENDING], JobStatus.RUNNING, started_at=timezone.now(), progress=5)
    if run is None:
        return None
    try:
        with translation.override(report_language(run)), tempfile.TemporaryFile() as target:
            render_report(
                report_subject(run), run.format, target, on_progress=lambda p: _progress(ReportRun, run.pk, p)
            )
            target.seek(0)
            name = f"report-{run.pk}-{run.period_start:%Y%m%d}-{run.period_end:%Y%m%d}.{run.format}"
            run.file.save(name, File(target), save=False)
        with transaction.atomic():
            run.status, run.progress, run.error, run.finished_at = JobStatus.SUCCEEDED, 100, "", timezone.now()
            run.save(update_fields=["file", "status", "progress", "error", "finished_at"])
            _notify_ready(run)
    except Exception as exc:
        logger.exception("Report run %s failed", run_id)
        ReportRun.objects.filter(pk=run_id).update(
            status=JobStatus.FAILED, error=str(exc) or exc.__class__.__name__, finished_at=timezone.now()
        )
        run.refresh_from_db()
    return run


def _notify_ready(run: ReportRun) -> None:
    """Tell whoever asked that the file is ready (for a monthly report: the program's HR staff); once per run."""
    if run.requested_by is not None:
        recipients = [(run.requested_by_id, report_language(run))]
    elif run.kind == ReportKind.MONTHLY and run.program_id is not None:
        staff = program_hr_staff([run.program_id]).get(run.program_id, [])
        recipients = [(member.user_id, member.language) for member in staff]
    else:
        recipients = []
    for recipient_id, language in recipients:
        with translation.override(language):
            Notification.objects.get_or_create(
                key=notification_key(NotificationKind.REPORT_READY, run.pk, None, recipient_id),
                defaults={
                    "recipient_id": recipient_id,
                    "kind": NotificationKind.REPORT_READY,
                    "title": _("Your report is ready: %(run)s") % {"run": run},
                    "url": reverse("reports:download", args=[run.pk]),
                },
            )


def start_monthly_reports(today: date | None = None) -> list[ReportRun]:
    """Queue last month's report of every active program, once per program and month: the database's
    monthly-report constraint refuses a second run, so beat firing twice starts nothing more."""
    today = today or timezone.localdate()
    period_end = today.replace(day=1) - timedelta(days=1)
    period_start = period_end.replace(day=1)
    done = ReportRun.objects.filter(
        kind=ReportKind.MONTHLY, period_start=period_start, format=ReportFormat.XLSX
    ).values("program_id")
    programs = Program.objects.filter(status=ProgramStatus.ACTIVE, start_date__lte=period_end).exclude(pk__in=done)
    started = []
    for program in programs.order_by("pk"):
        try:
            run = start_report_run(
                by=None,
                program=program,
                period_start=period_start,
                period_end=period_end,
                format=ReportFormat.XLSX,
                kind=ReportKind.MONTHLY,
            )
        except IntegrityError:  # another run of this job got there first
            continue
        started.append(run)
    return started


# --- Import runs ------------------------------------------------------------------------------------------


def start_import(*, by, kind: str, upload, program: Program | None = None) -> ImportRun:
    """Store an uploaded spreadsheet and check it whole; small files are checked at once, large ones as a job."""
    errors: dict[str, list[str]] = {}
    if kind not in ImportKind.values:
        errors["kind"] = [_("Choose people, enrolments or pairings.")]
    if kind in (ImportKind.ENROLMENTS, ImportKind.PAIRINGS):
        if program is None:
            errors["program"] = [_("Choose the program to import into.")]
        elif not programs_visible_to(by).filter(pk=program.pk).exists():
            errors["program"] = [_("This program is not in your organization.")]
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(IMPORT_SUFFIXES):
        errors["file"] = [_("Upload a .csv or .xlsx file.")]
    elif upload.size > MAX_IMPORT_BYTES:
        errors["file"] = [_("The file is larger than 20 MB.")]
    elif upload.size == 0:
        errors["file"] = [_("The file is empty.")]
    if not by.is_superuser and by.organization_id is None:
        errors["kind"] = [_("Only HR staff can import.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        run = ImportRun.objects.create(
            kind=kind,
            organization=by.organization if by.organization_id else (program.organization if program else None),
            program=program if kind != ImportKind.PEOPLE else None,
            file=upload,
            original_name=name[:255],
            uploaded_by=by,
        )
    if upload.size <= inline_import_bytes():
        validate_import(run.pk)
    else:
        with transaction.atomic():
            _enqueue("validate_import", run.pk)
    run.refresh_from_db()
    return run


def _run_file(run: ImportRun, *, commit: bool) -> imports.Outcome:
    with run.file.open("rb") as upload:
        return imports.run_import(
            run.kind,
            upload,
            run.original_name or run.file.name,
            user=run.uploaded_by,
            program=run.program,
            commit=commit,
        )


def _language(run: ImportRun) -> str:
    return run.uploaded_by.preferred_language if run.uploaded_by else settings.LANGUAGE_CODE


def validate_import(run_id: int) -> ImportRun | None:
    """Check the whole file and record every bad row; the run becomes ready to import, or invalid."""
    run = _claim(ImportRun, run_id, [ImportStatus.UPLOADED], ImportStatus.VALIDATING, progress=10)
    if run is None:
        return None
    try:
        with translation.override(_language(run)):
            outcome = _run_file(run, commit=False)
        run.errors = outcome.errors
        run.total_rows = outcome.total_rows
        run.created_count, run.updated_count = outcome.created, outcome.updated
        run.status = ImportStatus.INVALID if outcome.errors else ImportStatus.VALID
        run.progress = 100
        run.save()
    except Exception as exc:
        logger.exception("Import run %s could not be checked", run_id)
        _fail_import(run_id, exc)
        run.refresh_from_db()
    return run


def confirm_import(run: ImportRun, *, by) -> ImportRun:
    """Write a checked file: only a run that is ready to import, once."""
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != ImportStatus.VALID:
            raise ValidationError(
                _("Only a file that was checked without errors can be imported (this one is %(status)s).")
                % {"status": locked.get_status_display()}
            )
        locked.status, locked.progress = ImportStatus.IMPORTING, 0
        locked.save(update_fields=["status", "progress"])
        if locked.file.size > inline_import_bytes():
            _enqueue("execute_import", locked.pk)
    if locked.file.size <= inline_import_bytes():
        execute_import(locked.pk)
    locked.refresh_from_db()
    return locked


def execute_import(run_id: int) -> ImportRun | None:
    """Write the whole file in one transaction with the run's outcome; if anything changed since the
    check, nothing is written and the run lists the rows that are now refused."""
    run = None
    try:
        with transaction.atomic():
            run = (
                ImportRun.objects.select_for_update(skip_locked=True)
                .filter(pk=run_id, status=ImportStatus.IMPORTING, finished_at__isnull=True)
                .first()
            )
            if run is None:
                return None
            with translation.override(_language(run)):
                outcome = _run_file(run, commit=True)
            run.errors = outcome.errors
            run.total_rows = outcome.total_rows
            if outcome.errors:
                run.status = ImportStatus.INVALID
            else:
                run.status = ImportStatus.SUCCEEDED
                run.created_count, run.updated_count = outcome.created, outcome.updated
            run.progress, run.finished_at = 100, timezone.now()
            run.save()
    except Exception as exc:
        logger.exception("Import run %s failed", run_id)
        _fail_import(run_id, exc)
        if run is not None:
            run.refresh_from_db()
    return run


def _fail_import(run_id: int, exc: Exception) -> None:
    ImportRun.objects.filter(pk=run_id).update(
        status=ImportStatus.FAILED, error=str(exc) or exc.__class__.__name__, finished_at=timezone.now()
    )


def resume_stalled_runs(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Send again the jobs whose first sending failed (broker down) or whose worker died."""
    cutoff = timezone.now() - older_than
    sent = 0
    for run_id in ReportRun.objects.filter(status=JobStatus.PENDING, created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        _enqueue("generate_report", run_id)
        sent += 1
    for run_id in ImportRun.objects.filter(status=ImportStatus.UPLOADED, created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        _enqueue("validate_import", run_id)
        sent += 1
    for run_id in ImportRun.objects.filter(
        status=ImportStatus.IMPORTING, finished_at__isnull=True, created_at__lt=cutoff
    ).values_list("pk", flat=True):
        _enqueue("execute_import", run_id)
        sent += 1
    return sent


# --- Notifications ----------------------------------------------------------------------------------------


def mark_read(notification: Notification, *, read: bool = True) -> Notification:
    """Mark one notification read (keeping the first reading time) or unread again."""
    if read and notification.read_at is None:
        notification.read_at = timezone.now()
    elif not read:
        notification.read_at = None
    notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
