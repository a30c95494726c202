"""The pairings API: proposals, transitions, activities with cases, assessments with scores, reviews."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pairings.models import Activity, Assessment, MatchRun, PairingStatus
from pairings.tests.factories import (
    ActivePairingFactory,
    ActivityFactory,
    AssessmentFactory,
    GoalFactory,
    OutcomeFactory,
    PairingFactory,
    ReviewFactory,
)
from programs.models import Competency
from programs.tests.factories import EnrolmentFactory, MentorEnrolmentFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(organization):
    return ProgramFactory(organization=organization)


def test_hr_proposes_then_activates_a_pairing(api, program):
    mentor = MentorEnrolmentFactory(program=program)
    mentee = EnrolmentFactory(program=program)

    proposed = api.post("/api/v1/pairings/", {"mentor": mentor.pk, "mentee": mentee.pk}, format="json")
    activated = api.post(
        f"/api/v1/pairings/{proposed.json()['id']}/activate/", {"start_date": "2024-02-01"}, format="json"
    )

    assert proposed.status_code == 201
    assert proposed.json()["status"] == "proposed"
    assert proposed.json()["mentor_name"] == mentor.person.full_name
    assert activated.status_code == 200
    assert activated.json()["status"] == "active"
    assert activated.json()["planned_end_date"] == "2025-02-01"


def test_activating_beyond_capacity_answers_400_with_the_reason(api, program):
    mentor = MentorEnrolmentFactory(program=program, capacity=1)
    ActivePairingFactory(program=program, mentor=mentor)
    proposal = PairingFactory(program=program, mentor=mentor)

    response = api.post(f"/api/v1/pairings/{proposal.pk}/activate/")

    assert response.status_code == 400
    assert "mentor" in response.json()


@pytest.mark.parametrize(
    ("status", "action", "body"),
    [
        (PairingStatus.PROPOSED, "complete", {}),
        (PairingStatus.COMPLETED, "activate", {}),
        (PairingStatus.ACTIVE, "reject", {}),
        (PairingStatus.DISSOLVED, "dissolve", {"reason": "again"}),
    ],
)
def test_illegal_transitions_answer_400(api, program, status, action, body):
    pairing = PairingFactory(program=program, status=status)

    response = api.post(f"/api/v1/pairings/{pairing.pk}/{action}/", body, format="json")

    assert response.status_code == 400
    assert response.json()["non_field_errors"]


def test_dissolving_needs_a_reason_and_keeps_it(api, program):
    pairing = ActivePairingFactory(program=program)

    refused = api.post(f"/api/v1/pairings/{pairing.pk}/dissolve/", {}, format="json")
    done = api.post(f"/api/v1/pairings/{pairing.pk}/dissolve/", {"reason": "工作调动"}, format="json")

    assert refused.status_code == 400
    assert "reason" in refused.json()
    assert done.json()["status"] == "dissolved"
    assert done.json()["end_reason"] == "工作调动"


def test_pairing_a_person_with_themself_answers_400(api, program):
    mentor = MentorEnrolmentFactory(program=program)

    response = api.post("/api/v1/pairings/", {"mentor": mentor.pk, "mentee": mentor.pk}, format="json")

    assert response.status_code == 400


def test_an_activity_is_logged_with_its_dimensions_and_cases_and_moves_the_last_activity_date(api, program):
    pairing = ActivePairingFactory(program=program)
    body = {
        "pairing": pairing.pk,
        "date": "2024-06-03",
        "method": "case_dissection",
        "dimensions": ["experience", "style"],
        "duration_minutes": 120,
        "location": "泉湖村",
        "summary": "解剖麻雀：复盘苗木纠纷",
        "reflection": "学会了和群众坐在家门口说话",
        "cases": [{"kind": "dispute_mediation", "description": "苗木被冲毁", "outcome": "合理赔偿"}],
    }

    response = api.post("/api/v1/activities/", body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["dimensions"] == ["experience", "style"]
    assert response.json()["cases"] == body["cases"]
    pairing.refresh_from_db()
    assert pairing.last_activity_date == date(2024, 6, 3)
    activity = Activity.objects.get()
    assert activity.cases.get().kind == "dispute_mediation"


def test_deleting_the_latest_activity_moves_the_last_activity_date_back(api, program):
    pairing = ActivePairingFactory(program=program)
    for day in ("2024-04-01", "2024-05-01"):
        api.post(
            "/api/v1/activities/",
            {"pairing": pairing.pk, "date": day, "method": "other", "summary": "s"},
            format="json",
        )
    latest = Activity.objects.get(date=date(2024, 5, 1))

    api.delete(f"/api/v1/activities/{latest.pk}/")

    pairing.refresh_from_db()
    assert pairing.last_activity_date == date(2024, 4, 1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "2999-01-01"}, "date"),
        ({"date": "2024-13-45"}, "date"),
        ({"method": "telepathy"}, "method"),
        ({"dimensions": ["astrology"]}, "dimensions"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": "long"}, "duration_minutes"),
        ({"cases": [{"kind": "bribery", "description": "x"}]}, "cases"),
    ],
)
def test_bad_activity_input_answers_400_with_the_field(api, program, change, field):
    pairing = ActivePairingFactory(program=program)
    body = {"pairing": pairing.pk, "date": "2024-06-03", "method": "other", "summary": "s"} | change

    response = api.post("/api/v1/activities/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_patching_an_activity_replaces_its_cases_and_each_case_still_needs_a_description(api, program):
    activity = ActivityFactory(pairing=ActivePairingFactory(program=program))
    url = f"/api/v1/activities/{activity.pk}/"

    refused = api.patch(url, {"cases": [{"kind": "petition_handling", "outcome": "化解"}]}, format="json")
    accepted = api.patch(
        url, {"cases": [{"kind": "petition_handling", "description": "信访", "outcome": ""}]}, format="json"
    )

    assert refused.status_code == 400
    assert "description" in str(refused.json()["cases"]), refused.json()
    assert accepted.status_code == 200
    assert [case["description"] for case in accepted.json()["cases"]] == ["信访"]


def test_an_assessment_takes_scores_by_ability_code(api, program):
    pairing = ActivePairingFactory(program=program)
    body = {
        "person": pairing.mentee.person.pk,
        "pairing": pairing.pk,
        "assessed_on": "2024-06-01",
        "assessor_role": "mentor",
        "scores": {"political": 4, "mass_work": 3},
    }

    response = api.post("/api/v1/assessments/", body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["scores"] == {"political": 4, "mass_work": 3}
    assert Assessment.objects.get().scores.count() == 2


@pytest.mark.parametrize(
    "scores",
    [{"political": 6}, {"political": 0}, {"political": "good"}, {"telepathy": 3}, {}, [3, 4]],
)
def test_scores_outside_one_to_five_or_for_unknown_abilities_answer_400(api, program, scores):
    pairing = ActivePairingFactory(program=program)
    body = {
        "person": pairing.mentee.person.pk,
        "pairing": pairing.pk,
        "assessed_on": "2024-06-01",
        "assessor_role": "mentor",
        "scores": scores,
    }

    response = api.post("/api/v1/assessments/", body, format="json")

    assert response.status_code == 400
    assert "scores" in response.json()
    assert not Assessment.objects.exists()


def test_scores_for_abilities_the_program_does_not_use_answer_400(api, program):
    program.competencies.set(Competency.objects.filter(code__in=["political", "mass_work"]))
    pairing = ActivePairingFactory(program=program)

    response = api.post(
        "/api/v1/assessments/",
        {
            "person": pairing.mentee.person.pk,
            "pairing": pairing.pk,
            "assessed_on": "2024-06-01",
            "assessor_role": "self",
            "scores": {"reform": 3},
        },
        format="json",
    )

    assert response.status_code == 400
    assert "reform" in str(response.json()["scores"])


def test_a_second_review_of_the_same_stage_answers_400(api, program):
    pairing = ActivePairingFactory(program=program)
    first = api.post("/api/v1/reviews/", {"pairing": pairing.pk, "stage": "midterm", "rating": "good"}, format="json")
    second = api.post("/api/v1/reviews/", {"pairing": pairing.pk, "stage": "midterm", "rating": "fair"}, format="json")

    assert first.status_code == 201
    assert second.status_code == 400
    assert "stage" in second.json()


def test_inactive_days_lists_active_pairs_silent_that_long(api, program):
    today = timezone.localdate()
    quiet = ActivePairingFactory(program=program, last_activity_date=today - timedelta(days=45))
    ActivePairingFactory(program=program, last_activity_date=today - timedelta(days=5))

    response = api.get("/api/v1/pairings/", {"inactive_days": 30})

    assert [row["id"] for row in response.json()["results"]] == [quiet.pk]


def test_the_person_filter_finds_pairings_on_either_side(api, program):
    pairing = ActivePairingFactory(program=program)
    ActivePairingFactory(program=program)

    as_mentor = api.get("/api/v1/pairings/", {"person": pairing.mentor.person.pk}).json()
    as_mentee = api.get("/api/v1/pairings/", {"person": pairing.mentee.person.pk}).json()

    assert [r["id"] for r in as_mentor["results"]] == [pairing.pk]
    assert [r["id"] for r in as_mentee["results"]] == [pairing.pk]


def test_filtering_by_statuses_lists_each_pairing_once_without_a_distinct_query(api, program):
    active = ActivePairingFactory(program=program)
    proposed = PairingFactory(program=program)
    PairingFactory(program=program, status=PairingStatus.REJECTED)

    with CaptureQueriesContext(connection) as queries:
        listed = api.get("/api/v1/pairings/", {"status": ["active", "proposed"]}).json()

    assert sorted(row["id"] for row in listed["results"]) == sorted([active.pk, proposed.pk])
    # DISTINCT over a page of name subqueries made PostgreSQL compute and sort every matching row.
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"]]


def test_a_pairing_reads_the_same_in_the_list_as_on_its_own(api, program):
    run = MatchRun.objects.create(program=program, status="succeeded")
    PairingFactory(program=program)
    ActivePairingFactory(
        program=program,
        match_run=run,
        match_score=0.8125,
        match_explanation=[{"criterion": "skills", "score": 0.9, "note": "党建 · 业务"}],
        is_pinned=True,
        pledge_signed_on=date(2024, 3, 2),
        last_activity_date=date(2024, 6, 30),
    )
    ActivePairingFactory(
        program=program, status=PairingStatus.DISSOLVED, end_date=date(2024, 9, 1), end_reason="调岗 reassigned"
    )

    listed = api.get("/api/v1/pairings/").json()["results"]

    assert len(listed) == 3
    for row in listed:
        assert row == api.get(f"/api/v1/pairings/{row['id']}/").json()


@pytest.mark.parametrize(
    "resource", ["pairings", "activities", "assessments", "goals", "growth-plans", "reviews", "outcomes"]
)
def test_list_endpoints_use_the_same_number_of_queries_for_10_and_100_rows(api, program, resource):
    makers = {
        "pairings": lambda: ActivePairingFactory(program=program),
        "activities": lambda: ActivityFactory(pairing__program=program),
        "assessments": lambda: AssessmentFactory(person__organization=program.organization),
        "goals": lambda: GoalFactory(plan__pairing__program=program),
        "growth-plans": lambda: GoalFactory(plan__pairing__program=program).plan,
        "reviews": lambda: ReviewFactory(pairing__program=program),
        "outcomes": lambda: OutcomeFactory(person__organization=program.organization),
    }
    counts = []
    for size in (10, 100):
        while api.get(f"/api/v1/{resource}/").json()["count"] < size:
            makers[resource]()
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get(f"/api/v1/{resource}/", {"page_size": size}).json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
