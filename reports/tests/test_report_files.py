import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from programs.models import Competency
from programs.tests.factories import HRUserFactory, OrganizationFactory, PersonFactory
from reports.figures import ReportSubject, report_figures, report_sections
from reports.models import ReportRun

from .reportdata import PERIOD, build_program

pytestmark = pytest.mark.django_db

EXPECTED_OVERVIEW = {
    "Pairs in force during the period": 4,
    "Pairs started in the period": 2,
    "Pairs active at the end of the period": 2,
    "Pairs completed in the period": 1,
    "Pairs dissolved in the period": 1,
    "Mentors": 2,
    "Mentees": 4,
    "Mentees per mentor (average)": 2.0,
    "Inactive pairs": 1,
    "Activities": 4,
    "Activities per pair per month": 0.25,
    "Goals": 2,
    "Goals achieved": 1,
    "Goals overdue": 1,
}


def start_run(api, django_capture_on_commit_callbacks, **body):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/report-runs/", body, format="json")
    assert response.status_code == 202, response.content
    finished = api.get(f"/api/v1/report-runs/{response.json()['id']}/").json()
    assert finished["status"] == "succeeded", finished
    assert finished["progress"] == 100
    download = api.get(finished["download_url"])
    assert download.status_code == 200
    return b"".join(download.streaming_content)


def expected_sections(program):
    with translation.override("en"):
        subject = ReportSubject(period_start=date(2024, 3, 1), period_end=date(2024, 6, 30), program=program)
        return report_sections(report_figures(subject))


def text(value):
    return "" if value is None else str(value)


