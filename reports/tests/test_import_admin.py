import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import Person
from programs.services import create_hr_user
from programs.tests.factories import OrganizationFactory
from reports.models import ImportRun

pytestmark = pytest.mark.django_db

HEADERS = "身份证号,姓名,性别,出生日期,学历,单位代码,人员类别,参加工作时间\n"


def test_program_officers_upload_check_and_import_a_file_in_admin(client, organization):
    officer = create_hr_user(username="officer", organization=organization, password="Vault-2026-xyz")
    client.force_login(officer)
    bad = SimpleUploadedFile("p.csv", (HEADERS + "1,甲,男,1990-01-01,本科,NOPE,公务员,2012-08-01\n").encode())
    response = client.post(reverse("admin:reports_importrun_add"), {"kind": "people", "file": bad})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert run.status == "invalid" and "NOPE" in page

    good = SimpleUploadedFile("p.csv", (HEADERS + "1,甲,男,1990-01-01,本科,XA,公务员,2012-08-01\n").encode())
    client.post(reverse("admin:reports_importrun_add"), {"kind": "people", "file": good})
    valid = ImportRun.objects.get(status="valid")
    client.post(
        reverse("admin:reports_importrun_changelist"),
        {"action": "import_checked_files", "_selected_action": [valid.pk, run.pk]},
    )
    valid.refresh_from_db()
    run.refresh_from_db()
    assert (valid.status, run.status) == ("succeeded", "invalid")
    assert Person.objects.filter(id_number="1", organization=organization).count() == 1


def test_admin_shows_no_import_runs_of_another_organization(client, organization):
    officer = create_hr_user(username="officer", organization=organization, password="Vault-2026-xyz")
    stranger = create_hr_user(username="stranger", organization=OrganizationFactory(code="ELSE"), password=None)
    client.force_login(stranger)
    client.post(
        reverse("admin:reports_importrun_add"),
        {
            "kind": "people",
            "file": SimpleUploadedFile(
                "p.csv", (HEADERS + "2,乙,男,1990-01-01,本科,ELSE,公务员,2012-08-01\n").encode()
            ),
        },
    )
    run = ImportRun.objects.get()
    client.force_login(officer)
    assert client.get(reverse("admin:reports_importrun_change", args=[run.pk])).status_code in (302, 404)
    assert str(run.original_name) not in client.get(reverse("admin:reports_importrun_changelist")).content.decode()
