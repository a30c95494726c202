"""The "my mentoring" page of a mentor or a mentee: their pairings as mentor and as mentee, the open goals of
their growth plans, their recent activities, and a form that logs an activity on one of their own pairings
through the activity service."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pairings.models import Activity, GoalStatus, PairingStatus
from pairings.tests.factories import (
    ActivePairingFactory,
    ActivityFactory,
    GoalFactory,
    GrowthPlanFactory,
    PairingFactory,
)
from programs.tests.factories import (
    EnrolmentFactory,
    MentorEnrolmentFactory,
    PersonFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def days_ago(days: int):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def program(organization):
    return ProgramFactory(organization=organization, cadence_days=30)


@pytest.fixture
def account():
    return UserFactory(username="lihua")


@pytest.fixture
def me(account, organization):
    return PersonFactory(user=account, organization=organization, full_name="李华")


def active_pair(program, **kwargs):
    pairing = ActivePairingFactory(
        program=program, start_date=days_ago(100), planned_end_date=days_ago(100) + timedelta(days=365), **kwargs
    )
    GrowthPlanFactory(pairing=pairing)
    return pairing


@pytest.fixture
def my_client(client, account):
    client.force_login(account)
    return client


def log_form(pairing, **extra):
    return {
        "pairing": str(pairing.pk),
        "date": days_ago(1).isoformat(),
        "method": "onsite_teaching",
        "duration_minutes": "90",
        "location": "双溪村",
        "summary": "一起走访农户，会后小结",
        "dimensions": ["experience", "style"],
        "case-TOTAL_FORMS": "1",
        "case-INITIAL_FORMS": "0",
        "case-0-kind": "dispute_mediation",
        "case-0-description": "邻里宅基地纠纷",
        "case-0-outcome": "达成调解协议",
        **extra,
    }


def test_a_mentor_who_was_once_a_mentee_sees_both_sides_of_their_mentoring(my_client, program, me):
    mentoring = active_pair(program, mentor=MentorEnrolmentFactory(program=program, person=me))
    earlier = ProgramFactory(organization=program.organization)
    mentored = active_pair(earlier, mentee=EnrolmentFactory(program=earlier, person=me))
    active_pair(program)

    response = my_client.get(reverse("pairings:mine"))

    overview = response.context["overview"]
    assert response.status_code == 200
    assert [p.pk for p in overview.as_mentor] == [mentoring.pk]
    assert [p.pk for p in overview.as_mentee] == [mentored.pk]
    page = response.content.decode()
    assert mentoring.mentee.person.full_name in page
    assert mentored.mentor.person.full_name in page


def test_rejected_proposals_are_not_on_my_page(my_client, program, me):
    PairingFactory(program=program, mentee=EnrolmentFactory(program=program, person=me), status=PairingStatus.REJECTED)

    response = my_client.get(reverse("pairings:mine"))

    assert response.context["overview"].pairings == []
    assert "You are not in any pairing yet." in response.content.decode()


def test_my_page_lists_the_open_goals_of_my_active_pairings_soonest_first_with_the_overdue_marked(
    my_client, program, me
):
    pairing = active_pair(program, mentee=EnrolmentFactory(program=program, person=me))
    later = GoalFactory(plan=pairing.growth_plan, title="独立主持村民议事会", due_date=days_ago(-60), progress=20)
    overdue = GoalFactory(plan=pairing.growth_plan, title="独立调解一起纠纷", due_date=days_ago(5), progress=60)
    GoalFactory(plan=pairing.growth_plan, title="已完成的目标", status=GoalStatus.ACHIEVED, progress=100)
    earlier = ProgramFactory(organization=program.organization)
    ended = PairingFactory(
        program=earlier,
        mentee=EnrolmentFactory(program=earlier, person=me),
        status=PairingStatus.COMPLETED,
        start_date=days_ago(500),
        planned_end_date=days_ago(200),
        end_date=days_ago(200),
    )
    GoalFactory(plan=GrowthPlanFactory(pairing=ended), title="旧目标")

    response = my_client.get(reverse("pairings:mine"))

    goals = response.context["overview"].goals
    assert [g.pk for g in goals] == [overdue.pk, later.pk]
    assert [g.is_overdue for g in goals] == [True, False]
    assert "overdue" in response.content.decode()


def test_my_page_shows_the_latest_activities_of_my_pairings_only(my_client, program, me):
    pairing = active_pair(program, mentor=MentorEnrolmentFactory(program=program, person=me))
    mine = [ActivityFactory(pairing=pairing, date=days_ago(days), summary=f"记录{days}") for days in range(12)]
    ActivityFactory(pairing=active_pair(program), date=days_ago(0), summary="别人的记录")

    response = my_client.get(reverse("pairings:mine"))

    assert [a.pk for a in response.context["overview"].activities] == [a.pk for a in mine[:10]]
    assert "别人的记录" not in response.content.decode()


def test_logging_an_activity_from_my_page_puts_it_on_my_pairing_with_its_dimensions_and_cases(
    my_client, program, me, account
):
    pairing = active_pair(program, mentee=EnrolmentFactory(program=program, person=me))

    response = my_client.post(reverse("pairings:mine-log-activity"), log_form(pairing))

    assert response.status_code == 302
    assert response["Location"] == reverse("pairings:mine") + "#activities"
    activity = Activity.objects.get(pairing=pairing)
    assert activity.created_by == account
    assert sorted(row.dimension for row in activity.dimension_rows.all()) == ["experience", "style"]
    assert [(c.kind, c.outcome) for c in activity.cases.all()] == [("dispute_mediation", "达成调解协议")]
    pairing.refresh_from_db()
    assert pairing.last_activity_date == days_ago(1)


def test_my_page_offers_only_my_active_pairings_to_log_on(my_client, program, me):
    mine = active_pair(program, mentee=EnrolmentFactory(program=program, person=me))
    other = ProgramFactory(organization=program.organization)
    PairingFactory(program=other, mentor=MentorEnrolmentFactory(program=other, person=me))
    active_pair(program)

    response = my_client.get(reverse("pairings:mine"))

    assert list(response.context["activity_form"].pairings) == [mine.pk]


def test_logging_on_someone_elses_pairing_from_my_page_is_refused(my_client, program, me):
    active_pair(program, mentee=EnrolmentFactory(program=program, person=me))
    theirs = active_pair(program)

    response = my_client.post(reverse("pairings:mine-log-activity"), log_form(theirs))

    assert response.status_code == 400
    assert "pairing" in response.context["activity_form"].errors
    assert not Activity.objects.exists()


def test_the_activity_services_refusal_comes_back_on_my_form_with_what_was_typed(my_client, program, me):
    pairing = active_pair(program, mentee=EnrolmentFactory(program=program, person=me))

    response = my_client.post(reverse("pairings:mine-log-activity"), log_form(pairing, date=days_ago(150).isoformat()))

    assert response.status_code == 400
    form = response.context["activity_form"]
    assert form.errors["date"] == ["The activity date cannot be before the pairing started."]
    assert form["summary"].value() == "一起走访农户，会后小结"
    assert not Activity.objects.exists()


def test_a_member_without_any_pairing_is_told_what_happens_next(my_client, me):
    response = my_client.get(reverse("pairings:mine"))

    assert response.status_code == 200
    assert "Your organisation department will pair you with a mentor or mentee." in response.content.decode()
    assert 'action="/pairings/mine/activities/"' not in response.content.decode()


def test_my_page_renders_in_a_fixed_number_of_queries(my_client, program, me, django_assert_max_num_queries):
    mentor = MentorEnrolmentFactory(program=program, person=me, capacity=5)
    for _ in range(5):
        pairing = active_pair(program, mentor=mentor)
        for days in range(4):
            ActivityFactory(pairing=pairing, date=days_ago(days)).dimension_rows.create(dimension="theory")
        for _ in range(3):
            GoalFactory(plan=pairing.growth_plan, due_date=days_ago(-30))

    # Two of them read the user's own enrolments, so that their pairings are found by index.
    with django_assert_max_num_queries(11):
        response = my_client.get(reverse("pairings:mine"))

    assert len(response.context["overview"].as_mentor) == 5
