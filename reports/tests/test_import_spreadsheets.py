import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from pairings.models import Pairing, PairingStatus
from programs.models import Education, Enrolment, Gender, Person, PersonCategory, Rank, Role
from programs.tests.factories import (
    EnrolmentFactory,
    HRUserFactory,
    MentorEnrolmentFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
)
from reports.models import ImportRun

pytestmark = pytest.mark.django_db

EN_HEADERS = [
    "ID number",
    "Full name",
    "Gender",
    "Birth date",
    "Education",
    "Organization code",
    "Position",
    "Category",
    "Work start date",
    "E-mail",
]
ZH_HEADERS = [
    "身份证号",
    "姓名",
    "性别",
    "出生日期",
    "学历",
    "单位代码",
    "职务",
    "人员类别",
    "参加工作时间",
    "电子邮箱",
]


def csv_file(rows, name="people.csv"):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile(name, ("\ufeff" + text.getvalue()).encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, name="people.xlsx"):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return SimpleUploadedFile(name, data.getvalue())


def upload(api, file, kind="people", program=None):
    body = {"kind": kind, "file": file}
    if program is not None:
        body["program"] = program.pk
    response = api.post("/api/v1/import-runs/", body, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()


def confirm(api, run):
    return api.post(f"/api/v1/import-runs/{run['id']}/confirm/")


def test_people_import_with_english_headers_creates_people_matched_to_organizations_by_code(api, organization):
    OrganizationFactory(parent=organization, code="SXQ", name="双溪桥镇")
    rows = [
        EN_HEADERS,
        [
            "420102199801010011",
            "王小明",
            "Male",
            "1998-01-01",
            "Bachelor's degree",
            "SXQ",
            "科员",
            "Civil servant",
            "2020-08-01",
            "wang@example.org",
        ],
        [
            "420102199902020022",
            "李小红",
            "female",
            "1999/02/02",
            "master",
            "XA",
            "",
            "selected_graduate",
            "2022-07-01",
            "",
        ],
    ]
    run = upload(api, csv_file(rows))
    assert run["status"] == "valid" and run["errors"] == [] and run["created_count"] == 2
    assert Person.objects.count() == 0  # nothing written before confirmation
    done = confirm(api, run)
    assert done.status_code == 200 and done.json()["status"] == "succeeded"
    assert confirm(api, run).status_code == 400  # a file is imported once
    assert Person.objects.count() == 2
    wang = Person.objects.get(id_number="420102199801010011")
    assert (wang.organization.code, wang.gender, wang.education, wang.birth_date) == (
        "SXQ",
        Gender.MALE,
        Education.BACHELOR,
        date(1998, 1, 1),
    )
    assert Person.objects.get(id_number="420102199902020022").category == PersonCategory.SELECTED_GRADUATE


def test_people_import_with_chinese_headers_from_xlsx_and_the_same_file_twice_creates_no_duplicates(api, organization):
    rows = [
        ZH_HEADERS,
        [
            "42010219980101001X",
            "王小明",
            "男",
            date(1998, 1, 1),
            "大学本科",
            "XA",
            "科员",
            "公务员",
            date(2020, 8, 1),
            "",
        ],
        ["420102199902020022", "李小红", "女", "1999-02-02", "硕士", "XA", "", "选调生", "2022-07-01", ""],
    ]
    first = upload(api, xlsx_file(rows))
    assert first["status"] == "valid", first["errors"]
    assert confirm(api, first).json()["created_count"] == 2
    second = upload(api, xlsx_file(rows))
    assert second["status"] == "valid" and second["created_count"] == 0 and second["updated_count"] == 0
    assert confirm(api, second).json()["status"] == "succeeded"
    assert Person.objects.count() == 2
    assert Person.objects.get(id_number="42010219980101001X").education == Education.BACHELOR


def test_an_import_with_bad_rows_writes_nothing_and_lists_every_bad_row_with_its_line(api, organization):
    PersonFactory(organization=OrganizationFactory(code="ELSE"), id_number="999")
    rows = [
        EN_HEADERS,
        ["1001", "好人", "Male", "1990-01-01", "Bachelor's degree", "XA", "", "Civil servant", "2012-08-01", ""],
        ["1002", "", "Male", "1990-01-01", "Bachelor's degree", "XA", "", "Civil servant", "2012-08-01", ""],
        ["1003", "张三", "unknown", "1990-13-01", "Bachelor's degree", "NOPE", "", "Civil servant", "2012-08-01", ""],
        ["1001", "重复", "Male", "1990-01-01", "Bachelor's degree", "XA", "", "Civil servant", "2012-08-01", "bad"],
        ["999", "别人", "Male", "1990-01-01", "Bachelor's degree", "XA", "", "Civil servant", "1989-08-01", ""],
    ]
    run = upload(api, csv_file(rows))
    assert run["status"] == "invalid"
    problems = {(e["line"], e["column"]) for e in run["errors"]}
    assert problems >= {
        (3, "Full name"),
        (4, "Gender"),
        (4, "Birth date"),
        (4, "Organization code"),
        (5, "E-mail"),
        (6, "Work start date"),
        (6, "ID number"),
    }
    assert any(e["line"] == 5 and "line 2" in e["message"] for e in run["errors"])
    assert 2 not in {e["line"] for e in run["errors"]}
    refused = confirm(api, run)
    assert refused.status_code == 400
    assert Person.objects.filter(id_number__in=["1001", "1002", "1003"]).count() == 0


def test_the_import_page_previews_row_errors_and_confirms_a_valid_file(hr_client, organization):
    bad = csv_file([EN_HEADERS, ["1", "甲", "Male", "1990-01-01", "phd?", "XA", "", "Civil servant", "2012-08-01", ""]])
    response = hr_client.post(reverse("reports:imports"), {"kind": "people", "file": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    preview = hr_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    html = preview.content.decode()
    assert "<td>2</td><td>Education</td>" in html and "Import now" not in html
    assert '<tr class="row-error"><td>2</td><td>1</td><td>甲</td>' in html  # the preview marks the bad row

    good = csv_file(
        [EN_HEADERS, ["1", "甲", "Male", "1990-01-01", "master", "XA", "", "Civil servant", "2012-08-01", ""]]
    )
    response = hr_client.post(reverse("reports:imports"), {"kind": "people", "file": good}, HTTP_ACCEPT_LANGUAGE="en")
    run = ImportRun.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    assert "Import now" in hr_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    hr_client.post(reverse("reports:import-confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "succeeded" and Person.objects.filter(id_number="1", full_name="甲").exists()


def test_enrolments_and_pairings_import_by_id_number_through_the_pairing_rules(api, organization):
    program = ProgramFactory(organization=organization, mentor_capacity=1)
    mentor = PersonFactory(organization=organization, id_number="M1", full_name="雷刚")
    mentees = [PersonFactory(organization=organization, id_number=f"T{i}") for i in range(1, 3)]
    enrolments = [
        ["身份证号", "角色", "类别", "带徒人数上限", "导师专长"],
        ["M1", "导师", "Township veteran (20 years' experience)", "1", "political;research"],
        ["T1", "mentee", "", "", ""],
        ["T2", "Mentee", "new_entrant", "", ""],
    ]
    run = upload(api, csv_file(enrolments), kind="enrolments", program=program)
    assert run["status"] == "valid", run["errors"]
    assert confirm(api, run).json()["created_count"] == 3
    assert sorted(Enrolment.objects.get(person=mentor).strengths.values_list("code", flat=True)) == [
        "political",
        "research",
    ]

    pairs = [["Mentor ID number", "Mentee ID number", "Start date"], ["M1", "T1", "2024-03-01"], ["M1", "T2", ""]]
    refused = upload(api, csv_file(pairs), kind="pairings", program=program)
    assert refused["status"] == "invalid"
    assert [e["line"] for e in refused["errors"]] == [3]
    assert "雷刚" in refused["errors"][0]["message"]  # the service's capacity message
    assert Pairing.objects.count() == 0

    ok = upload(api, csv_file(pairs[:2]), kind="pairings", program=program)
    assert confirm(api, ok).json()["status"] == "succeeded"
    again = upload(api, csv_file(pairs[:2]), kind="pairings", program=program)
    assert confirm(api, again).json()["created_count"] == 0
    pairing = Pairing.objects.get()
    assert (pairing.status, pairing.start_date, pairing.mentee.person) == (
        PairingStatus.ACTIVE,
        date(2024, 3, 1),
        mentees[0],
    )


def test_an_import_refers_only_to_people_and_programs_of_the_users_organization(api, organization):
    elsewhere = OrganizationFactory(code="ELSE")
    foreign_program = ProgramFactory(organization=elsewhere)
    response = api.post(
        "/api/v1/import-runs/",
        {"kind": "enrolments", "program": foreign_program.pk, "file": csv_file([["身份证号", "角色"], ["X", "导师"]])},
        format="multipart",
    )
    assert response.status_code == 400 and "program" in response.json()
    program = ProgramFactory(organization=organization)
    PersonFactory(organization=elsewhere, id_number="X")
    run = upload(api, csv_file([["身份证号", "角色"], ["X", "导师"]]), kind="enrolments", program=program)
    assert run["status"] == "invalid" and run["errors"][0]["line"] == 2
    other = HRUserFactory(organization=elsewhere)
    api.force_authenticate(other)
    assert api.get(f"/api/v1/import-runs/{run['id']}/").status_code == 404
    assert api.post(f"/api/v1/import-runs/{run['id']}/confirm/").status_code == 404


def test_an_unreadable_file_is_reported_not_a_server_error(api, organization):
    run = upload(api, SimpleUploadedFile("people.xlsx", b"PK\x03\x04 not really a workbook"))
    assert run["status"] == "invalid" and run["errors"][0]["line"] == 1
    wrong = api.post(
        "/api/v1/import-runs/", {"kind": "people", "file": SimpleUploadedFile("a.txt", b"x")}, format="multipart"
    )
    assert wrong.status_code == 400 and "file" in wrong.json()


def test_an_exported_people_list_imports_back_without_changes(api, organization):
    PersonFactory(organization=organization, id_number="A1", full_name="-王", gender=Gender.FEMALE)
    exported = api.get("/api/v1/exports/people/", {"file_format": "xlsx"})
    file = SimpleUploadedFile("people.xlsx", b"".join(exported.streaming_content))
    run = upload(api, file)
    assert run["status"] == "valid", run["errors"]
    assert (run["created_count"], run["updated_count"]) == (0, 0)
    assert Person.objects.get(id_number="A1").full_name == "-王"


def test_enrolment_import_keeps_one_role_per_person_per_program(api, organization):
    program = ProgramFactory(organization=organization)
    mentor = MentorEnrolmentFactory(program=program, person=PersonFactory(organization=organization, id_number="M"))
    EnrolmentFactory(program=program, person=PersonFactory(organization=organization, id_number="T"))
    run = upload(
        api, csv_file([["ID number", "Role"], ["M", "mentee"], ["T", "mentee"]]), kind="enrolments", program=program
    )
    assert run["status"] == "invalid"
    assert [(e["line"], e["column"]) for e in run["errors"]] == [(2, "Role")]
    assert Enrolment.objects.get(pk=mentor.pk).role == Role.MENTOR


def test_a_reimport_changes_only_the_columns_the_file_has(api, organization):
    PersonFactory(organization=organization, id_number="R1", full_name="旧名", rank=Rank.SECTION_CHIEF, phone="123")
    rows = [
        ["身份证号", "姓名", "性别", "出生日期", "学历", "单位代码", "人员类别", "参加工作时间"],
        ["R1", "新名", "男", "1995-05-01", "本科", "XA", "公务员", "2018-08-01"],
    ]
    run = upload(api, csv_file(rows))
    assert (run["created_count"], run["updated_count"]) == (0, 1)
    confirm(api, run)
    person = Person.objects.get(id_number="R1")
    assert (person.full_name, person.rank, person.phone) == ("新名", Rank.SECTION_CHIEF, "123")
