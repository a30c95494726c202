from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from programs.models import Person
from programs.tests.factories import HRUserFactory
from reports.models import ImportRun, Notification, ReportRun, notification_key
from reports.tasks import resume_report_jobs

from .reportdata import PERIOD, build_program

pytestmark = pytest.mark.django_db


def test_a_report_that_cannot_be_stored_fails_with_the_reason(
    api, organization, tmp_path, django_capture_on_commit_callbacks
):
    program = build_program(organization)
    not_a_folder = tmp_path / "media"
    not_a_folder.write_text("a file where the media folder should be")
    with override_settings(MEDIA_ROOT=str(not_a_folder)), django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/report-runs/", {"program": program.pk, "format": "csv", **PERIOD}, format="json")
    run = api.get(f"/api/v1/report-runs/{response.json()['id']}/").json()
    assert run["status"] == "failed"
    assert run["error"] and run["download_url"] is None
    assert api.get(f"/api/v1/report-runs/{run['id']}/download/").status_code == 404


def test_a_report_run_that_was_never_sent_is_picked_up_later(organization, hr_user, django_capture_on_commit_callbacks):
    program = build_program(organization)
    # What a broker outage leaves behind: a pending run whose job never reached a worker.
    run = ReportRun.objects.create(
        program=program,
        period_start=date(2024, 3, 1),
        period_end=date(2024, 6, 30),
        format="xlsx",
        requested_by=hr_user,
        created_at=timezone.now() - timedelta(minutes=10),
    )
    fresh = ReportRun.objects.create(program=program, period_start=date(2024, 3, 1), period_end=date(2024, 6, 30))
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_report_jobs.delay().get() == 1
    run.refresh_from_db()
    fresh.refresh_from_db()
    assert (run.status, run.progress, bool(run.file)) == ("succeeded", 100, True)
    assert fresh.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        resume_report_jobs.delay()
    run.refresh_from_db()
    assert run.finished_at is not None and ReportRun.objects.filter(status="succeeded").count() == 1


@override_settings(REPORTS_INLINE_IMPORT_BYTES=10)
def test_a_large_import_is_checked_and_written_as_jobs(api, organization, django_capture_on_commit_callbacks):
    content = (
        "身份证号,姓名,性别,出生日期,学历,单位代码,人员类别,参加工作时间\n"
        "1,甲,男,1990-01-01,本科,XA,公务员,2012-08-01\n"
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api.post(
            "/api/v1/import-runs/",
            {"kind": "people", "file": SimpleUploadedFile("p.csv", content.encode())},
            format="multipart",
        )
    assert response.json()["status"] == "uploaded" and len(queued) == 1
    queued[0]()
    run = ImportRun.objects.get()
    assert run.status == "valid"
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/import-runs/{run.pk}/confirm/").json()["status"] == "importing"
    assert api.get(f"/api/v1/import-runs/{run.pk}/").json()["status"] == "succeeded"
    assert Person.objects.filter(id_number="1").exists()


def test_the_requester_is_told_once_when_the_report_is_ready(
    api, hr_user, organization, django_capture_on_commit_callbacks
):
    program = build_program(organization)
    with django_capture_on_commit_callbacks(execute=True):
        run_id = api.post(
            "/api/v1/report-runs/", {"program": program.pk, "format": "xlsx", **PERIOD}, format="json"
        ).json()["id"]
    notification = Notification.objects.get(recipient=hr_user)
    assert notification.key == notification_key("report_ready", run_id, None, hr_user.pk)
    assert notification.url == f"/reports/runs/{run_id}/download/"
    resume_report_jobs.delay()
    assert Notification.objects.count() == 1


def test_a_report_period_before_1950_is_refused_with_a_field_message(api, organization):
    response = api.post(
        "/api/v1/report-runs/",
        {"organization": organization.pk, "format": "csv", "period_start": "0001-01-01", "period_end": "0001-12-31"},
        format="json",
    )
    assert response.status_code == 400 and "period_start" in response.json()


def test_runs_are_kept_per_organization_and_each_user_can_list_their_own(api, hr_user, organization):
    program = build_program(organization)
    colleague = HRUserFactory(organization=organization)
    mine = ReportRun.objects.create(
        program=program, period_start=date(2024, 1, 1), period_end=date(2024, 2, 1), requested_by=hr_user
    )
    theirs = ReportRun.objects.create(
        program=program, period_start=date(2024, 1, 1), period_end=date(2024, 2, 1), requested_by=colleague
    )
    everyone = {run["id"] for run in api.get("/api/v1/report-runs/").json()["results"]}
    assert everyone == {mine.pk, theirs.pk}
    assert [run["id"] for run in api.get("/api/v1/report-runs/", {"mine": "true"}).json()["results"]] == [mine.pk]
    assert api.get("/api/v1/report-runs/", {"format": "pdf"}).json()["count"] == 0


@pytest.mark.parametrize("query", ["mine=null", "mine=", "status=", "kind=", "format=pdfx"])
def test_a_run_filter_with_an_empty_or_unknown_value_answers_400(api, query):
    assert api.get(f"/api/v1/report-runs/?{query}").status_code == 400
    import_query = query.replace("mine", "status").replace("format", "kind")
    assert api.get(f"/api/v1/import-runs/?{import_query}").status_code == 400
