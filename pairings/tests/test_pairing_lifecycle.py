from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from pairings.models import GrowthPlan, Pairing, PairingStatus
from pairings.services import (
    activate_pairing,
    complete_pairing,
    dissolve_pairing,
    pair_directly,
    propose_pairing,
    reject_pairing,
)
from pairings.tests.factories import ActivePairingFactory, PairingFactory
from programs.models import EnrolmentStatus, ProgramStatus
from programs.tests.factories import EnrolmentFactory, MentorEnrolmentFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_activating_a_proposal_starts_the_term_and_opens_a_growth_plan():
    pairing = PairingFactory(program__term_months=18)

    activate_pairing(pairing, by=None, start_date=date(2024, 1, 15))

    pairing.refresh_from_db()
    assert pairing.status == PairingStatus.ACTIVE
    assert pairing.start_date == date(2024, 1, 15)
    assert pairing.planned_end_date == date(2025, 7, 15)
    assert GrowthPlan.objects.filter(pairing=pairing).exists()


def test_a_mentor_at_capacity_cannot_take_another_mentee():
    mentor = MentorEnrolmentFactory(capacity=1)
    pair_directly(mentor=mentor, mentee=EnrolmentFactory(program=mentor.program), by=None)

    with pytest.raises(ValidationError) as error:
        pair_directly(mentor=mentor, mentee=EnrolmentFactory(program=mentor.program), by=None)

    assert "mentor" in error.value.message_dict
    assert Pairing.objects.filter(mentor=mentor, status=PairingStatus.ACTIVE).count() == 1


def test_the_program_default_capacity_applies_when_the_mentor_has_none():
    mentor = MentorEnrolmentFactory(program__mentor_capacity=2)
    for _ in range(2):
        pair_directly(mentor=mentor, mentee=EnrolmentFactory(program=mentor.program), by=None)

    with pytest.raises(ValidationError):
        pair_directly(mentor=mentor, mentee=EnrolmentFactory(program=mentor.program), by=None)


def test_a_mentee_has_at_most_one_active_pairing_in_a_program():
    program = ProgramFactory()
    mentee = EnrolmentFactory(program=program)
    pair_directly(mentor=MentorEnrolmentFactory(program=program), mentee=mentee, by=None)
    second = propose_pairing(mentor=MentorEnrolmentFactory(program=program), mentee=mentee)

    with pytest.raises(ValidationError) as error:
        activate_pairing(second, by=None)

    assert "mentee" in error.value.message_dict


def test_the_database_refuses_a_second_active_pairing_for_a_mentee_even_past_the_service():
    first = ActivePairingFactory()
    second = PairingFactory(program=first.program, mentee=first.mentee)

    second.status = PairingStatus.ACTIVE
    with pytest.raises(IntegrityError):
        second.save()


def test_nobody_can_mentor_themself_even_across_roles():
    program = ProgramFactory()
    mentor = MentorEnrolmentFactory(program=program)
    other_program = ProgramFactory(organization=program.organization)
    same_person_as_mentee = EnrolmentFactory(program=other_program, person=mentor.person)

    with pytest.raises(ValidationError) as error:
        propose_pairing(mentor=mentor, mentee=same_person_as_mentee)

    assert "mentee" in error.value.message_dict


def test_enrolments_must_come_from_one_program_with_the_right_roles():
    program = ProgramFactory()
    with pytest.raises(ValidationError) as error:
        propose_pairing(mentor=EnrolmentFactory(program=program), mentee=MentorEnrolmentFactory(program=program))
    assert set(error.value.message_dict) == {"mentor", "mentee"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="composite keys are PostgreSQL only")
def test_the_database_refuses_enrolments_from_another_program():
    pairing = PairingFactory()
    foreign_mentee = EnrolmentFactory()

    pairing.mentee = foreign_mentee
    with pytest.raises(IntegrityError):
        pairing.save()
        # the composite foreign key is deferred: it is checked at commit
        connection.check_constraints()


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (PairingStatus.PROPOSED, "complete"),
        (PairingStatus.PROPOSED, "dissolve"),
        (PairingStatus.ACTIVE, "activate"),
        (PairingStatus.ACTIVE, "reject"),
        (PairingStatus.COMPLETED, "activate"),
        (PairingStatus.DISSOLVED, "complete"),
        (PairingStatus.REJECTED, "activate"),
    ],
)
def test_illegal_transitions_are_refused_with_a_clear_error(start, action):
    pairing = PairingFactory(status=start)
    services = {
        "activate": lambda: activate_pairing(pairing, by=None),
        "complete": lambda: complete_pairing(pairing, by=None),
        "dissolve": lambda: dissolve_pairing(pairing, by=None, reason="调动"),
        "reject": lambda: reject_pairing(pairing, by=None),
    }

    with pytest.raises(ValidationError) as error:
        services[action]()

    assert error.value.code == "illegal_transition"
    pairing.refresh_from_db()
    assert pairing.status == start


def test_completing_frees_the_mentors_place():
    mentor = MentorEnrolmentFactory(capacity=1)
    first = pair_directly(mentor=mentor, mentee=EnrolmentFactory(program=mentor.program), by=None)
    complete_pairing(first, by=None, reason="期满")

    second = pair_directly(mentor=mentor, mentee=EnrolmentFactory(program=mentor.program), by=None)

    assert second.status == PairingStatus.ACTIVE


def test_dissolving_needs_a_reason():
    pairing = ActivePairingFactory()
    with pytest.raises(ValidationError) as error:
        dissolve_pairing(pairing, by=None, reason="  ")
    assert "reason" in error.value.message_dict


def test_nobody_is_paired_in_a_closed_program_or_after_withdrawing():
    closed = ProgramFactory(status=ProgramStatus.CLOSED)
    with pytest.raises(ValidationError):
        propose_pairing(mentor=MentorEnrolmentFactory(program=closed), mentee=EnrolmentFactory(program=closed))
    program = ProgramFactory()
    withdrawn = EnrolmentFactory(program=program, status=EnrolmentStatus.WITHDRAWN)
    with pytest.raises(ValidationError):
        propose_pairing(mentor=MentorEnrolmentFactory(program=program), mentee=withdrawn)


def test_transitions_are_recorded_in_the_history_with_who_did_them(hr_user):
    pairing = PairingFactory()
    activate_pairing(pairing, by=hr_user)

    latest = pairing.history.latest()
    assert latest.status == PairingStatus.ACTIVE
    assert latest.history_user == hr_user
