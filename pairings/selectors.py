"""Reads with a rule about pairings: scoping for every role, and lineage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Avg, Count, Q, QuerySet

from mentorship.history import ChangeEntry, change_entries
from programs.models import Enrolment, Person
from programs.selectors import is_hr_staff, organization_scope

from .models import Activity, Assessment, Goal, GoalStatus, GrowthPlan, Outcome, Pairing, PairingStatus, Review


def own_pairings_q(user, prefix: str = "") -> Q:
    """Pairings where the user's own person is the mentor or the mentee.

    The user's few enrolments are read first (one small indexed query), so that PostgreSQL sees plain
    lists of ids: it then estimates a handful of pairings and looks them up by index. Joining people on
    both sides of every pairing, or OR-ing two subqueries it cannot estimate, had a mentor's every
    request read all pairings or walk all activities (0.4–1.7 s at province scale).
    """
    enrolments = list(Enrolment.objects.filter(person__user=user).order_by().values_list("pk", flat=True))
    mine = Q(mentor_id__in=enrolments) | Q(mentee_id__in=enrolments)
    if not prefix:
        return mine
    return Q(**{f"{prefix}in": Pairing.objects.filter(mine).values("pk")})


def pairing_scope(user, prefix: str = "") -> Q:
    """HR staff: pairings of programs in their subtree. Mentors and mentees: their own pairings."""
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    if is_hr_staff(user):
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
    if is_hr_staff(user):
        return organization_scope(user, f"{prefix}organization")
    if user and user.is_authenticated:
        # A subquery of the user's one person rather than a join to every person.
        return Q(**{f"{prefix}in": Person.objects.filter(user=user).values("pk")})
    return Q(pk__in=[])


def assessments_visible_to(user) -> QuerySet[Assessment]:
    """HR: assessments of people in their subtree. Mentors and mentees: their own, and those of their pairings
    (a mentor reads the scores of the mentee they assess)."""
    scope = _person_scope(user, "person__")
    if user and user.is_authenticated and not is_hr_staff(user):
        scope |= own_pairings_q(user, "pairing__")
    return Assessment.objects.filter(scope).select_related("person")


def outcomes_visible_to(user) -> QuerySet[Outcome]:
    return Outcome.objects.filter(_person_scope(user, "person__")).select_related("person")


def may_change_activity(user, activity: Activity) -> bool:
    """HR staff change any activity they can see; a mentor or a mentee changes only what they logged."""
    return is_hr_staff(user) or (activity.created_by_id is not None and activity.created_by_id == user.pk)


def own_pairings(user) -> QuerySet[Pairing]:
    """The pairings where the user's own person is the mentor or the mentee, whatever else they may see."""
    if not (user and user.is_authenticated):
        return Pairing.objects.none()
    return Pairing.objects.filter(own_pairings_q(user)).select_related(
        "program", "mentor__person__organization", "mentee__person__organization"
    )


OPEN_GOAL_STATUSES = (GoalStatus.PLANNED, GoalStatus.IN_PROGRESS)


@dataclass
class MentoringOverview:
    """What a mentor or a mentee sees of their own mentoring: their pairs, open goals and recent activities."""

    person: Person | None
    as_mentor: list[Pairing]
    as_mentee: list[Pairing]
    goals: list[Goal]
    activities: list[Activity]

    @property
    def pairings(self) -> list[Pairing]:
        return self.as_mentor + self.as_mentee


def mentoring_overview(user, *, today: date, goals: int = 20, activities: int = 10) -> MentoringOverview:
    """The user's own pairings as mentor and as mentee (newest first, rejected proposals left out), the open
    goals of their active pairings (soonest due first) and their latest activities, in five queries."""
    person = Person.objects.filter(user=user).select_related("organization").first()
    pairings = list(
        own_pairings(user)
        .exclude(status=PairingStatus.REJECTED)
        .annotate(
            goal_count=Count("growth_plan__goals", distinct=True),
            goal_progress=Avg("growth_plan__goals__progress"),
        )
        .order_by("-start_date", "-id")
    )
    for pairing in pairings:
        heard = pairing.last_activity_date or pairing.start_date
        pairing.days_silent = (today - heard).days if heard and pairing.status == PairingStatus.ACTIVE else None
    ids = [p.pk for p in pairings]
    active = [p.pk for p in pairings if p.status == PairingStatus.ACTIVE]
    open_goals = list(
        Goal.objects.filter(plan__pairing_id__in=active, status__in=OPEN_GOAL_STATUSES)
        .select_related("competency", "plan__pairing__mentor__person", "plan__pairing__mentee__person")
        .order_by("due_date", "id")[:goals]
    )
    for goal in open_goals:
        goal.is_overdue = bool(goal.due_date and goal.due_date < today)
    recent = list(
        Activity.objects.filter(pairing_id__in=ids)
        .select_related("pairing__mentor__person", "pairing__mentee__person", "created_by")
        .prefetch_related("dimension_rows")
        .order_by("-date", "-id")[:activities]
    )
    return MentoringOverview(
        person=person,
        as_mentor=[p for p in pairings if p.mentor.person.user_id == user.pk],
        as_mentee=[p for p in pairings if p.mentee.person.user_id == user.pk],
        goals=open_goals,
        activities=recent,
    )


PAIRING_HISTORY_FIELDS = (
    "status",
    "start_date",
    "planned_end_date",
    "end_date",
    "end_reason",
    "match_score",
    "is_pinned",
    "pledge_signed_on",
)


def pairing_history(pairing: Pairing, *, limit: int = 20) -> list[ChangeEntry]:
    """Who changed the pairing's status, dates, reason and pledge, and when: newest first, one query."""
    records = pairing.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    return change_entries(records, fields=PAIRING_HISTORY_FIELDS, limit=limit)


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
