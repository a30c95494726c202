"""Reads with a rule about pairings: scoping for every role, and lineage."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from programs.models import Person
from programs.selectors import organization_scope, sees_everything

from .models import Activity, Assessment, Goal, GrowthPlan, Outcome, Pairing, PairingStatus, Review


def own_pairings_q(user, prefix: str = "") -> Q:
    """Pairings where the user's own person is the mentor or the mentee."""
    return Q(**{f"{prefix}mentor__person__user": user}) | Q(**{f"{prefix}mentee__person__user": user})


def pairing_scope(user, prefix: str = "") -> Q:
    """HR staff: pairings of programs in their subtree. Mentors and mentees: their own pairings."""
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    if sees_everything(user) or getattr(user, "organization_id", None):
        return organization_scope(user, f"{prefix}program__organization")
    return own_pairings_q(user, prefix)


def pairings_visible_to(user) -> QuerySet[Pairing]:
    return Pairing.objects.filter(pairing_scope(user)).select_related("program", "mentor__person", "mentee__person")


def activities_visible_to(user) -> QuerySet[Activity]:
    return Activity.objects.filter(pairing_scope(user, "pairing__")).select_related("pairing")


def growth_plans_visible_to(user) -> QuerySet[GrowthPlan]:
    return GrowthPlan.objects.filter(pairing_scope(user, "pairing__"))


def goals_visible_to(user) -> QuerySet[Goal]:
    return Goal.objects.filter(pairing_scope(user, "plan__pairing__"))


def reviews_visible_to(user) -> QuerySet[Review]:
    return Review.objects.filter(pairing_scope(user, "pairing__"))


def _person_scope(user, prefix: str) -> Q:
    if sees_everything(user) or getattr(user, "organization_id", None):
        return organization_scope(user, f"{prefix}organization")
    if user and user.is_authenticated:
        return Q(**{f"{prefix}user": user})
    return Q(pk__in=[])


def assessments_visible_to(user) -> QuerySet[Assessment]:
    return Assessment.objects.filter(_person_scope(user, "person__")).select_related("person")


def outcomes_visible_to(user) -> QuerySet[Outcome]:
    return Outcome.objects.filter(_person_scope(user, "person__")).select_related("person")


@dataclass
class LineageNode:
    person: Person
    generation: int
    children: list[LineageNode] = field(default_factory=list)


MENTORING_STATUSES = (PairingStatus.ACTIVE, PairingStatus.COMPLETED)


def lineage(person: Person, *, max_generations: int = 6) -> tuple[list[Person], LineageNode]:
    """Who mentored this person (upwards, nearest first) and whom they mentored, generation by generation.

    One query per generation, each over an indexed join; a person's lineage is small.
    """
    ancestors: list[Person] = []
    seen = {person.pk}
    current = person.pk
    for _ in range(max_generations):
        mentor = (
            Pairing.objects.filter(mentee__person_id=current, status__in=MENTORING_STATUSES)
            .select_related("mentor__person")
            .order_by("-start_date")
            .first()
        )
        if mentor is None or mentor.mentor.person_id in seen:
            break
        ancestors.append(mentor.mentor.person)
        seen.add(mentor.mentor.person_id)
        current = mentor.mentor.person_id

    root = LineageNode(person=person, generation=0)
    frontier = {person.pk: root}
    for generation in range(1, max_generations + 1):
        rows = (
            Pairing.objects.filter(mentor__person_id__in=list(frontier), status__in=MENTORING_STATUSES)
            .select_related("mentee__person", "mentor")
            .order_by("start_date", "id")
        )
        next_frontier: dict[int, LineageNode] = {}
        for pairing in rows:
            mentee = pairing.mentee.person
            if mentee.pk in seen:
                continue
            seen.add(mentee.pk)
            node = LineageNode(person=mentee, generation=generation)
            frontier[pairing.mentor.person_id].children.append(node)
            next_frontier[mentee.pk] = node
        if not next_frontier:
            break
        frontier = next_frontier
    return ancestors, root
