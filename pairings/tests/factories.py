"""Factories for pairings and what happens in them."""

from datetime import date

import factory
from factory.django import DjangoModelFactory

from pairings.models import (
    Activity,
    Assessment,
    AssessorRole,
    Goal,
    GrowthPlan,
    Method,
    Outcome,
    OutcomeKind,
    Pairing,
    PairingStatus,
    Rating,
    Review,
    ReviewStage,
)
from programs.tests.factories import EnrolmentFactory, MentorEnrolmentFactory, PersonFactory, ProgramFactory


class PairingFactory(DjangoModelFactory):
    """A proposed pairing by default; ``status=PairingStatus.ACTIVE`` gives dates too."""

    class Meta:
        model = Pairing

    program = factory.SubFactory(ProgramFactory)
    mentor = factory.SubFactory(MentorEnrolmentFactory, program=factory.SelfAttribute("..program"))
    mentee = factory.SubFactory(EnrolmentFactory, program=factory.SelfAttribute("..program"))
    status = PairingStatus.PROPOSED
    start_date = factory.LazyAttribute(lambda p: date(2024, 3, 1) if p.status != PairingStatus.PROPOSED else None)
    planned_end_date = factory.LazyAttribute(lambda p: date(2025, 3, 1) if p.start_date else None)


class ActivePairingFactory(PairingFactory):
    status = PairingStatus.ACTIVE


class GrowthPlanFactory(DjangoModelFactory):
    class Meta:
        model = GrowthPlan
        django_get_or_create = ("pairing",)

    pairing = factory.SubFactory(ActivePairingFactory)
    summary = "学习成长计划"


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(GrowthPlanFactory)
    title = factory.Sequence(lambda n: f"目标{n}")
    due_date = date(2024, 9, 1)


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    pairing = factory.SubFactory(ActivePairingFactory)
    date = date(2024, 4, 1)
    method = Method.ONSITE_TEACHING
    summary = "走村入户，现场教学"


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    person = factory.SubFactory(PersonFactory)
    assessed_on = date(2024, 6, 1)
    assessor_role = AssessorRole.MENTOR


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review

    pairing = factory.SubFactory(ActivePairingFactory)
    stage = ReviewStage.MIDTERM
    rating = Rating.GOOD


class OutcomeFactory(DjangoModelFactory):
    class Meta:
        model = Outcome

    person = factory.SubFactory(PersonFactory)
    date = date(2024, 12, 1)
    kind = OutcomeKind.PROMOTED


def program_with_people(organization, *, mentors=2, mentees=2, **options):
    """A program of ``organization`` with seasoned mentors and new-entrant mentees, ready for a match run."""
    program = ProgramFactory(organization=organization, **options)
    for _ in range(mentors):
        person = PersonFactory(organization=organization, birth_date=date(1970, 1, 1), work_start_date=date(1992, 1, 1))
        MentorEnrolmentFactory(program=program, person=person)
    for _ in range(mentees):
        EnrolmentFactory(program=program)
    return program
