"""Change history: HR read who changed what and when on the pairing page, the person page and in admin.

The history comes from django-simple-history's records; every change made through a page, the API or a
service names its author. Pages pay a fixed number of queries however long the history.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pairings.models import PairingStatus
from pairings.tests.factories import ActivePairingFactory, GrowthPlanFactory
from programs.tests.factories import EnrolmentFactory, HRUserFactory, OrganizationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_and_fast(settings):
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def days_ago(days: int):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def pairing(organization):
    pairing = ActivePairingFactory(
        program__organization=organization,
        start_date=days_ago(100),
        planned_end_date=days_ago(100) + timedelta(days=365),
    )
    GrowthPlanFactory(pairing=pairing)
    return pairing


def changes(entry) -> list[tuple[str, str, str]]:
    return [(c.label, c.old, c.new) for c in entry.changes]


def test_the_pairing_page_shows_who_ended_the_pairing_when_and_what_changed(hr_client, hr_user, pairing):
    hr_user.first_name, hr_user.last_name = "组织部", "王"
    hr_user.save()
    hr_client.post(
        reverse("pairings:transition", args=[pairing.pk]),
        {"action": "dissolve", "on": days_ago(1).isoformat(), "reason": "导师调任"},
    )

    response = hr_client.get(reverse("pairings:detail", args=[pairing.pk]))

    latest = response.context["history"][0]
    assert latest.who == hr_user
    assert latest.action == "~"
    assert timezone.now() - latest.when < timedelta(minutes=1)
    assert changes(latest) == [
        ("end date", "—", days_ago(1).isoformat()),
        ("end reason", "—", "导师调任"),
        ("status", "Active", "Dissolved"),
    ]
    page = response.content.decode()
    assert 'id="history"' in page
    assert "Active → Dissolved" in page


def test_changes_made_through_the_api_name_the_api_user(api, hr_user, pairing):
    api.post(f"/api/v1/pairings/{pairing.pk}/complete/", {"end_date": days_ago(2).isoformat()}, format="json")

    latest = pairing.history.latest()

    assert latest.history_user == hr_user
    assert latest.status == PairingStatus.COMPLETED


def test_the_person_page_shows_profile_and_enrolment_changes_with_organization_names(
    api, hr_client, hr_user, organization
):
    township = OrganizationFactory(parent=organization, name="双溪桥镇")
    person = PersonFactory(organization=organization, full_name="韦新丽", position="科员")
    enrolment = EnrolmentFactory(program__organization=organization, program__name="青蓝结对", person=person)

    api.patch(f"/api/v1/people/{person.pk}/", {"organization": township.pk, "position": "副镇长"}, format="json")
    api.patch(f"/api/v1/enrolments/{enrolment.pk}/", {"status": "withdrawn"}, format="json")
    response = hr_client.get(reverse("programs:person", args=[person.pk]))

    history = response.context["history"]
    assert [(e.subject, e.action, e.who) for e in history[:2]] == [
        ("Enrolment in 青蓝结对", "~", hr_user),
        ("Profile", "~", hr_user),
    ]
    assert changes(history[0]) == [("status", "Active", "Withdrawn")]
    assert changes(history[1]) == [("organization", "咸安区", "双溪桥镇"), ("position", "科员", "副镇长")]
    assert {e.action for e in history[2:]} == {"+"}
    assert "咸安区 → 双溪桥镇" in response.content.decode()


def test_a_save_that_changes_nothing_visible_is_left_out_of_the_history(hr_client, organization):
    person = PersonFactory(organization=organization)
    person.save()

    response = hr_client.get(reverse("programs:person", args=[person.pk]))

    assert [e.action for e in response.context["history"]] == ["+"]


def test_the_pairing_page_shows_the_latest_twenty_changes_in_at_most_20_queries(
    hr_client, hr_user, pairing, django_assert_max_num_queries
):
    for index in range(40):
        pairing.end_reason = f"第{index}次调整"
        pairing._history_user = hr_user
        pairing.save()

    with django_assert_max_num_queries(20):
        response = hr_client.get(reverse("pairings:detail", args=[pairing.pk]))

    history = response.context["history"]
    assert len(history) == 20
    assert changes(history[0]) == [("end reason", "第38次调整", "第39次调整")]


def test_the_person_page_with_a_long_history_renders_in_at_most_20_queries(
    hr_client, hr_user, organization, django_assert_max_num_queries
):
    person = PersonFactory(organization=organization)
    units = [OrganizationFactory(parent=organization) for _ in range(5)]
    accounts = [UserFactory() for _ in range(3)]
    for index in range(30):
        person.organization = units[index % 5]
        person.user = accounts[index % 3]
        person._history_user = hr_user
        person.save()

    with django_assert_max_num_queries(20):
        response = hr_client.get(reverse("programs:person", args=[person.pk]))

    assert len(response.context["history"]) == 20


def test_another_organizations_history_is_not_reachable(hr_client):
    foreign = PersonFactory(organization=OrganizationFactory(code="JY"))

    assert hr_client.get(reverse("programs:person", args=[foreign.pk])).status_code == 404


def test_the_admin_history_of_a_person_names_who_changed_what(admin_client, organization):
    person = PersonFactory(organization=organization, position="科员")
    officer = HRUserFactory(username="officer", organization=organization)
    person.position = "副镇长"
    person._history_user = officer
    person.save()

    response = admin_client.get(reverse("admin:programs_person_history", args=[person.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "officer" in page
    assert "副镇长" in page
