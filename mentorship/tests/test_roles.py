"""What each role may and may not do, through the API and the pages.

A superuser (program officer) sees every organization; HR staff see their organization's subtree; a mentor
and a mentee with a login see and log only their own pairing, and nothing of people, programs, runs,
reports or the administration.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from pairings.models import Activity, PairingStatus
from pairings.tests.factories import ActivePairingFactory, ActivityFactory, AssessmentFactory, GrowthPlanFactory
from programs.tests.factories import (
    EnrolmentFactory,
    HRUserFactory,
    MentorEnrolmentFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def started(days: int):
    return TODAY() - timedelta(days=days)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """These tests sign in with force_login: the accounts' passwords need no costly hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def active_pair(**kwargs):
    return ActivePairingFactory(start_date=started(90), planned_end_date=started(90) + timedelta(days=365), **kwargs)


@pytest.fixture
def world(organization, hr_user, superuser):
    """Organization A with a pair whose mentor and mentee have logins and another pair; organization B's pair."""
    program = ProgramFactory(organization=organization)
    mentor_user = UserFactory(username="laozhang")
    mentee_user = UserFactory(username="xiaowei")
    own = active_pair(
        program=program,
        mentor=MentorEnrolmentFactory(
            program=program, person=PersonFactory(organization=organization, user=mentor_user)
        ),
        mentee=EnrolmentFactory(program=program, person=PersonFactory(organization=organization, user=mentee_user)),
    )
    GrowthPlanFactory(pairing=own)
    neighbour = active_pair(program=program)
    foreign = active_pair(program=ProgramFactory(organization=OrganizationFactory(code="JY")))
    return {
        "program": program,
        "own": own,
        "neighbour": neighbour,
        "foreign": foreign,
        "superuser": superuser,
        "hr": hr_user,
        "mentor": mentor_user,
        "mentee": mentee_user,
    }


def api_as(user) -> APIClient:
    client = APIClient(headers={"accept-language": "en"})
    client.force_authenticate(user)
    return client


