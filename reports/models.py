"""Records of background jobs (report and import runs, the outbox of jobs for the broker) and notifications."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pairings.models import JobStatus
from programs.models import Organization, Program


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    CSV = "csv", "CSV"
    PDF = "pdf", "PDF"


class ReportKind(models.TextChoices):
    ON_DEMAND = "on_demand", _("On demand")
    MONTHLY = "monthly", _("Monthly")


class ReportRun(models.Model):
    """A report for a program or an organization subtree over a period, produced as a file by a job."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices, default=ReportKind.ON_DEMAND)
    program = models.ForeignKey(
        Program, verbose_name=_("program"), null=True, blank=True, on_delete=models.CASCADE, related_name="report_runs"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_runs",
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    format = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices, default=ReportFormat.XLSX)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0, validators=[MaxValueValidator(100)])
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_runs",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(program__isnull=False) | Q(organization__isnull=False),
                name="report_has_program_or_organization",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="report_period_ordered"),
            models.UniqueConstraint(
                fields=["program", "period_start", "format"],
                condition=Q(kind="monthly"),
                name="report_monthly_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        subject = self.program or self.organization
        return f"{subject} {self.period_start}–{self.period_end} ({self.format})"


class ImportKind(models.TextChoices):
    PEOPLE = "people", _("People")
    ENROLMENTS = "enrolments", _("Enrolments")
    PAIRINGS = "pairings", _("Pairings")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    VALIDATING = "validating", _("Validating")
    INVALID = "invalid", _("Invalid")
    VALID = "valid", _("Ready to import")
    IMPORTING = "importing", _("Importing")
    SUCCEEDED = "succeeded", _("Imported")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """An uploaded spreadsheet: validated whole, then written in one transaction on confirmation."""

    kind = models.CharField(_("kind"), max_length=12, choices=ImportKind.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0, validators=[MaxValueValidator(100)])
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_runs",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"


class NotificationKind(models.TextChoices):
    INACTIVE = "inactive", _("No recent activity")
    AT_RISK = "at_risk", _("Pair at risk")
    GOAL_DUE = "goal_due", _("Goal due soon")
    GOAL_OVERDUE = "goal_overdue", _("Goal overdue")
    ENDING_SOON = "ending_soon", _("Pairing ending soon")
    ASSESSMENT_DUE = "assessment_due", _("Assessment due")
    MIDTERM_REVIEW_DUE = "midterm_review_due", _("Midterm review due")
    FINAL_REVIEW_DUE = "final_review_due", _("Final review due")
    PROPOSALS_WAITING = "proposals_waiting", _("Proposals waiting")
    DIGEST = "digest", _("Weekly supervision digest")
    REPORT_READY = "report_ready", _("Report ready")


def notification_key(kind: str, subject_id: int, period: date | None, recipient_id: int) -> str:
    """The unique key of a notification: what it is about (kind and object), for which period, to whom."""
    return f"{kind}:{subject_id}:{period.isoformat() if period else '-'}:{recipient_id}"


class Notification(models.Model):
    """A message to one user, in-app and by e-mail; ``key`` makes each one exist once.

    The key is (kind, object, period, recipient), built by ``notification_key``: a reminder repeated by a
    second scan, a retried task or a concurrent worker hits the unique index and is not recorded again.
    ``sent_at`` is set once delivery is done (the e-mail handed to the backend, or nothing to e-mail).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    key = models.CharField(_("key"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0, db_default=0)
    delivery_error = models.TextField(_("delivery error"), blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="notification_unsent_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def read(self) -> bool:
        return self.read_at is not None


class OutboxMessage(models.Model):
    """A job for the workers, written in the transaction that needs it and handed to the broker after commit.

    While Redis is down the row simply waits: the outbox sweep publishes it when the broker is back. One
    pending row per job (task and arguments); a job published twice is harmless because tasks are idempotent.
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    job = models.CharField(_("job"), max_length=255, help_text=_("The task and its arguments: one pending row each."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job"], condition=Q(published_at__isnull=True), name="outbox_one_pending_row_per_job"
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(published_at__isnull=True), name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return self.job
