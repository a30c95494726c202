"""Reads with a rule. Scoping lives here: every queryset a user sees starts from these functions.

HR staff see their organization's subtree: people by the person's organization, programs and
everything a program owns (enrolments, pairings, activities...) by the program's organization.
Superusers see everything. Mentor and mentee accounts see only their own pairings (pairings.selectors).
"""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from mentorship.history import ChangeEntry, change_entries

from .models import Competency, Enrolment, Organization, Person, Program, Role


def sees_everything(user) -> bool:
    return bool(user and user.is_authenticated and user.is_superuser)


def is_hr_staff(user) -> bool:
    """HR staff (a user with an organization) and superusers work on the HR side; other accounts are
    mentors and mentees, who see only their own pairings."""
    return bool(user and user.is_authenticated and (user.is_superuser or user.organization_id))


def organization_scope(user, field: str) -> Q:
    """A Q limiting objects whose organization sits at ``field`` to the user's subtree.

    ``field`` is the lookup path to an Organization (``""`` for Organization itself).
    Users with no organization (and not superusers) match nothing.
    """
    if sees_everything(user):
        return Q()
    organization = getattr(user, "organization", None) if user and user.is_authenticated else None
    if organization is None:
        return Q(pk__in=[])
    prefix = f"{field}__" if field else ""
    return Q(**{f"{prefix}path__startswith": organization.path})


def organizations_visible_to(user) -> QuerySet[Organization]:
    return Organization.objects.filter(organization_scope(user, ""))


def people_visible_to(user) -> QuerySet[Person]:
    return Person.objects.filter(organization_scope(user, "organization")).select_related("organization")


def programs_visible_to(user) -> QuerySet[Program]:
    return Program.objects.filter(organization_scope(user, "organization")).select_related("organization")


def enrolments_visible_to(user) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(organization_scope(user, "program__organization")).select_related(
        "program", "person", "person__organization"
    )


def competencies() -> QuerySet[Competency]:
    return Competency.objects.all()


def subtree_of(organization: Organization) -> QuerySet[Organization]:
    """The organization and everything below it, in one indexed prefix query."""
    return Organization.objects.filter(path__startswith=organization.path)


def unpaired(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Active mentees without an active pairing, and active mentors with free capacity."""
    with_load = enrolments.filter(status="active").annotate(
        active_pairs=Count("pairings_as_mentor", filter=Q(pairings_as_mentor__status="active"), distinct=True),
        mentee_active=Count("pairings_as_mentee", filter=Q(pairings_as_mentee__status="active"), distinct=True),
    )
    return with_load.filter(
        Q(role=Role.MENTEE, mentee_active=0)
        | Q(role=Role.MENTOR, active_pairs__lt=Coalesce(F("capacity"), F("program__mentor_capacity")))
    )


PERSON_HISTORY_FIELDS = (
    "full_name",
    "gender",
    "birth_date",
    "education",
    "organization",
    "position",
    "rank",
    "category",
    "work_start_date",
    "email",
    "phone",
    "id_number",
    "user",
    "is_active",
)
ENROLMENT_HISTORY_FIELDS = ("role", "category", "capacity", "status", "enrolled_on")


def person_history(person: Person, *, limit: int = 20) -> list[ChangeEntry]:
    """Who changed the person's profile and their enrolments, and when: newest first, in two queries
    (and one per kind of record a changed foreign key names)."""
    profile = person.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    enrolments = (
        Enrolment.history.filter(person_id=person.pk)
        .select_related("history_user", "program")
        .order_by("-history_date", "-history_id")[: limit + 1]
    )
    entries = change_entries(
        profile, fields=PERSON_HISTORY_FIELDS, subject=lambda record: _("Profile"), limit=limit
    ) + change_entries(
        enrolments,
        fields=ENROLMENT_HISTORY_FIELDS,
        subject=lambda record: _("Enrolment in %(program)s") % {"program": record.program},
        limit=limit,
    )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
