"""What the background-job tests share: a broker switch, a Redis of their own, and pairs due every reminder."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date, timedelta
from urllib.parse import urlsplit

from mentorship.celery import app
from pairings.models import PairingStatus, ReviewStage
from pairings.tests.factories import AssessmentFactory, GoalFactory, PairingFactory, ReviewFactory
from programs.tests.factories import (
    EnrolmentFactory,
    MentorEnrolmentFactory,
    PersonFactory,
    ProgramFactory,
    UserFactory,
)

# A Wednesday: the week of the reminders starts on Monday 16 June.
TODAY = date(2025, 6, 18)
# Nothing listens here: the broker is "down".
DEAD_BROKER = "redis://127.0.0.1:1/0"


def redis_url(db: int) -> str:
    """The CI Redis (REDIS_URL, else 127.0.0.1:6379) on a database number of the tests' own."""
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return f"redis://{parts.netloc}/{db}"


def redis_is_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _reset_broker_pools() -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str):
    """Publish to a real broker at ``url`` (tasks no longer run inline) for the duration of the block."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    _reset_broker_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _reset_broker_pools()


def member(program, *, role: str, language: str = "", email: bool = True, **person):
    """An enrolment whose person has a login account (not HR staff), in ``language``."""
    # No password: these people never log in here, and hashing one takes a while.
    user = UserFactory(language=language, password=None, **({} if email else {"email": ""}))
    factory = MentorEnrolmentFactory if role == "mentor" else EnrolmentFactory
    person = PersonFactory(organization=program.organization, user=user, **person)
    return factory(program=program, person=person)


def pair(program, *, started_days_ago: int, heard_days_ago: int | None = None, ends_in: int = 300, **members):
    """An active pairing whose mentor and mentee have accounts; silent since its start unless ``heard_days_ago``."""
    start = TODAY - timedelta(days=started_days_ago)
    return PairingFactory(
        program=program,
        mentor=members.get("mentor") or member(program, role="mentor"),
        mentee=members.get("mentee") or member(program, role="mentee"),
        status=PairingStatus.ACTIVE,
        start_date=start,
        planned_end_date=TODAY + timedelta(days=ends_in),
        last_activity_date=TODAY - timedelta(days=heard_days_ago) if heard_days_ago is not None else None,
    )


def assessed(pairing, days_ago: int):
    return AssessmentFactory(
        person=pairing.mentee.person, pairing=pairing, assessed_on=TODAY - timedelta(days=days_ago)
    )


def every_reminder(organization) -> dict:
    """A program (cadence 30 days, 12-month term) with one pair due each kind of reminder, and one due none."""
    program = ProgramFactory(organization=organization, cadence_days=30, term_months=12)
    quiet = pair(program, started_days_ago=20)
    silent = pair(program, started_days_ago=45)
    at_risk = pair(program, started_days_ago=100)
    assessed(at_risk, 10)
    goals = pair(program, started_days_ago=20)
    goal_soon = GoalFactory(plan__pairing=goals, title="熟悉信访工作流程", due_date=TODAY + timedelta(days=3))
    goal_late = GoalFactory(plan__pairing=goals, title="独立调解一起纠纷", due_date=TODAY - timedelta(days=5))
    GoalFactory(plan__pairing=goals, title="远期目标", due_date=TODAY + timedelta(days=60))
    ending = pair(program, started_days_ago=20, ends_in=10)
    unassessed = pair(program, started_days_ago=120, heard_days_ago=5)
    assessed(unassessed, 100)
    midterm = pair(program, started_days_ago=200, heard_days_ago=2)
    assessed(midterm, 10)
    final = pair(program, started_days_ago=400, heard_days_ago=2, ends_in=-5)
    assessed(final, 10)
    ReviewFactory(pairing=final, stage=ReviewStage.MIDTERM)
    proposal = PairingFactory(program=program)
    type(proposal).objects.filter(pk=proposal.pk).update(created_at=proposal.created_at - timedelta(days=8))
    return {
        "program": program,
        "quiet": quiet,
        "silent": silent,
        "at_risk": at_risk,
        "goals": goals,
        "goal_soon": goal_soon,
        "goal_late": goal_late,
        "ending": ending,
        "unassessed": unassessed,
        "midterm": midterm,
        "final": final,
        "proposal": proposal,
    }
