"""The match-run API: HR starts runs on their programs, follows them and reviews proposals; others see nothing."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from pairings.models import JobStatus, Pairing, PairingStatus
from pairings.tests.factories import program_with_people
from programs.tests.factories import (
    HRUserFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def program_with(organization, *, mentors=2, mentees=3, **options):
    return program_with_people(organization, mentors=mentors, mentees=mentees, **options)


@pytest.fixture
def start(api, django_capture_on_commit_callbacks):
    def post(program, body=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(f"/api/v1/programs/{program.pk}/match-runs/", body or {}, format="json")
        return response

    return post


def test_starting_a_run_answers_202_at_once_and_the_run_finishes_with_proposals(api, start, organization):
    program = program_with(organization, mentor_capacity=2)

    response = start(program, {"objective": "score", "weights": {"proximity": 1, "fit": 0}})

    assert response.status_code == 202
    assert response.json()["status"] in (JobStatus.PENDING, JobStatus.SUCCEEDED)
    run = api.get(f"/api/v1/match-runs/{response.json()['id']}/").json()
    assert run["status"] == JobStatus.SUCCEEDED
    assert run["objective"] == "score"
    assert run["weights"] == {"proximity": 1, "fit": 0, "seniority": 0.15, "category": 0.15}
    assert run["progress"] == 100
    assert run["stats"]["matched"] == 3
    assert run["proposals"]["count"] == 3
    listed = api.get(f"/api/v1/programs/{program.pk}/match-runs/").json()
    assert [row["id"] for row in listed["results"]] == [run["id"]]


def test_a_runs_proposals_come_best_first_with_explanations_and_can_be_filtered(api, start, organization):
    program = program_with(organization, mentors=3, mentees=3, mentor_capacity=1)
    run_id = start(program).json()["id"]
    Pairing.objects.filter(match_run_id=run_id).update(match_score=0.2)
    best = Pairing.objects.filter(match_run_id=run_id).first()
    Pairing.objects.filter(pk=best.pk).update(match_score=0.9)

    with translation.override("en"):
        body = api.get(f"/api/v1/match-runs/{run_id}/", HTTP_ACCEPT_LANGUAGE="en").json()
        filtered = api.get(f"/api/v1/match-runs/{run_id}/?min_score=0.5", HTTP_ACCEPT_LANGUAGE="en").json()

    scores = [row["match_score"] for row in body["proposals"]["results"]]
    assert scores == [0.9, 0.2, 0.2]
    explanation = body["proposals"]["results"][0]["explanation"]
    assert [row["label"] for row in explanation] == [
        "Organisational proximity",
        "Strengths for needs",
        "Seniority",
        "Kind of mentor for kind of mentee",
    ]
    assert explanation[0]["text"] == "Same unit"
    assert [row["id"] for row in filtered["proposals"]["results"]] == [best.pk]


def test_reading_a_run_takes_the_same_queries_whatever_the_number_of_proposals(
    api, start, organization, django_assert_max_num_queries
):
    small = start(program_with(organization, mentors=1, mentees=1)).json()["id"]
    large = start(program_with(organization, mentors=5, mentees=15)).json()["id"]

    with django_assert_max_num_queries(8) as small_queries:
        api.get(f"/api/v1/match-runs/{small}/")
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        api.get(f"/api/v1/match-runs/{large}/")


def test_accepting_all_activates_what_still_fits_and_reports_the_rest(api, start, organization):
    program = program_with(organization, mentors=1, mentees=2, mentor_capacity=2)
    run_id = start(program).json()["id"]
    mentor = program.enrolments.get(role="mentor")
    mentor.capacity = 1
    mentor.save()

    response = api.post(f"/api/v1/match-runs/{run_id}/accept/", {"all": True}, format="json")

    assert response.status_code == 200
    assert len(response.json()["done"]) == 1
    assert len(response.json()["failed"]) == 1
    assert Pairing.objects.filter(program=program, status=PairingStatus.ACTIVE).count() == 1


def test_accepting_and_rejecting_selected_proposals(api, start, organization):
    program = program_with(organization, mentors=2, mentees=2)
    run_id = start(program).json()["id"]
    first, second = Pairing.objects.filter(match_run_id=run_id).order_by("id")

    accepted = api.post(f"/api/v1/match-runs/{run_id}/accept/", {"pairings": [first.pk]}, format="json")
    rejected = api.post(f"/api/v1/match-runs/{run_id}/reject/", {"pairings": [second.pk, first.pk]}, format="json")

    assert accepted.json() == {"done": [first.pk], "failed": []}
    assert rejected.json()["done"] == [second.pk]
    assert [row["pairing"] for row in rejected.json()["failed"]] == [first.pk]
    assert Pairing.objects.get(pk=first.pk).status == PairingStatus.ACTIVE
    assert Pairing.objects.get(pk=second.pk).status == PairingStatus.REJECTED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"objective": "fastest"}, "objective"),
        ({"weights": {"luck": 1}}, "weights"),
        ({"weights": {"fit": -1}}, "weights"),
        ({"weights": {"proximity": 0, "fit": 0, "seniority": 0, "category": 0}}, "weights"),
        ({"weights": "heavy"}, "weights"),
    ],
)
def test_bad_run_options_answer_400_with_the_field(api, start, organization, body, field):
    response = start(program_with(organization), body)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "body", [{}, {"pairings": []}, {"pairings": ["x"]}, {"all": True, "pairings": [1]}, {"pairings": [0]}]
)
def test_bad_review_requests_answer_400(api, start, organization, body):
    run_id = start(program_with(organization)).json()["id"]

    assert api.post(f"/api/v1/match-runs/{run_id}/accept/", body, format="json").status_code == 400


def test_rejecting_needs_a_list(api, start, organization):
    run_id = start(program_with(organization)).json()["id"]

    assert api.post(f"/api/v1/match-runs/{run_id}/reject/", {"all": True}, format="json").status_code == 400


def test_a_second_run_while_one_is_under_way_answers_400(api, organization):
    program = program_with(organization)
    # Without the commit callbacks the first run stays pending.
    assert api.post(f"/api/v1/programs/{program.pk}/match-runs/", {}, format="json").status_code == 202

    assert api.post(f"/api/v1/programs/{program.pk}/match-runs/", {}, format="json").status_code == 400


def test_foreign_programs_and_runs_answer_404(api, start, organization):
    foreign = program_with(OrganizationFactory(code="OTHER"))
    other = APIClient()
    other.force_authenticate(HRUserFactory(organization=foreign.organization))
    run_id = other.post(f"/api/v1/programs/{foreign.pk}/match-runs/", {}, format="json").json()["id"]

    assert start(foreign).status_code == 404
    assert api.get(f"/api/v1/programs/{foreign.pk}/match-runs/").status_code == 404
    assert api.get(f"/api/v1/match-runs/{run_id}/").status_code == 404
    assert api.post(f"/api/v1/match-runs/{run_id}/accept/", {"all": True}, format="json").status_code == 404
    assert api.get("/api/v1/match-runs/").json()["count"] == 0


def test_mentors_and_mentees_see_no_runs(start, organization, client):
    program = program_with(organization)
    start(program)
    mentee = program.enrolments.filter(role="mentee").first().person
    mentee.user = UserFactory()
    mentee.save()
    client.force_login(mentee.user)

    assert client.get("/api/v1/match-runs/").status_code == 403
    response = client.post(f"/api/v1/programs/{program.pk}/match-runs/", {}, content_type="application/json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "query", ["mentor=100000000000000000000000", "min_score=2", "max_score=NaN", "mentee=1.5", "status=lost"]
)
def test_bad_proposal_filters_answer_400(api, start, organization, query):
    run_id = start(program_with(organization)).json()["id"]

    response = api.get(f"/api/v1/match-runs/{run_id}/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_a_proposal_id_beyond_the_database_range_answers_400(api, start, organization):
    run_id = start(program_with(organization)).json()["id"]

    response = api.post(f"/api/v1/match-runs/{run_id}/accept/", {"pairings": [10**30]}, format="json")

    assert response.status_code == 400
