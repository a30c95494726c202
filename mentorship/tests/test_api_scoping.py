"""An HR user of organization A probes every endpoint and verb on organization B's objects: never data."""

from datetime import date

import pytest

from pairings.tests.factories import (
    ActivityFactory,
    AssessmentFactory,
    GoalFactory,
    OutcomeFactory,
    ReviewFactory,
)
from programs.tests.factories import (
    EnrolmentFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign():
    """A complete set of objects of another organization (B)."""
    org = OrganizationFactory(name="嘉鱼县", code="JY")
    goal = GoalFactory(plan__pairing__program__organization=org)
    pairing = goal.plan.pairing
    return {
        "organizations": org,
        "people": pairing.mentee.person,
        "programs": pairing.program,
        "enrolments": pairing.mentee,
        "pairings": pairing,
        "growth-plans": goal.plan,
        "goals": goal,
        "activities": ActivityFactory(pairing=pairing),
        "assessments": AssessmentFactory(person=pairing.mentee.person, pairing=pairing),
        "reviews": ReviewFactory(pairing=pairing),
        "outcomes": OutcomeFactory(person=pairing.mentee.person),
    }


@pytest.mark.parametrize(
    "resource",
    [
        "organizations",
        "people",
        "programs",
        "enrolments",
        "pairings",
        "growth-plans",
        "goals",
        "activities",
        "assessments",
        "reviews",
        "outcomes",
    ],
)
def test_another_organizations_objects_answer_404_to_every_verb(api, foreign, resource):
    url = f"/api/v1/{resource}/{foreign[resource].pk}/"

    answers = {
        "GET": api.get(url).status_code,
        "PUT": api.put(url, {}, format="json").status_code,
        "PATCH": api.patch(url, {}, format="json").status_code,
        "DELETE": api.delete(url).status_code,
    }
    listed = api.get(f"/api/v1/{resource}/", {"page_size": 500}).json()["results"]

    assert answers == {"GET": 404, "PUT": 404, "PATCH": 404, "DELETE": 404}
    assert foreign[resource].pk not in {row["id"] for row in listed}


@pytest.mark.parametrize("action", ["activate", "complete", "dissolve", "reject"])
def test_pairing_actions_on_another_organizations_pairing_answer_404(api, foreign, action):
    response = api.post(f"/api/v1/pairings/{foreign['pairings'].pk}/{action}/", {"reason": "x"}, format="json")

    assert response.status_code == 404


def test_another_organizations_program_summary_answers_404(api, foreign):
    assert api.get(f"/api/v1/programs/{foreign['programs'].pk}/summary/").status_code == 404


def test_writes_pointing_at_another_organizations_objects_answer_400(api, organization, foreign):
    program = ProgramFactory(organization=organization)
    mentor = EnrolmentFactory(program=program, role="mentor")
    person = PersonFactory(organization=organization)
    attempts = {
        "people": ({"organization": foreign["organizations"].pk}, "organization"),
        "programs": ({"organization": foreign["organizations"].pk}, "organization"),
        "enrolments": ({"program": program.pk, "person": foreign["people"].pk, "role": "mentee"}, "person"),
        "pairings": ({"mentor": mentor.pk, "mentee": foreign["enrolments"].pk}, "mentee"),
        "growth-plans": ({"pairing": foreign["pairings"].pk}, "pairing"),
        "goals": ({"plan": foreign["growth-plans"].pk, "title": "t"}, "plan"),
        "activities": ({"pairing": foreign["pairings"].pk, "date": "2024-05-01", "method": "other"}, "pairing"),
        "assessments": ({"person": foreign["people"].pk, "scores": {"political": 3}}, "person"),
        "reviews": ({"pairing": foreign["pairings"].pk, "stage": "final", "rating": "good"}, "pairing"),
        "outcomes": ({"person": foreign["people"].pk, "date": "2024-05-01", "kind": "promoted"}, "person"),
        "organizations": ({"name": "x", "code": "X1", "kind": "unit", "parent": foreign["organizations"].pk}, "parent"),
    }
    for resource, (body, field) in attempts.items():
        response = api.post(f"/api/v1/{resource}/", body, format="json")
        assert response.status_code == 400, resource
        assert field in response.json(), (resource, response.json())
    assert person.enrolments.count() == 0
    assert foreign["pairings"].activities.count() == 1


def test_an_organization_filter_outside_the_subtree_finds_nothing(api, foreign):
    response = api.get("/api/v1/people/", {"organization": foreign["organizations"].pk})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_anonymous_callers_are_refused(client, foreign):
    assert client.get("/api/v1/pairings/").status_code in (401, 403)
    assert client.get(f"/api/v1/pairings/{foreign['pairings'].pk}/").status_code in (401, 403)


def test_a_mentee_account_sees_only_its_own_pairing_and_cannot_change_it(foreign):
    from rest_framework.test import APIClient

    from programs.tests.factories import UserFactory

    account = UserFactory()
    mentee = foreign["pairings"].mentee.person
    mentee.user = account
    mentee.save()
    client = APIClient()
    client.force_authenticate(account)

    assert [p["id"] for p in client.get("/api/v1/pairings/").json()["results"]] == [foreign["pairings"].pk]
    assert client.post(f"/api/v1/pairings/{foreign['pairings'].pk}/complete/").status_code == 403
    logged = client.post(
        "/api/v1/activities/",
        {"pairing": foreign["pairings"].pk, "date": str(date(2024, 5, 2)), "method": "other", "summary": "学习"},
        format="json",
    )
    assert logged.status_code == 201
    assert client.get("/api/v1/people/").status_code == 403
