"""The programs API: the organization tree, people, programs, enrolments, tokens and bad input."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from pairings.models import PairingStatus
from pairings.services import pair_directly
from pairings.tests.factories import ActivePairingFactory
from programs.models import Organization, User
from programs.tests.factories import (
    EnrolmentFactory,
    MentorEnrolmentFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PERSON = {
    "full_name": "杨德燕",
    "gender": "female",
    "birth_date": "1995-04-02",
    "education": "master",
    "position": "村支书（主任）助理",
    "category": "selected_graduate",
    "work_start_date": "2021-01-05",
}


def test_a_token_is_exchanged_for_a_username_and_password(client, hr_user):
    response = client.post(
        "/api/v1/auth/token/", {"username": "hr", "password": "correct-horse-battery"}, content_type="application/json"
    )

    assert response.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/v1/programs/").status_code == 200


def test_an_unknown_token_or_a_deactivated_user_answers_401_in_the_callers_language(client, hr_user):
    # Deactivating a user deletes their tokens; a bulk update skips that, and the token is still refused.
    token = client.post(
        "/api/v1/auth/token/", {"username": "hr", "password": "correct-horse-battery"}, content_type="application/json"
    ).json()["token"]
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")

    api.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    unknown = api.get("/api/v1/programs/")
    User.objects.filter(pk=hr_user.pk).update(is_active=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    deactivated = api.get("/api/v1/programs/")

    assert (unknown.status_code, unknown.json()) == (401, {"detail": "令牌无效。"})
    assert (deactivated.status_code, deactivated.json()) == (401, {"detail": "用户已停用或已删除。"})


def test_the_token_endpoint_locks_out_after_repeated_failures(client, hr_user):
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": "hr", "password": "nope"}, content_type="application/json")

    locked = client.post(
        "/api/v1/auth/token/", {"username": "hr", "password": "correct-horse-battery"}, content_type="application/json"
    )

    assert locked.status_code == 429


def test_organizations_carry_their_parent_and_within_gives_a_subtree(api, organization):
    township = OrganizationFactory(parent=organization, code="XA01", kind="township")
    village = OrganizationFactory(parent=township, code="XA0101", kind="village")
    OrganizationFactory(parent=organization, code="XA02", kind="township")

    rows = api.get("/api/v1/organizations/", {"within": township.pk}).json()["results"]

    assert [(r["code"], r["parent"]) for r in rows] == [("XA01", organization.pk), ("XA0101", township.pk)]
    assert village.pk in {r["id"] for r in rows}
    children = api.get("/api/v1/organizations/", {"parent": organization.pk}).json()["results"]
    assert [r["code"] for r in children] == ["XA01", "XA02"]


def test_hr_adds_an_organization_under_their_own(api, organization):
    response = api.post(
        "/api/v1/organizations/",
        {"name": "官埠桥镇", "code": "XA01", "kind": "township", "parent": organization.pk},
        format="json",
    )

    assert response.status_code == 201
    child = Organization.objects.get(code="XA01")
    assert child.path.startswith(organization.path) and child.depth == organization.depth + 1


def test_hr_cannot_add_a_top_level_organization(api):
    response = api.post("/api/v1/organizations/", {"name": "省", "code": "P", "kind": "city"}, format="json")

    assert response.status_code == 400
    assert "parent" in response.json()


def test_a_person_is_created_with_a_derived_age(api, organization):
    response = api.post("/api/v1/people/", PERSON | {"organization": organization.pk}, format="json")

    assert response.status_code == 201, response.json()
    today = timezone.localdate()
    expected = today.year - 1995 - ((today.month, today.day) < (4, 2))
    assert response.json()["age"] == expected


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_date": (date.today() + timedelta(days=30)).isoformat()}, "birth_date"),
        ({"work_start_date": "1990-01-01"}, "work_start_date"),
        ({"birth_date": "1995-02-30"}, "birth_date"),
        ({"gender": "unknown"}, "gender"),
        ({"education": 7}, "education"),
        ({"organization": 2**40}, "organization"),
        ({"organization": "abc"}, "organization"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_bad_person_input_answers_400_with_the_field(api, organization, change, field):
    response = api.post("/api/v1/people/", PERSON | {"organization": organization.pk} | change, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_nul_characters_in_a_body_or_an_address_answer_400(api, organization):
    body = api.post(
        "/api/v1/people/", PERSON | {"organization": organization.pk, "full_name": "杨\x00德燕"}, format="json"
    )
    address = api.get("/api/v1/people/", {"category": "x\x00"})

    assert body.status_code == 400
    assert address.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        {"age_min": "abc"},
        {"age_max": "-3"},
        {"organization": str(2**70)},
        {"category": "astronaut"},
        {"search": "\x00"},
        {"ordering": "password"},
        {"page": "0"},
    ],
)
def test_bad_filters_never_cause_a_server_error(api, query):
    response = api.get("/api/v1/people/", query)

    assert response.status_code in (200, 400, 404)


@pytest.mark.parametrize("query", ["page=", "page=1&page=2", "page=x", "page=²", "page_size=", "page_size=501"])
def test_a_page_or_page_size_that_is_not_one_whole_number_answers_400(api, query):
    response = api.get(f"/api/v1/people/?{query}")

    assert response.status_code == 400
    assert set(response.json()) <= {"page", "page_size"}


def test_age_filters_count_whole_years(api, organization):
    today = timezone.localdate()
    young = PersonFactory(organization=organization, birth_date=today.replace(year=today.year - 30))
    PersonFactory(organization=organization, birth_date=today.replace(year=today.year - 45))

    rows = api.get("/api/v1/people/", {"age_min": 30, "age_max": 34}).json()["results"]

    assert [r["id"] for r in rows] == [young.pk]


def test_a_program_ending_before_it_starts_or_with_unknown_weights_answers_400(api, organization):
    body = {"name": "青蓝结对", "organization": organization.pk, "start_date": "2024-01-01"}

    backwards = api.post("/api/v1/programs/", body | {"end_date": "2023-01-01"}, format="json")
    weights = api.post("/api/v1/programs/", body | {"matching_weights": {"luck": 1}}, format="json")
    created = api.post("/api/v1/programs/", body | {"competencies": ["political", "mass_work"]}, format="json")

    assert backwards.status_code == 400 and "end_date" in backwards.json()
    assert weights.status_code == 400 and "matching_weights" in weights.json()
    assert created.status_code == 201
    assert created.json()["competencies"] == ["political", "mass_work"]


def test_enrolment_rules_answer_400(api, organization):
    program = ProgramFactory(organization=organization)
    person = PersonFactory(organization=organization)
    body = {"program": program.pk, "person": person.pk, "role": "mentee"}

    with_capacity = api.post("/api/v1/enrolments/", body | {"capacity": 3}, format="json")
    first = api.post("/api/v1/enrolments/", body | {"needs": ["mass_work"]}, format="json")
    again = api.post("/api/v1/enrolments/", body | {"role": "mentor"}, format="json")

    assert with_capacity.status_code == 400 and "capacity" in with_capacity.json()
    assert first.status_code == 201 and first.json()["needs"] == ["mass_work"]
    assert again.status_code == 400 and "person" in again.json()


def test_unpaired_lists_who_still_needs_a_partner(api, organization):
    program = ProgramFactory(organization=organization, mentor_capacity=1)
    mentor = MentorEnrolmentFactory(program=program)
    paired = EnrolmentFactory(program=program)
    waiting = EnrolmentFactory(program=program)
    pair_directly(mentor=mentor, mentee=paired, by=None)

    rows = api.get("/api/v1/enrolments/", {"program": program.pk, "unpaired": "true"}).json()["results"]

    assert [r["id"] for r in rows] == [waiting.pk]


def test_the_program_summary_counts_in_sql(api, organization):
    program = ProgramFactory(organization=organization, mentor_capacity=2)
    mentor = MentorEnrolmentFactory(program=program)
    pair_directly(mentor=mentor, mentee=EnrolmentFactory(program=program), by=None)
    EnrolmentFactory(program=program)
    # A mentor with a capacity of their own, whose ended pairing frees their place again.
    ActivePairingFactory(program=program, mentor__capacity=3, status=PairingStatus.COMPLETED)

    summary = api.get(f"/api/v1/programs/{program.pk}/summary/").json()

    assert summary["pairs"]["active"] == 1
    assert summary["mentors"] == 2
    assert summary["mentees"] == 3
    assert summary["capacity"] == {"total": 5, "used": 1, "free": 4}


@pytest.mark.parametrize("resource", ["organizations", "people", "programs", "enrolments"])
def test_list_endpoints_use_the_same_number_of_queries_for_10_and_100_rows(api, organization, resource):
    program = ProgramFactory(organization=organization)
    makers = {
        "organizations": lambda: OrganizationFactory(parent=organization),
        "people": lambda: PersonFactory(organization=organization),
        "programs": lambda: ProgramFactory(organization=organization),
        "enrolments": lambda: EnrolmentFactory(program=program),
    }
    counts = []
    for size in (10, 100):
        while api.get(f"/api/v1/{resource}/").json()["count"] < size:
            makers[resource]()
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get(f"/api/v1/{resource}/", {"page_size": size}).json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_users_without_an_organization_cannot_write(db):
    api = APIClient()
    api.force_authenticate(UserFactory())

    assert api.post("/api/v1/pairings/", {}, format="json").status_code == 403