def cell(value):
    """A spreadsheet cell compared by value: 2 and 2.0 are the same number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return text(value)


def neutralised(value):
    return "'" + value if isinstance(value, str) and value.startswith(("=", "+", "-", "@")) else value


def test_the_xlsx_csv_pdf_and_page_of_a_report_agree_number_for_number(
    api, hr_user, hr_client, organization, django_capture_on_commit_callbacks
):
    hr_user.language = "en"
    hr_user.save()
    program = build_program(organization)
    sections = expected_sections(program)
    overview = dict(sections[0].rows)
    assert {k: overview[k] for k in EXPECTED_OVERVIEW} == EXPECTED_OVERVIEW
    by_title = {s.key: s for s in sections}
    assert by_title["cohort"].headers[3:6:2] == ["Share under 35", "Share with bachelor's degree or more"]
    assert by_title["cohort"].rows[0] == ["All mentees", 4, 3, "75.0%", 2, "50.0%"]
    political = by_title["competency_growth"].rows[0]
    assert political == [Competency.objects.get(code="political").name_en, 1, 2.0, 4.0, 2.0]
    outcomes = dict(by_title["outcomes"].rows)
    assert outcomes["Promoted into leadership team"] == 1 and outcomes["Promoted"] == 1

    xlsx = start_run(api, django_capture_on_commit_callbacks, program=program.pk, format="xlsx", **PERIOD)
    workbook = load_workbook(io.BytesIO(xlsx))
    for section, sheet in zip(sections, workbook.worksheets, strict=False):
        assert sheet.title == section.title[:31]
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.bold
        values = [[cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert values[0] == section.headers
        assert values[1:] == [[cell(neutralised(v)) for v in row] for row in section.rows]
    assert workbook.worksheets[-1].max_row == 1 + 4  # every pair in force, one row each

    csv_bytes = start_run(api, django_capture_on_commit_callbacks, program=program.pk, format="csv", **PERIOD)
    assert csv_bytes.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    position = 0
    for section in sections:
        assert lines[position] == [section.title]
        assert lines[position + 1] == section.headers
        body = lines[position + 2 : position + 2 + len(section.rows)]
        assert body == [[text(neutralised(v)) for v in row] for row in section.rows]
        position += len(section.rows) + 3

    pdf = start_run(api, django_capture_on_commit_callbacks, program=program.pk, format="pdf", **PERIOD)
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    squashed = pdf_text.replace(" ", "").replace("\n", "")
    for label, value in EXPECTED_OVERVIEW.items():
        assert f"{label}{value}".replace(" ", "") in squashed, label
    assert "青蓝结对" in pdf_text and "双溪桥镇" in pdf_text

    page = hr_client.get(reverse("reports:report"), {"program": program.pk, **PERIOD}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    for section in sections:
        for row in section.rows:
            for value in row:
                assert f">{text(value)}<" in html


def test_a_chinese_pdf_report_renders_chinese_text(api, hr_user, organization, django_capture_on_commit_callbacks):
    hr_user.language = "zh-hans"
    hr_user.save()
    program = build_program(organization)
    pdf = start_run(api, django_capture_on_commit_callbacks, program=program.pk, format="pdf", **PERIOD)
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "青蓝结对" in pdf_text
    assert "导师" in pdf_text
    assert "雷刚" not in pdf_text  # the PDF is figures only; names live in the spreadsheet's pair sheet


def test_cells_that_look_like_formulas_are_neutralised_in_report_and_list_exports(
    api, organization, django_capture_on_commit_callbacks
):
    program = build_program(organization)
    PersonFactory(organization=organization, full_name="@SUM(A1)", position="+1 科员")
    xlsx = start_run(api, django_capture_on_commit_callbacks, program=program.pk, format="xlsx", **PERIOD)
    workbook = load_workbook(io.BytesIO(xlsx))
    cells = [str(c) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "'=HYPERLINK(1)" in cells and "=HYPERLINK(1)" not in cells
    assert "'-陈涵" in cells and "-陈涵" not in cells

    people = api.get("/api/v1/exports/people/", {"file_format": "csv"})
    assert people.status_code == 200
    body = b"".join(people.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    flat = [cell for row in rows for cell in row]
    assert "'@SUM(A1)" in flat and "'+1 科员" in flat and "'-陈涵" in flat
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in flat)

    pairings = api.get("/api/v1/exports/pairings/", {"file_format": "xlsx", "program": program.pk})
    sheet = load_workbook(io.BytesIO(b"".join(pairings.streaming_content))).worksheets[0]
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "'-陈涵" in values
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)


def test_hr_of_another_organization_can_neither_see_nor_download_a_report_run(
    api, client, organization, django_capture_on_commit_callbacks
):
    program = build_program(organization)
    start_run(api, django_capture_on_commit_callbacks, program=program.pk, format="csv", **PERIOD)
    run = ReportRun.objects.get()
    other = HRUserFactory(organization=OrganizationFactory(code="OTHER"))
    api.force_authenticate(other)
    assert api.get(f"/api/v1/report-runs/{run.pk}/").status_code == 404
    assert api.get(f"/api/v1/report-runs/{run.pk}/download/").status_code == 404
    assert api.get("/api/v1/report-runs/").json()["count"] == 0
    client.force_login(other)
    assert client.get(reverse("reports:download", args=[run.pk])).status_code == 404
    assert f"/reports/runs/{run.pk}/" not in client.get(reverse("reports:index")).content.decode()
    refused = api.post("/api/v1/report-runs/", {"program": program.pk, "format": "xlsx", **PERIOD}, format="json")
    assert refused.status_code == 400
    assert "program" in refused.json()


def test_a_report_run_needs_a_program_or_an_organization_and_an_ordered_period(api, organization):
    missing = api.post("/api/v1/report-runs/", {"format": "xlsx", **PERIOD}, format="json")
    assert missing.status_code == 400 and "program" in missing.json()
    backwards = api.post(
        "/api/v1/report-runs/",
        {"organization": organization.pk, "format": "pdf", "period_start": "2024-06-01", "period_end": "2024-01-01"},
        format="json",
    )
    assert backwards.status_code == 400 and "period_end" in backwards.json()
    assert ReportRun.objects.count() == 0


def test_a_report_over_an_organization_breaks_figures_down_by_child_organization(api, organization):
    build_program(organization)
    with translation.override("en"):
        figures = report_figures(
            ReportSubject(period_start=date(2024, 3, 1), period_end=date(2024, 6, 30), organization=organization)
        )
    rows = {
        row["organization"]: (row["pairs"], row["completed"], row["dissolved"], row["activities"])
        for row in figures["organizations"]
    }
    assert rows == {"双溪桥镇": (2, 0, 0, 4), "=HYPERLINK(1)": (2, 1, 1, 0)}


def test_report_figures_take_a_constant_number_of_queries(organization, django_assert_max_num_queries):
    program = build_program(organization)
    subject = ReportSubject(period_start=date(2024, 3, 1), period_end=date(2024, 6, 30), program=program)
    with django_assert_max_num_queries(11):
        report_figures(subject)


def test_the_reports_pages_take_at_most_20_queries_however_many_runs(
    hr_client, hr_user, organization, django_assert_max_num_queries
):
    program = build_program(organization)
    for _ in range(25):
        ReportRun.objects.create(
            program=program, period_start=date(2024, 1, 1), period_end=date(2024, 6, 30), requested_by=hr_user
        )
    with django_assert_max_num_queries(20):
        page = hr_client.get(reverse("reports:index"))
    assert page.status_code == 200 and page.content.decode().count("data-report-run=") == 20
    with django_assert_max_num_queries(20):
        report = hr_client.get(reverse("reports:report"), {"program": program.pk, **PERIOD})
    assert report.status_code == 200 and 'data-section="organizations"' in report.content.decode()


def test_an_on_screen_report_with_a_bad_period_shows_the_form_with_the_message(hr_client, organization):
    response = hr_client.get(
        reverse("reports:report"),
        {"organization": organization.pk, "period_start": "2024-06-01", "period_end": "2024-01-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "The period cannot end before it starts." in response.content.decode()


def test_a_report_started_on_the_page_shows_its_download_link_when_done(
    hr_client, organization, django_capture_on_commit_callbacks
):
    program = build_program(organization)
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(reverse("reports:index"), {"program": program.pk, "format": "pdf", **PERIOD})
    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert (run.status, run.format, run.program) == ("succeeded", "pdf", program)
    page = hr_client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:download", args=[run.pk]) in page
    download = hr_client.get(reverse("reports:download", args=[run.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
