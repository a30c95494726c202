"""Races on real PostgreSQL connections: two reviewers and two starts of the same program."""

import pytest
from django.db import connection

from pairings.matching.runs import accept_proposals, execute_match_run, start_match_run
from pairings.models import JobStatus, MatchRun, Pairing, PairingStatus
from pairings.tests.factories import program_with_people
from pairings.tests.test_capacity_under_concurrency import race
from programs.tests.factories import HRUserFactory, OrganizationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks of a real database server"),
]


def test_two_reviewers_accepting_all_at_once_activate_each_proposal_once_and_never_overfill():
    organization = OrganizationFactory()
    hr = HRUserFactory(organization=organization)
    program = program_with_people(organization, mentors=2, mentees=6, mentor_capacity=3)
    run = start_match_run(program, by=hr)
    assert run.status == JobStatus.SUCCEEDED and run.stats["matched"] == 6
    program.enrolments.filter(role="mentor").update(capacity=2)
    results = []

    race([lambda: results.append(accept_proposals(MatchRun.objects.get(pk=run.pk), "all", by=hr))] * 2)

    accepted = [pk for result in results for pk in result.done]
    assert len(accepted) == len(set(accepted)) == 4
    for mentor in program.enrolments.filter(role="mentor"):
        assert Pairing.objects.filter(mentor=mentor, status=PairingStatus.ACTIVE).count() == 2


def test_two_starts_of_the_same_program_at_once_leave_one_set_of_open_proposals():
    organization = OrganizationFactory()
    hr = HRUserFactory(organization=organization)
    program = program_with_people(organization, mentors=1, mentees=1)

    outcomes = race([lambda: start_match_run(program, by=hr)] * 2)

    # The second start either waits for the first (small runs finish inline) or is refused while it runs.
    runs = MatchRun.objects.filter(program=program)
    assert outcomes.count("ok") == runs.count() >= 1
    assert all(execute_match_run(run.pk).status == JobStatus.SUCCEEDED for run in runs)
    assert Pairing.objects.filter(program=program, status=PairingStatus.PROPOSED).count() == 1
