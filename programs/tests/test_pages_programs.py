"""The HR pages about programs and people: login, home dashboard, program list and dashboard, enrolments,
pairing by hand, person page with lineage. Scoped to the user's subtree; a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pairings.models import JobStatus, MatchRun, Pairing, PairingStatus, ReviewStage
from pairings.tests.factories import (
    ActivePairingFactory,
    ActivityFactory,
    GoalFactory,
    GrowthPlanFactory,
    OutcomeFactory,
    PairingFactory,
    ReviewFactory,
)
from programs.tests.factories import (
    EnrolmentFactory,
    HRUserFactory,
    MentorEnrolmentFactory,
    OrganizationFactory,
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


def active_pair(program, *, started_days_ago=60, last_activity_days_ago=None, **kwargs):
    pairing = ActivePairingFactory(
        program=program,
        start_date=days_ago(started_days_ago),
        planned_end_date=days_ago(started_days_ago) + timedelta(days=365),
        last_activity_date=days_ago(last_activity_days_ago) if last_activity_days_ago is not None else None,
        **kwargs,
    )
    GrowthPlanFactory(pairing=pairing)
    return pairing


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_hr_staff_log_in_with_their_password_and_land_on_their_dashboard(client, hr_user):
    response = client.post(reverse("login"), {"username": "hr", "password": "correct-horse-battery"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.status_code == 200
    assert "咸安区" in response.content.decode()


def test_a_wrong_password_is_refused_on_the_login_form_with_the_username_kept(client, hr_user):
    response = client.post(reverse("login"), {"username": "hr", "password": "nope"})

    assert response.status_code == 200
    assert response.context["form"].errors["__all__"]
    assert 'value="hr"' in response.content.decode()


def test_logging_out_is_a_post_and_ends_the_session(hr_client):
    response = hr_client.post(reverse("logout"))

    assert response.status_code == 302
    assert hr_client.get(reverse("home")).status_code == 302


def test_the_home_dashboard_counts_only_the_users_subtree(hr_client, organization):
    township = OrganizationFactory(parent=organization, name="双溪桥镇")
    ours = ProgramFactory(organization=township, name="双溪桥镇青蓝结对")
    active_pair(ours, last_activity_days_ago=90)
    active_pair(ours, last_activity_days_ago=2)
    foreign = ProgramFactory(name="别处的计划")
    active_pair(foreign, last_activity_days_ago=200)

    response = hr_client.get(reverse("home"))

    dashboard = response.context["dashboard"]
    assert dashboard["pairs"]["active"] == 2
    assert dashboard["silent_count"] == 1
    assert [p.name for p in response.context["programs"]] == ["双溪桥镇青蓝结对"]
    assert "别处的计划" not in response.content.decode()


def test_the_program_list_searches_by_name_and_filters_by_status(hr_client, organization):
    ProgramFactory(organization=organization, name="青蓝结对 2024", status="active")
    ProgramFactory(organization=organization, name="青蓝结对 2021", status="closed")
    ProgramFactory(organization=organization, name="乡村振兴导师团", status="active")

    response = hr_client.get(reverse("programs:list"), {"q": "青蓝", "status": "active"})

    assert [p.name for p in response.context["page"].object_list] == ["青蓝结对 2024"]


def test_a_bad_filter_or_page_number_never_breaks_a_list(hr_client, organization):
    ProgramFactory(organization=organization)

    for url in (reverse("programs:list"), reverse("programs:people"), reverse("pairings:list")):
        response = hr_client.get(url, {"status": "nonsense", "category": "x", "page": "abc", "program": "1e9"})
        assert response.status_code == 200


def test_a_program_of_another_organization_answers_404_on_every_page(hr_client):
    foreign = ProgramFactory()

    assert hr_client.get(reverse("programs:detail", args=[foreign.pk])).status_code == 404
    assert hr_client.get(reverse("programs:enrolments", args=[foreign.pk])).status_code == 404
    assert hr_client.post(reverse("programs:pair", args=[foreign.pk]), {}).status_code == 404


def test_the_program_dashboard_shows_key_figures_capacity_and_the_silent_pairs(hr_client, organization):
    program = ProgramFactory(organization=organization, cadence_days=30, mentor_capacity=3)
    mentor = MentorEnrolmentFactory(program=program)
    quiet = active_pair(program, mentor=mentor, last_activity_days_ago=45)
    forgotten = active_pair(program, mentor=mentor, started_days_ago=200, last_activity_days_ago=120)
    lively = active_pair(program, last_activity_days_ago=3)
    ActivityFactory(pairing=lively, date=days_ago(3))

    response = hr_client.get(reverse("programs:detail", args=[program.pk]))
    supervision = hr_client.get(reverse("programs:supervision", args=[program.pk]))

    dashboard = response.context["dashboard"]
    assert dashboard["summary"]["pairs"]["active"] == 3
    assert dashboard["summary"]["capacity"] == {"total": 6, "used": 3, "free": 3}
    assert sum(dashboard["activities"]["by_month"].values()) == 1
    assert b'id="chart-months"' in response.content
    silent = supervision.context["supervision"]["silent"]
    assert [p.pk for p in silent] == [forgotten.pk, quiet.pk]
    assert [p.days_silent for p in silent] == [120, 45]
    assert [p.at_risk for p in silent] == [True, False]


def test_the_program_dashboard_lists_overdue_goals_and_missing_reviews_with_days_since_last_activity(
    hr_client, organization
):
    program = ProgramFactory(organization=organization, term_months=12)
    late = active_pair(program, started_days_ago=200, last_activity_days_ago=12)
    GoalFactory(plan=late.growth_plan, title="走访全村农户", due_date=days_ago(5), status="in_progress")
    GoalFactory(plan=late.growth_plan, title="已完成的目标", due_date=days_ago(5), status="achieved")
    reviewed = active_pair(program, started_days_ago=200, last_activity_days_ago=1)
    ReviewFactory(pairing=reviewed, stage=ReviewStage.MIDTERM)
    active_pair(program, started_days_ago=20)

    response = hr_client.get(reverse("programs:supervision", args=[program.pk]))

    supervision = response.context["supervision"]
    assert [(g.title, g.days_overdue, g.days_silent) for g in supervision["overdue_goals"]] == [("走访全村农户", 5, 12)]
    assert [(p.pk, p.days_silent) for p in supervision["missing_reviews"]] == [(late.pk, 12)]
    assert supervision["missing_reviews_count"] == 1


def test_the_program_dashboard_renders_in_at_most_20_queries_however_many_pairs(
    hr_client, organization, django_assert_max_num_queries
):
    program = ProgramFactory(organization=organization)
    townships = [OrganizationFactory(parent=organization) for _ in range(3)]
    for index in range(30):
        township = townships[index // 10]
        pairing = active_pair(
            program,
            started_days_ago=300,
            last_activity_days_ago=index * 5,
            mentee=EnrolmentFactory(program=program, person=PersonFactory(organization=township)),
        )
        ActivityFactory(pairing=pairing, date=days_ago(index * 5))
        GoalFactory(plan=pairing.growth_plan, due_date=days_ago(3))
        OutcomeFactory(person=pairing.mentee.person)
    run = MatchRun.objects.create(
        program=program, status=JobStatus.SUCCEEDED, progress=100, stats={"matched": 5}, timings={"total": 0.4}
    )
    for _ in range(5):
        PairingFactory(program=program, match_run=run, match_score=0.7, match_explanation=[])

    with django_assert_max_num_queries(20):
        overview = hr_client.get(reverse("programs:detail", args=[program.pk]))
    with django_assert_max_num_queries(20):
        supervision = hr_client.get(reverse("programs:supervision", args=[program.pk]))

    assert overview.status_code == 200
    assert len(overview.context["page"].object_list) == 5
    assert len(supervision.context["supervision"]["silent"]) == 10
    assert len(supervision.context["supervision"]["organizations"]) == 3


def test_the_unpaired_filter_lists_mentees_without_a_pair_and_mentors_with_free_places(hr_client, organization):
    program = ProgramFactory(organization=organization, mentor_capacity=1)
    full_mentor = MentorEnrolmentFactory(
        program=program, person=PersonFactory(organization=organization, full_name="满员导师")
    )
    free_mentor = MentorEnrolmentFactory(
        program=program, person=PersonFactory(organization=organization, full_name="空闲导师")
    )
    paired = EnrolmentFactory(program=program, person=PersonFactory(organization=organization, full_name="已结对"))
    EnrolmentFactory(program=program, person=PersonFactory(organization=organization, full_name="待结对"))
    active_pair(program, mentor=full_mentor, mentee=paired)

    response = hr_client.get(reverse("programs:enrolments", args=[program.pk]), {"unpaired": "on"})

    names = [e.person.full_name for e in response.context["page"].object_list]
    assert sorted(names) == sorted(["空闲导师", "待结对"])
    assert free_mentor.pk in [e.pk for e in response.context["page"].object_list]


def test_hr_pairs_a_mentor_and_a_mentee_by_hand_and_lands_on_the_new_pairing(hr_client, organization):
    program = ProgramFactory(organization=organization)
    mentor = MentorEnrolmentFactory(program=program)
    mentee = EnrolmentFactory(program=program)

    response = hr_client.post(reverse("programs:pair", args=[program.pk]), {"mentor": mentor.pk, "mentee": mentee.pk})

    pairing = Pairing.objects.get(mentor=mentor, mentee=mentee)
    assert pairing.status == PairingStatus.ACTIVE
    assert response["Location"] == reverse("pairings:detail", args=[pairing.pk])


def test_pairing_by_hand_offers_only_unpaired_people_and_refuses_others_with_a_message(hr_client, organization):
    program = ProgramFactory(organization=organization, mentor_capacity=1)
    mentor = MentorEnrolmentFactory(program=program)
    active_pair(program, mentor=mentor)
    mentee = EnrolmentFactory(program=program)

    response = hr_client.post(reverse("programs:pair", args=[program.pk]), {"mentor": mentor.pk, "mentee": mentee.pk})

    assert response.status_code == 400
    assert "mentor" in response.context["pair_form"].errors
    assert not Pairing.objects.filter(mentee=mentee).exists()


def test_the_person_page_shows_pairings_outcomes_and_the_lineage_across_generations(hr_client, organization):
    program = ProgramFactory(organization=organization)
    master = PersonFactory(organization=organization, full_name="老支书")
    middle = PersonFactory(organization=organization, full_name="中生代")
    young = PersonFactory(organization=organization, full_name="新村官")
    first = active_pair(
        program,
        mentor=MentorEnrolmentFactory(program=program, person=master),
        mentee=EnrolmentFactory(program=program, person=middle),
    )
    later = ProgramFactory(organization=organization)
    active_pair(
        later,
        mentor=MentorEnrolmentFactory(program=later, person=middle),
        mentee=EnrolmentFactory(program=later, person=young),
    )
    OutcomeFactory(person=middle, kind="became_mentor", description="成为导师")

    response = hr_client.get(reverse("programs:person", args=[middle.pk]))

    assert [p.full_name for p in response.context["ancestors"]] == ["老支书"]
    tree = response.context["tree"]
    assert [child.person.full_name for child in tree.children] == ["新村官"]
    assert [p.pk for p in response.context["as_mentee"]] == [first.pk]
    assert len(response.context["as_mentor"]) == 1
    assert "成为导师" in response.content.decode()


def test_a_person_of_another_organization_answers_404(hr_client):
    assert hr_client.get(reverse("programs:person", args=[PersonFactory().pk])).status_code == 404


def test_the_people_list_paginates_and_searches(hr_client, organization):
    for index in range(25):
        PersonFactory(organization=organization, full_name=f"王{index:02d}")
    PersonFactory(organization=organization, full_name="李书记", position="村党支部书记")

    second = hr_client.get(reverse("programs:people"), {"page": 2})
    found = hr_client.get(reverse("programs:people"), {"q": "书记"})

    assert second.context["page"].number == 2
    assert len(second.context["page"].object_list) == 6
    assert [p.full_name for p in found.context["page"].object_list] == ["李书记"]


def test_an_empty_program_says_what_to_do_next(hr_client, organization):
    program = ProgramFactory(organization=organization)

    response = hr_client.get(reverse("programs:enrolments", args=[program.pk]))

    assert "Nobody is enrolled in this program yet." in response.content.decode()


def test_the_language_switch_turns_the_pages_into_chinese(hr_client):
    response = hr_client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")}, follow=True)

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    english = hr_client.post(reverse("set_language"), {"language": "en", "next": reverse("home")}, follow=True)
    assert '<html lang="en">' in english.content.decode()


def test_a_mentee_with_a_login_sees_their_own_pairings_at_home_and_no_hr_page(client, organization):
    program = ProgramFactory(organization=organization)
    account = HRUserFactory(username="xiaowang", organization=None)
    pairing = active_pair(program, mentee=EnrolmentFactory(program=program, person=PersonFactory(user=account)))
    active_pair(program)
    client.force_login(account)

    home = client.get(reverse("home"), follow=True)

    assert home.redirect_chain == [(reverse("pairings:mine"), 302)]
    assert [p.pk for p in home.context["overview"].as_mentee] == [pairing.pk]
    assert client.get(reverse("programs:list")).status_code == 403
    assert client.get(reverse("programs:detail", args=[program.pk])).status_code == 403
