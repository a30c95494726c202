"""Program officers in admin: scoped for staff, transitions through the pairing service."""

import pytest
from django.urls import reverse

from pairings.models import Activity, GrowthPlan, Pairing, PairingStatus, Review
from pairings.tests.factories import ActivePairingFactory, PairingFactory
from programs.services import create_hr_user
from programs.tests.factories import MentorEnrolmentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    return OrganizationFactory(name="咸安区", code="XA")


@pytest.fixture
def staff_client(client, district):
    user = create_hr_user(username="officer", organization=district, password="Qinglan-2026!")
    client.force_login(user)
    return client


def test_staff_see_only_pairings_of_their_subtree_in_admin(staff_client, district):
    township = OrganizationFactory(parent=district, code="XA01")
    ours = ActivePairingFactory(program__organization=township)
    theirs = ActivePairingFactory()

    response = staff_client.get(reverse("admin:pairings_pairing_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [ours]
    assert staff_client.get(reverse("admin:pairings_pairing_change", args=[theirs.pk])).status_code == 302
    assert Pairing.objects.count() == 2


def test_staff_cannot_choose_a_program_outside_their_subtree(staff_client, district):
    foreign_program = MentorEnrolmentFactory().program

    response = staff_client.get(reverse("admin:programs_enrolment_add"))

    assert foreign_program not in response.context["adminform"].form.fields["program"].queryset


def test_superusers_see_every_pairing(admin_client):
    ActivePairingFactory()
    ActivePairingFactory()

    response = admin_client.get(reverse("admin:pairings_pairing_changelist"))

    assert response.context["cl"].result_count == 2


def test_the_activate_action_respects_the_mentors_capacity(admin_client):
    mentor = MentorEnrolmentFactory(capacity=1)
    proposals = [PairingFactory(program=mentor.program, mentor=mentor) for _ in range(2)]

    response = admin_client.post(
        reverse("admin:pairings_pairing_changelist"),
        {"action": "activate", "_selected_action": [p.pk for p in proposals]},
        follow=True,
        headers={"accept-language": "en"},
    )

    assert Pairing.objects.filter(mentor=mentor, status=PairingStatus.ACTIVE).count() == 1
    texts = [str(m) for m in response.context["messages"]]
    assert any("1 pairing activated" in t for t in texts)
    assert any("most allowed" in t for t in texts)


def test_dissolving_in_admin_asks_for_a_reason_first(admin_client):
    pairing = ActivePairingFactory()
    url = reverse("admin:pairings_pairing_changelist")

    asked = admin_client.post(url, {"action": "dissolve", "_selected_action": [pairing.pk]})
    assert asked.status_code == 200
    assert "reason" in asked.context["form"].fields

    admin_client.post(url, {"action": "dissolve", "_selected_action": [pairing.pk], "reason": "工作调动"})
    pairing.refresh_from_db()
    assert pairing.status == PairingStatus.DISSOLVED
    assert pairing.end_reason == "工作调动"


def test_the_pairing_page_in_admin_shows_goals_activities_reviews_and_history(admin_client):
    pairing = ActivePairingFactory()

    change = admin_client.get(reverse("admin:pairings_pairing_change", args=[pairing.pk]))
    history = admin_client.get(reverse("admin:pairings_pairing_history", args=[pairing.pk]))

    assert change.status_code == 200
    inlines = {inline.opts.model for inline in change.context["inline_admin_formsets"]}
    assert inlines == {GrowthPlan, Activity, Review}
    assert "goals_overview" in change.context["adminform"].readonly_fields
    assert history.status_code == 200
