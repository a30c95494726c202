"""Admin for report runs and import runs (scoped to the staff member's subtree; imports upload, preview, confirm),
and, for program officers, the outbox of jobs and the notifications sent."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import outbox
from .forms import ImportForm
from .models import ImportRun, ImportStatus, Notification, OutboxMessage, ReportRun
from .selectors import import_runs_visible_to, report_runs_visible_to
from .services import confirm_import, start_import


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "progress", "requested_by", "created_at", "download"]
    list_filter = ["status", "format", "kind"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def get_queryset(self, request):
        return report_runs_visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def download(self, run: ReportRun):
        if run.status != "succeeded" or not run.file:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("reports:download", args=[run.pk]), gettext("Download"))


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Adding an import run uploads a file and checks it; the action imports the files that checked clean."""

    list_display = [
        "original_name",
        "kind",
        "program",
        "status",
        "total_rows",
        "created_count",
        "updated_count",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    readonly_fields = [
        "kind",
        "program",
        "organization",
        "original_name",
        "status",
        "progress",
        "total_rows",
        "created_count",
        "updated_count",
        "error",
        "row_errors",
        "uploaded_by",
        "created_at",
        "finished_at",
    ]
    exclude = ["file", "errors"]
    actions = ["import_checked_files"]

    def get_queryset(self, request):
        return import_runs_visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("errors"))
    def row_errors(self, run: ImportRun):
        if not run.errors:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e["line"], e.get("column", ""), e["message"]) for e in run.errors[:500]),
        )
        return format_html("<table><tbody>{}</tbody></table>", rows)

    def add_view(self, request, form_url="", extra_context=None):
        form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                run = start_import(by=request.user, kind=data["kind"], upload=data["file"], program=data["program"])
            except ValidationError as error:
                for field, field_messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, field_messages)
            else:
                return redirect("admin:reports_importrun_change", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import a spreadsheet"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/reports/importrun/upload.html", context)

    @admin.action(description=_("Import the selected files that were checked without errors"))
    def import_checked_files(self, request, queryset):
        done = 0
        for run in queryset.filter(status=ImportStatus.VALID):
            try:
                run = confirm_import(run, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{run}: {' '.join(error.messages)}", messages.ERROR)
                continue
            done += run.status == ImportStatus.SUCCEEDED
        self.message_user(request, gettext("%(n)s file(s) imported.") % {"n": done}, messages.SUCCESS)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Jobs on their way to the workers: those still waiting were recorded while the broker was down."""

    list_display = ["job", "created_at", "published_at", "attempts", "last_error"]
    list_filter = [("published_at", admin.EmptyFieldListFilter)]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["publish_waiting"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Publish the jobs still waiting"))
    def publish_waiting(self, request, queryset):
        published = outbox.publish_pending(grace=timedelta(0))
        self.message_user(request, gettext("%(n)s job(s) published.") % {"n": published}, messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What was said to whom, when it was e-mailed, and why not if it failed (program officers only)."""

    list_display = ["title", "kind", "recipient", "created_at", "sent_at", "read_at", "delivery_attempts"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter), ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
