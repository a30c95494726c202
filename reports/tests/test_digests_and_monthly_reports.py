"""The weekly supervision digest and the monthly program reports: once per period, whatever beat does."""

from datetime import date

import pytest
from django.core import mail

from programs.models import ProgramStatus
from programs.tests.factories import HRUserFactory, OrganizationFactory, ProgramFactory
from reports import digests, services
from reports.models import Notification, ReportRun
from reports.tasks import send_weekly_digests, start_monthly_reports

from .jobs import TODAY, every_reminder

pytestmark = pytest.mark.django_db


def test_hr_staff_get_the_figures_of_their_subtree_once_a_week(organization, hr_user):
    every_reminder(organization)
    township = OrganizationFactory(parent=organization, code="TS")
    township_hr = HRUserFactory(organization=township, language="en")

    assert digests.send_weekly_digests(TODAY) == 2
    assert digests.send_weekly_digests(TODAY) == 2  # due again, recorded once

    district = Notification.objects.get(kind="digest", recipient=hr_user)
    assert district.key == f"digest:{organization.pk}:2025-06-16:{hr_user.pk}"
    assert district.url == "/"
    lines = dict(line.rsplit(": ", 1) for line in district.body.splitlines()[1:])
    assert lines["逾期目标"] == "1"  # "Goals overdue", in the site's language
    assert list(lines.values()) == ["8", "2", "1", "1", "2", "1", "1", "0"]
    township_digest = Notification.objects.get(kind="digest", recipient=township_hr)
    assert "Active pairs: 0" in township_digest.body and township_digest.title.startswith("Weekly supervision digest")
    assert Notification.objects.filter(kind="digest").count() == 2


def test_the_weekly_digest_task_also_emails_it(organization, hr_user):
    every_reminder(organization)

    send_weekly_digests.delay()
    send_weekly_digests.delay()

    digest = Notification.objects.get(kind="digest")
    assert [m.subject for m in mail.outbox] == [digest.title]
    assert mail.outbox[0].to == [hr_user.email]


def test_each_active_program_gets_last_months_report_once(organization, hr_user):
    active = ProgramFactory(organization=organization, start_date=date(2024, 1, 1))
    ProgramFactory(organization=organization, status=ProgramStatus.CLOSED)
    ProgramFactory(organization=organization, start_date=date(2025, 6, 1))  # began after last month

    started = services.start_monthly_reports(TODAY)
    again = services.start_monthly_reports(TODAY)

    assert [run.program for run in started] == [active] and again == []
    run = ReportRun.objects.get()
    assert (run.kind, run.format) == ("monthly", "xlsx")
    assert (run.period_start, run.period_end) == (date(2025, 5, 1), date(2025, 5, 31))
    assert run.requested_by is None


def test_a_monthly_report_is_generated_stored_and_announced_to_the_programs_hr_staff(
    organization, hr_user, django_capture_on_commit_callbacks
):
    program = every_reminder(organization)["program"]

    with django_capture_on_commit_callbacks(execute=True):
        assert start_monthly_reports.delay().get() == 1
        assert start_monthly_reports.delay().get() == 0

    run = ReportRun.objects.get(kind="monthly", program=program)
    assert run.status == "succeeded" and run.file
    ready = Notification.objects.get(kind="report_ready")
    assert (ready.recipient, ready.url) == (hr_user, f"/reports/runs/{run.pk}/download/")
