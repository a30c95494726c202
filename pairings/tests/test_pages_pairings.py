"""The pairing pages: the list with its supervision filter, one pairing's page and its actions through the
pairing services, the pledge certificate. Forms keep what was typed and say what is wrong; never a 500."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pairings.models import Activity, Assessment, Goal, Pairing, PairingStatus, Review
from pairings.tests.factories import (
    ActivePairingFactory,
    ActivityFactory,
    AssessmentFactory,
    GoalFactory,
    GrowthPlanFactory,
    PairingFactory,
)
from programs.models import Competency
from programs.tests.factories import (
    EnrolmentFactory,
    HRUserFactory,
    MentorEnrolmentFactory,
    PersonFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """Pages answer in the browser's language; these tests read the English wording."""
    settings.LANGUAGE_CODE = "en"


def days_ago(days: int):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def program(organization):
    return ProgramFactory(organization=organization, cadence_days=30)


@pytest.fixture
def pairing(program):
    pairing = ActivePairingFactory(
        program=program, start_date=days_ago(100), planned_end_date=days_ago(100) + timedelta(days=365)
    )
    GrowthPlanFactory(pairing=pairing)
    return pairing


def url(name, pairing, *extra):
    return reverse(f"pairings:{name}", args=[pairing.pk, *extra])


def test_logging_an_activity_puts_it_on_the_timeline_with_its_dimensions_and_cases(hr_client, pairing):
    response = hr_client.post(
        url("log-activity", pairing),
        {
            "date": days_ago(1).isoformat(),
            "method": "onsite_teaching",
            "dimensions": ["experience", "style"],
            "duration_minutes": "90",
            "location": "双溪村",
            "summary": "师徒走村入户，现场调解邻里纠纷",
            "reflection": "学会了先听后说",
            "case-TOTAL_FORMS": "2",
            "case-INITIAL_FORMS": "0",
            "case-0-kind": "dispute_mediation",
            "case-0-description": "宅基地边界纠纷",
            "case-0-outcome": "双方签订调解协议",
            "case-1-kind": "",
            "case-1-description": "",
            "case-1-outcome": "",
        },
        follow=True,
    )

    activity = Activity.objects.get(pairing=pairing)
    assert activity.summary == "师徒走村入户，现场调解邻里纠纷"
    assert sorted(activity.dimension_rows.values_list("dimension", flat=True)) == ["experience", "style"]
    assert list(activity.cases.values_list("kind", "description", "outcome")) == [
        ("dispute_mediation", "宅基地边界纠纷", "双方签订调解协议")
    ]
    pairing.refresh_from_db()
    assert pairing.last_activity_date == days_ago(1)
    assert response.redirect_chain[-1][0].endswith("#timeline")
    page = response.content.decode()
    assert "宅基地边界纠纷" in page
    assert "The activity is on the timeline." in page


