import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from pairings.models import PairingStatus
from pairings.tests.factories import PairingFactory
from programs.tests.factories import EnrolmentFactory, OrganizationFactory, PersonFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def csv_rows(response):
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_list_exports_stream_only_what_the_user_sees_with_headers_in_the_users_language(api, organization):
    township = OrganizationFactory(parent=organization, code="SXQ")
    PersonFactory(organization=township, full_name="本单位", id_number="A")
    PersonFactory(organization=OrganizationFactory(code="ELSE"), full_name="外单位", id_number="B")
    rows = csv_rows(api.get("/api/v1/exports/people/", {"file_format": "csv"}, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert rows[0][:3] == ["身份证号", "姓名", "性别"]
    assert [row[1] for row in rows[1:]] == ["本单位"]
    english = csv_rows(api.get("/api/v1/exports/people/", {"file_format": "csv"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert english[0][:3] == ["ID number", "Full name", "Gender"]
    assert english[1][2] == "Male" and english[1][5] == "SXQ"


def test_pairings_and_enrolments_export_as_xlsx_with_a_frozen_formatted_header(api, organization):
    program = ProgramFactory(organization=organization)
    PairingFactory(program=program, status=PairingStatus.ACTIVE)
    PairingFactory(program=ProgramFactory(organization=OrganizationFactory(code="ELSE")), status=PairingStatus.ACTIVE)
    response = api.get("/api/v1/exports/pairings/", {"file_format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Disposition"].startswith('attachment; filename="pairings-')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet.max_row == 2 and sheet["G2"].value == "Active"
    enrolments = api.get("/api/v1/exports/enrolments/", {"file_format": "xlsx", "program": program.pk})
    assert load_workbook(io.BytesIO(b"".join(enrolments.streaming_content))).worksheets[0].max_row == 3


def test_a_list_export_takes_the_same_number_of_queries_for_few_or_many_rows(
    api, organization, django_assert_max_num_queries
):
    program = ProgramFactory(organization=organization)
    for _ in range(3):
        EnrolmentFactory(program=program)
    with django_assert_max_num_queries(8) as few:
        b"".join(api.get("/api/v1/exports/enrolments/", {"file_format": "csv"}).streaming_content)
    for _ in range(20):
        EnrolmentFactory(program=program)
    with django_assert_max_num_queries(len(few.captured_queries)):
        b"".join(api.get("/api/v1/exports/enrolments/", {"file_format": "csv"}).streaming_content)


def test_an_unknown_export_or_file_format_is_refused_cleanly(api, hr_client):
    assert api.get("/api/v1/exports/secrets/").status_code == 404
    assert api.get("/api/v1/exports/people/", {"file_format": "exe"}).status_code == 400
    assert api.get("/api/v1/exports/people/", {"file_format": ""}).status_code == 400
    assert hr_client.get(reverse("reports:export", args=["people"]), {"file_format": "exe"}).status_code == 404
    page = hr_client.get(reverse("reports:export", args=["people"]), {"file_format": "csv"})
    assert page.status_code == 200 and page["Content-Type"].startswith("text/csv")
