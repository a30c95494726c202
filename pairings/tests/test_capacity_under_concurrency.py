"""Races on real PostgreSQL connections: the capacity rule is a limit, not a guess."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from pairings.models import Pairing, PairingStatus
from pairings.services import activate_pairing
from pairings.tests.factories import PairingFactory
from programs.tests.factories import MentorEnrolmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls):
    """Run each call in its own thread and database connection, all released at once."""
    barrier = threading.Barrier(len(calls))
    outcomes = []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait()
            call()
            result = "ok"
        except ValidationError:
            result = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks of a real database server")
def test_twenty_concurrent_activations_fill_a_mentor_of_capacity_three_exactly():
    mentor = MentorEnrolmentFactory(capacity=3)
    proposals = [PairingFactory(program=mentor.program, mentor=mentor) for _ in range(20)]

    outcomes = race([lambda p=p: activate_pairing(Pairing.objects.get(pk=p.pk), by=None) for p in proposals])

    assert outcomes.count("ok") == 3
    assert outcomes.count("refused") == 17
    assert Pairing.objects.filter(mentor=mentor, status=PairingStatus.ACTIVE).count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks of a real database server")
def test_concurrent_activations_of_one_mentee_leave_one_active_pairing():
    first = PairingFactory()
    mentee = first.mentee
    proposals = [first] + [PairingFactory(program=mentee.program, mentee=mentee) for _ in range(9)]

    outcomes = race([lambda p=p: activate_pairing(Pairing.objects.get(pk=p.pk), by=None) for p in proposals])

    assert outcomes.count("ok") == 1
    assert Pairing.objects.filter(mentee=mentee, status=PairingStatus.ACTIVE).count() == 1