def test_an_activity_in_the_future_is_refused_with_the_message_and_what_was_typed_kept(hr_client, pairing):
    response = hr_client.post(
        url("log-activity", pairing),
        {
            "date": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "method": "assignment",
            "duration_minutes": "60",
            "summary": "撰写调研报告",
            "case-TOTAL_FORMS": "0",
            "case-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 400
    assert response.context["activity_form"].errors["date"] == ["The activity date cannot be in the future."]
    assert "撰写调研报告" in response.content.decode()
    assert not Activity.objects.exists()


def test_an_activity_form_with_missing_and_malformed_fields_says_which_ones(hr_client, pairing):
    response = hr_client.post(
        url("log-activity", pairing),
        {
            "date": "not-a-date",
            "method": "magic",
            "duration_minutes": "-5",
            "summary": "",
            "case-TOTAL_FORMS": "1",
            "case-INITIAL_FORMS": "0",
            "case-0-description": "没有选类型",
        },
    )

    form = response.context["activity_form"]
    assert response.status_code == 400
    assert set(form.errors) == {"date", "method", "duration_minutes", "summary"}
    assert response.context["case_formset"].errors[0] == {"kind": ["Choose the kind of case."]}


def test_a_broken_case_formset_answers_400_not_500(hr_client, pairing):
    response = hr_client.post(url("log-activity", pairing), {"date": days_ago(1).isoformat(), "summary": "x"})

    assert response.status_code == 400


def test_an_activity_on_a_proposal_is_refused_by_the_activity_service(hr_client, program):
    proposal = PairingFactory(program=program)

    response = hr_client.post(
        url("log-activity", proposal),
        {
            "date": days_ago(1).isoformat(),
            "method": "assignment",
            "duration_minutes": "60",
            "summary": "提前记录",
            "case-TOTAL_FORMS": "0",
            "case-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 400
    assert response.context["activity_form"].non_field_errors() == ["Activities can only be logged on active pairings."]


def test_adding_a_goal_puts_it_in_the_growth_plan_and_its_progress_can_be_updated(hr_client, pairing):
    ability = Competency.objects.order_by("position").last()
    hr_client.post(
        url("add-goal", pairing),
        {
            "title": "参与一次应急演练并复盘",
            "competency": ability.pk,
            "due_date": "2030-01-31",
            "status": "planned",
            "progress": "0",
        },
    )
    goal = Goal.objects.get(plan__pairing=pairing)

    hr_client.post(
        url("update-goal", pairing, goal.pk),
        {f"goal-{goal.pk}-status": "in_progress", f"goal-{goal.pk}-progress": "40"},
    )

    goal.refresh_from_db()
    assert (goal.title, goal.competency, goal.status, goal.progress) == (
        "参与一次应急演练并复盘",
        ability,
        "in_progress",
        40,
    )


def test_a_goal_with_progress_over_100_is_refused_and_kept_on_the_form(hr_client, pairing):
    response = hr_client.post(url("add-goal", pairing), {"title": "走访农户", "status": "planned", "progress": "150"})

    assert response.status_code == 400
    assert "progress" in response.context["goal_form"].errors
    assert "走访农户" in response.content.decode()
    assert not Goal.objects.exists()


def test_an_assessment_is_recorded_through_the_service_and_drawn_on_the_growth_chart(hr_client, pairing):
    first, second = Competency.objects.order_by("position")[:2]

    hr_client.post(
        url("assess", pairing),
        {
            "assessed_on": days_ago(2).isoformat(),
            "assessor_role": "mentor",
            f"score_{first.code}": "3",
            f"score_{second.code}": "4",
            "comment": "进步明显",
        },
    )
    response = hr_client.get(url("detail", pairing))

    assessment = Assessment.objects.get(person=pairing.mentee.person)
    assert {s.competency.code: s.score for s in assessment.scores.all()} == {first.code: 3, second.code: 4}
    chart = response.context["growth_chart"]
    assert len(chart["labels"]) == Competency.objects.count()
    assert chart["series"][0]["data"][:2] == [3, 4]
    assert 'id="growth-chart"' in response.content.decode()


def test_an_assessment_without_any_score_is_refused(hr_client, pairing):
    response = hr_client.post(
        url("assess", pairing), {"assessed_on": days_ago(2).isoformat(), "assessor_role": "mentor"}
    )

    assert response.status_code == 400
    assert response.context["assessment_form"].non_field_errors() == ["Give at least one score."]
    assert not Assessment.objects.exists()


def test_a_second_midterm_review_of_a_pairing_is_refused(hr_client, pairing):
    first = hr_client.post(
        url("review", pairing), {"stage": "midterm", "rating": "good", "reviewed_on": days_ago(1).isoformat()}
    )
    second = hr_client.post(
        url("review", pairing), {"stage": "midterm", "rating": "excellent", "reviewed_on": days_ago(0).isoformat()}
    )

    assert first.status_code == 302
    assert second.status_code == 400
    assert second.context["review_form"].errors["stage"] == ["This pairing already has a review for that stage."]
    assert list(Review.objects.values_list("rating", flat=True)) == ["good"]


def test_a_proposal_is_activated_and_its_growth_plan_opened(hr_client, program):
    proposal = PairingFactory(program=program)

    hr_client.post(url("transition", proposal), {"action": "activate", "on": days_ago(1).isoformat()})

    proposal.refresh_from_db()
    assert proposal.status == PairingStatus.ACTIVE
    assert proposal.start_date == days_ago(1)
    assert proposal.growth_plan is not None


def test_activating_beyond_the_mentors_capacity_is_refused_with_the_services_message(hr_client, organization):
    program = ProgramFactory(organization=organization, mentor_capacity=1)
    mentor = MentorEnrolmentFactory(
        program=program, person=PersonFactory(organization=organization, full_name="李导师")
    )
    ActivePairingFactory(program=program, mentor=mentor)
    proposal = PairingFactory(program=program, mentor=mentor)

    response = hr_client.post(url("transition", proposal), {"action": "activate"})

    assert response.status_code == 400
    assert "李导师 already mentors 1 mentees, the most allowed." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == PairingStatus.PROPOSED


def test_dissolving_needs_a_reason_and_completing_ends_the_pairing(hr_client, pairing, program):
    refused = hr_client.post(url("transition", pairing), {"action": "dissolve", "reason": "  "})
    assert refused.status_code == 400
    assert refused.context["transition_form"].errors["reason"] == ["Say why the pairing is dissolved."]

    hr_client.post(url("transition", pairing), {"action": "complete", "on": days_ago(0).isoformat(), "reason": "期满"})

    pairing.refresh_from_db()
    assert (pairing.status, pairing.end_date, pairing.end_reason) == (PairingStatus.COMPLETED, days_ago(0), "期满")
    again = hr_client.post(url("transition", pairing), {"action": "dissolve", "reason": "重复"})
    assert again.status_code == 400
    assert "A Completed pairing cannot become Dissolved." in again.content.decode()


def test_an_unknown_transition_is_refused_not_a_500(hr_client, pairing):
    assert hr_client.post(url("transition", pairing), {"action": "explode"}).status_code == 400


def test_the_pledge_date_is_recorded_and_shown_on_the_certificate(hr_client, pairing):
    hr_client.post(url("pledge", pairing), {"pledge_signed_on": days_ago(90).isoformat()})

    response = hr_client.get(url("certificate", pairing))

    page = response.content.decode()
    assert response.status_code == 200
    assert pairing.mentor.person.full_name in page
    assert pairing.mentee.person.full_name in page
    assert days_ago(90).isoformat() in page
    assert "@page" not in page  # the A4 layout lives in the stylesheet, not inline (strict CSP)


def test_a_proposal_has_no_certificate_yet(hr_client, program):
    proposal = PairingFactory(program=program)

    response = hr_client.get(url("certificate", proposal))

    assert response.status_code == 302
    assert response["Location"] == url("detail", proposal)


def test_a_pairing_of_another_organization_answers_404_on_its_page_and_every_action(hr_client):
    foreign = ActivePairingFactory()
    goal = GoalFactory(plan=GrowthPlanFactory(pairing=foreign))

    for name in ("detail", "certificate"):
        assert hr_client.get(url(name, foreign)).status_code == 404
    for name in ("log-activity", "add-goal", "assess", "review", "transition", "pledge"):
        assert hr_client.post(url(name, foreign), {}).status_code == 404
    assert hr_client.post(url("update-goal", foreign, goal.pk), {}).status_code == 404


def test_the_pairing_page_renders_in_at_most_20_queries_however_long_its_history(
    hr_client, pairing, django_assert_max_num_queries
):
    for index in range(40):
        activity = ActivityFactory(pairing=pairing, date=days_ago(index))
        activity.dimension_rows.create(dimension="theory")
        activity.cases.create(kind="dispute_mediation", description=f"纠纷{index}")
    for _ in range(12):
        GoalFactory(plan=pairing.growth_plan)
    for index in range(8):
        assessment = AssessmentFactory(person=pairing.mentee.person, pairing=pairing, assessed_on=days_ago(index * 10))
        for competency in Competency.objects.all():
            assessment.scores.create(competency=competency, score=3)

    with django_assert_max_num_queries(20):
        response = hr_client.get(url("detail", pairing))

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 10
    assert len(response.context["growth_chart"]["series"]) == 6


def test_the_pairing_list_shows_only_the_silent_pairs_when_asked(hr_client, program, django_assert_max_num_queries):
    quiet = ActivePairingFactory(
        program=program, start_date=days_ago(200), planned_end_date=days_ago(-100), last_activity_date=days_ago(60)
    )
    ActivePairingFactory(
        program=program, start_date=days_ago(200), planned_end_date=days_ago(-100), last_activity_date=days_ago(3)
    )
    for _ in range(30):
        PairingFactory(program=program)

    with django_assert_max_num_queries(20):
        response = hr_client.get(reverse("pairings:list"), {"silent": "1"})
    everything = hr_client.get(reverse("pairings:list"), {"program": program.pk, "status": "proposed"})

    assert [p.pk for p in response.context["page"].object_list] == [quiet.pk]
    assert response.context["page"].object_list[0].days_silent == 60
    assert everything.context["page"].paginator.count == 30


def test_a_mentee_logs_an_activity_on_their_own_pairing_but_cannot_end_it(client, program):
    account = HRUserFactory(username="xiaoli", organization=None)
    mine = ActivePairingFactory(
        program=program, mentee=EnrolmentFactory(program=program, person=PersonFactory(user=account))
    )
    client.force_login(account)

    logged = client.post(
        url("log-activity", mine),
        {
            "date": days_ago(0).isoformat(),
            "method": "assignment",
            "duration_minutes": "30",
            "summary": "完成导师布置的调研作业",
            "case-TOTAL_FORMS": "0",
            "case-INITIAL_FORMS": "0",
        },
    )
    ended = client.post(url("transition", mine), {"action": "complete"})
    as_organization = client.post(
        url("assess", mine),
        {"assessed_on": days_ago(0).isoformat(), "assessor_role": "organization", "score_political": "5"},
    )
    someone_else = client.get(url("detail", ActivePairingFactory(program=program)))

    assert logged.status_code == 302
    assert Activity.objects.get(pairing=mine).created_by == account
    assert ended.status_code == 403
    assert as_organization.status_code == 400
    assert "assessor_role" in as_organization.context["assessment_form"].errors
    assert Pairing.objects.get(pk=mine.pk).status == PairingStatus.ACTIVE
    assert someone_else.status_code == 404
