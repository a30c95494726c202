"""Factories for organizations, accounts, people, programs and enrolments."""

from datetime import date

import factory
from factory.django import DjangoModelFactory

from programs.models import (
    Education,
    Enrolment,
    EnrolmentCategory,
    Gender,
    Organization,
    OrganizationKind,
    Person,
    PersonCategory,
    Program,
    ProgramStatus,
    Role,
    User,
)


class OrganizationFactory(DjangoModelFactory):
    """Creates a root organization, or a child when given ``parent=``."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"单位{n}")
    code = factory.Sequence(lambda n: f"ORG{n:05d}")
    kind = OrganizationKind.DISTRICT

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.objects.add_root(create_kwargs=kwargs)
        return model_class.objects.add_child(parent, create_kwargs=kwargs)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class HRUserFactory(UserFactory):
    organization = factory.SubFactory(OrganizationFactory)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"张{n}")
    gender = Gender.MALE
    birth_date = date(1995, 5, 1)
    education = Education.BACHELOR
    organization = factory.SubFactory(OrganizationFactory)
    position = "科员"
    category = PersonCategory.CIVIL_SERVANT
    work_start_date = date(2018, 8, 1)


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"青蓝结对·导师帮带 {n}")
    organization = factory.SubFactory(OrganizationFactory)
    start_date = date(2024, 1, 1)
    status = ProgramStatus.ACTIVE
    term_months = 12
    mentor_capacity = 3
    cadence_days = 30


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrolment

    program = factory.SubFactory(ProgramFactory)
    person = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..program.organization"))
    role = Role.MENTEE
    category = EnrolmentCategory.NEW_ENTRANT


class MentorEnrolmentFactory(EnrolmentFactory):
    role = Role.MENTOR
    category = EnrolmentCategory.TOWNSHIP_VETERAN
    person = factory.SubFactory(
        PersonFactory,
        organization=factory.SelfAttribute("..program.organization"),
        birth_date=date(1972, 3, 1),
        work_start_date=date(1993, 7, 1),
    )