def pages_as(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def activity_payload(pairing, **extra):
    return {"pairing": pairing.pk, "date": TODAY().isoformat(), "method": "onsite_teaching", "summary": "走访", **extra}


# --- superuser ---------------------------------------------------------------------------------------------


def test_a_superuser_sees_and_changes_the_pairings_of_every_organization(world):
    api = api_as(world["superuser"])

    listed = ids(api.get("/api/v1/pairings/"))
    completed = api.post(f"/api/v1/pairings/{world['foreign'].pk}/complete/", {}, format="json")

    assert listed == sorted(p.pk for p in (world["own"], world["neighbour"], world["foreign"]))
    assert completed.status_code == 200
    assert completed.json()["status"] == PairingStatus.COMPLETED
    assert api.get("/api/v1/people/").json()["count"] == 6


def test_a_superuser_opens_any_organizations_pages_and_the_administration(world):
    pages = pages_as(world["superuser"])

    assert pages.get(reverse("programs:detail", args=[world["foreign"].program_id])).status_code == 200
    assert pages.get(reverse("pairings:detail", args=[world["foreign"].pk])).status_code == 200
    assert pages.get(reverse("reports:index")).status_code == 200
    assert pages.get(reverse("admin:index")).status_code == 200


# --- HR staff ----------------------------------------------------------------------------------------------


def test_hr_staff_see_and_change_their_organizations_pairings_only(world):
    api = api_as(world["hr"])

    listed = ids(api.get("/api/v1/pairings/"))
    foreign = api.get(f"/api/v1/pairings/{world['foreign'].pk}/")
    complete_foreign = api.post(f"/api/v1/pairings/{world['foreign'].pk}/complete/", {}, format="json")
    complete_own = api.post(f"/api/v1/pairings/{world['own'].pk}/complete/", {}, format="json")

    assert listed == sorted([world["own"].pk, world["neighbour"].pk])
    assert foreign.status_code == 404
    assert complete_foreign.status_code == 404
    assert complete_own.status_code == 200


def test_hr_staff_list_their_people_and_start_reports_but_never_anothers(world):
    api = api_as(world["hr"])

    people = api.get("/api/v1/people/").json()
    report = api.post(
        "/api/v1/report-runs/",
        {"program": world["foreign"].program_id, "period_start": "2024-01-01", "period_end": "2024-12-31"},
        format="json",
    )

    assert people["count"] == 4
    assert report.status_code == 400
    assert "program" in report.json()


def test_hr_staff_open_their_pages_but_not_another_organizations(world):
    pages = pages_as(world["hr"])

    assert pages.get(reverse("home")).status_code == 200
    assert pages.get(reverse("programs:detail", args=[world["program"].pk])).status_code == 200
    assert pages.get(reverse("programs:person", args=[world["own"].mentee.person_id])).status_code == 200
    assert pages.get(reverse("pairings:detail", args=[world["own"].pk])).status_code == 200
    assert pages.get(reverse("programs:detail", args=[world["foreign"].program_id])).status_code == 404
    assert pages.get(reverse("pairings:detail", args=[world["foreign"].pk])).status_code == 404
    assert pages.get(reverse("programs:person", args=[world["foreign"].mentee.person_id])).status_code == 404


# --- mentors and mentees -----------------------------------------------------------------------------------

MEMBERS = ["mentor", "mentee"]

HR_ONLY_ENDPOINTS = [
    "/api/v1/organizations/",
    "/api/v1/people/",
    "/api/v1/programs/",
    "/api/v1/enrolments/",
    "/api/v1/match-runs/",
    "/api/v1/report-runs/",
    "/api/v1/import-runs/",
    "/api/v1/exports/people/",
    "/api/v1/exports/pairings/",
]


@pytest.mark.parametrize("role", MEMBERS)
def test_a_mentor_or_mentee_lists_only_their_own_pairing(world, role):
    api = api_as(world[role])

    listed = ids(api.get("/api/v1/pairings/"))
    own = api.get(f"/api/v1/pairings/{world['own'].pk}/")

    assert listed == [world["own"].pk]
    assert own.json()["mentee_name"] == world["own"].mentee.person.full_name
    assert api.get(f"/api/v1/pairings/{world['neighbour'].pk}/").status_code == 404
    assert api.get(f"/api/v1/pairings/{world['foreign'].pk}/").status_code == 404


@pytest.mark.parametrize("role", MEMBERS)
@pytest.mark.parametrize("action", ["complete", "dissolve"])
def test_a_mentor_or_mentee_cannot_end_their_pairing(world, role, action):
    response = api_as(world[role]).post(
        f"/api/v1/pairings/{world['own'].pk}/{action}/", {"reason": "不想继续"}, format="json"
    )

    assert response.status_code == 403
    world["own"].refresh_from_db()
    assert world["own"].status == PairingStatus.ACTIVE


@pytest.mark.parametrize("role", MEMBERS)
@pytest.mark.parametrize("path", HR_ONLY_ENDPOINTS)
def test_a_mentor_or_mentee_is_refused_people_programs_runs_reports_and_exports(world, role, path):
    api = api_as(world[role])

    assert api.get(path).status_code == 403


@pytest.mark.parametrize("role", MEMBERS)
def test_a_mentor_or_mentee_cannot_start_a_match_run_or_a_report(world, role):
    api = api_as(world[role])

    match = api.post(f"/api/v1/programs/{world['program'].pk}/match-runs/", {}, format="json")
    report = api.post(
        "/api/v1/report-runs/",
        {"program": world["program"].pk, "period_start": "2024-01-01", "period_end": "2024-12-31"},
        format="json",
    )

    assert match.status_code == 403
    assert report.status_code == 403


@pytest.mark.parametrize("role", MEMBERS)
def test_a_mentor_or_mentee_logs_activities_on_their_own_pairing_only(world, role):
    api = api_as(world[role])

    own = api.post("/api/v1/activities/", activity_payload(world["own"], dimensions=["experience"]), format="json")
    neighbour = api.post("/api/v1/activities/", activity_payload(world["neighbour"]), format="json")

    assert own.status_code == 201
    assert Activity.objects.get(pk=own.json()["id"]).created_by == world[role]
    assert neighbour.status_code == 400
    assert "pairing" in neighbour.json()
    assert not Activity.objects.filter(pairing=world["neighbour"]).exists()


@pytest.mark.parametrize("role", MEMBERS)
def test_a_mentor_or_mentee_reads_only_their_pairings_activities(world, role):
    mine = ActivityFactory(pairing=world["own"], date=started(10))
    ActivityFactory(pairing=world["neighbour"], date=started(10))
    ActivityFactory(pairing=world["foreign"], date=started(10))

    assert ids(api_as(world[role]).get("/api/v1/activities/")) == [mine.pk]


def test_a_mentor_changes_the_activities_they_logged_but_not_the_mentees(world):
    by_mentee = ActivityFactory(pairing=world["own"], date=started(5), created_by=world["mentee"])
    by_mentor = ActivityFactory(pairing=world["own"], date=started(4), created_by=world["mentor"])
    api = api_as(world["mentor"])

    mine = api.patch(f"/api/v1/activities/{by_mentor.pk}/", {"summary": "补充记录"}, format="json")
    theirs = api.patch(f"/api/v1/activities/{by_mentee.pk}/", {"summary": "改写"}, format="json")
    deleted = api.delete(f"/api/v1/activities/{by_mentee.pk}/")

    assert mine.status_code == 200
    assert theirs.status_code == 403
    assert deleted.status_code == 403
    by_mentee.refresh_from_db()
    assert by_mentee.summary == "走村入户，现场教学"


def test_hr_staff_change_any_activity_of_their_pairings(world):
    by_mentee = ActivityFactory(pairing=world["own"], date=started(5), created_by=world["mentee"])

    response = api_as(world["hr"]).patch(f"/api/v1/activities/{by_mentee.pk}/", {"summary": "核实"}, format="json")

    assert response.status_code == 200


def test_a_mentor_reads_the_assessments_of_their_mentee_in_their_pairing_and_no_others(world):
    in_pairing = AssessmentFactory(person=world["own"].mentee.person, pairing=world["own"])
    AssessmentFactory(person=world["neighbour"].mentee.person, pairing=world["neighbour"])

    assert ids(api_as(world["mentor"]).get("/api/v1/assessments/")) == [in_pairing.pk]


@pytest.mark.parametrize("role", MEMBERS)
def test_a_mentor_or_mentee_cannot_write_goals_reviews_or_outcomes_through_the_api(world, role):
    api = api_as(world[role])

    goal = api.post("/api/v1/goals/", {"plan": world["own"].growth_plan.pk, "title": "学会调解"}, format="json")
    review = api.post(
        "/api/v1/reviews/", {"pairing": world["own"].pk, "stage": "midterm", "rating": "excellent"}, format="json"
    )

    assert goal.status_code == 403
    assert review.status_code == 403


@pytest.mark.parametrize("role", MEMBERS)
def test_a_mentor_or_mentee_lands_on_my_mentoring_and_opens_their_own_pairing(world, role):
    pages = pages_as(world[role])

    home = pages.get(reverse("home"))
    own = pages.get(reverse("pairings:detail", args=[world["own"].pk]))

    assert home.status_code == 302
    assert home["Location"] == reverse("pairings:mine")
    assert own.status_code == 200
    assert own.context["history"] is None
    assert pages.get(reverse("pairings:detail", args=[world["neighbour"].pk])).status_code == 404
    assert pages.get(reverse("pairings:detail", args=[world["foreign"].pk])).status_code == 404


@pytest.mark.parametrize("role", MEMBERS)
@pytest.mark.parametrize(
    "page",
    ["programs:list", "programs:people", "reports:index", "reports:imports"],
)
def test_a_mentor_or_mentee_is_refused_the_hr_pages(world, role, page):
    assert pages_as(world[role]).get(reverse(page)).status_code == 403


@pytest.mark.parametrize("role", MEMBERS)
def test_a_mentor_or_mentee_is_refused_program_person_and_match_pages(world, role):
    pages = pages_as(world[role])

    assert pages.get(reverse("programs:detail", args=[world["program"].pk])).status_code == 403
    assert pages.get(reverse("programs:person", args=[world["own"].mentee.person_id])).status_code == 403
    assert pages.get(reverse("pairings:match-runs", args=[world["program"].pk])).status_code == 404


@pytest.mark.parametrize("role", MEMBERS)
def test_a_mentor_or_mentee_cannot_end_review_or_sign_the_pledge_on_the_page(world, role):
    pages = pages_as(world[role])
    own = world["own"]

    ended = pages.post(reverse("pairings:transition", args=[own.pk]), {"action": "complete"})
    reviewed = pages.post(reverse("pairings:review", args=[own.pk]), {"stage": "midterm", "rating": "good"})
    pledged = pages.post(reverse("pairings:pledge", args=[own.pk]), {"pledge_signed_on": TODAY().isoformat()})

    assert (ended.status_code, reviewed.status_code, pledged.status_code) == (403, 403, 403)


@pytest.mark.parametrize("role", MEMBERS)
def test_a_mentor_or_mentee_is_kept_out_of_the_administration(world, role):
    response = pages_as(world[role]).get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_an_account_with_neither_an_organization_nor_a_person_sees_nothing(world):
    stranger = UserFactory(username="stranger")
    api = api_as(stranger)

    assert ids(api.get("/api/v1/pairings/")) == []
    assert ids(api.get("/api/v1/activities/")) == []
    assert api.get("/api/v1/people/").status_code == 403
    assert pages_as(stranger).get(reverse("pairings:mine")).context["overview"].pairings == []


def test_an_hr_account_of_another_organization_is_not_a_member_of_its_pairings(world):
    other_hr = HRUserFactory(organization=world["foreign"].program.organization)

    assert ids(api_as(other_hr).get("/api/v1/pairings/")) == [world["foreign"].pk]
