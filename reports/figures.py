"""Every figure of a report (SPEC §8) for a program or an organization subtree over a period, computed in SQL.

``report_figures`` returns plain data; ``report_sections`` lays it out as titled tables. The page, the
XLSX, the CSV and the PDF all render those same sections, so they agree number for number.

Definitions, as HR reads them:
* a pair is *in force* in the period when it started on or before the period's end and had not ended
  before its start (status active, completed or dissolved);
* *completed*/*dissolved* count pairs that ended that way within the period;
* figures "as of" are taken at the period's end, or today when the period runs into the future;
* the cohort is the mentees of the pairs in force.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from pairings.models import (
    Activity,
    ActivityDimension,
    Assessment,
    CompetencyScore,
    Dimension,
    Goal,
    GoalStatus,
    Method,
    Outcome,
    OutcomeKind,
    Pairing,
    PairingStatus,
)
from programs.models import Competency, Education, Enrolment, EnrolmentCategory, Organization, Program

STARTED_STATUSES = (PairingStatus.ACTIVE, PairingStatus.COMPLETED, PairingStatus.DISSOLVED)
OPEN_GOALS = (GoalStatus.PLANNED, GoalStatus.IN_PROGRESS)
YOUNG_AGE = 35


@dataclass(frozen=True)
class ReportSubject:
    """What a report covers: one program, or every program owned within an organization's subtree."""

    period_start: date
    period_end: date
    program: Program | None = None
    organization: Organization | None = None

    @property
    def root(self) -> Organization:
        return self.program.organization if self.program else self.organization

    @property
    def title(self) -> str:
        return self.program.name if self.program else self.organization.name

    @property
    def as_of(self) -> date:
        return min(self.period_end, timezone.localdate())

    def _pairing_rule(self, prefix: str = "") -> Q:
        """The pairings covered, as a condition on ``prefix`` (a path to a pairing, e.g. ``"activity__pairing__"``)."""
        if self.program is not None:
            return Q(**{f"{prefix}program": self.program})
        return Q(**{f"{prefix}program__organization__path__startswith": self.organization.path})

    def _in_force_rule(self, prefix: str = "") -> Q:
        return (
            self._pairing_rule(prefix)
            & (Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": self.period_start}))
            & Q(**{f"{prefix}status__in": STARTED_STATUSES, f"{prefix}start_date__lte": self.period_end})
        )

    def pairings(self) -> QuerySet[Pairing]:
        return Pairing.objects.filter(self._pairing_rule())

    def in_force(self) -> QuerySet[Pairing]:
        return Pairing.objects.filter(self._in_force_rule())

    def activities(self) -> QuerySet[Activity]:
        # Joins rather than ``pairing__in`` subqueries: PostgreSQL then walks the indexes from the pairings out.
        return Activity.objects.filter(
            self._in_force_rule("pairing__"), date__gte=self.period_start, date__lte=self.period_end
        )

    def activity_dimensions(self) -> QuerySet[ActivityDimension]:
        return ActivityDimension.objects.filter(
            self._in_force_rule("activity__pairing__"),
            activity__date__gte=self.period_start,
            activity__date__lte=self.period_end,
        )


def months_in(start: date, end: date) -> int:
    """Calendar months the period touches (1 for a period inside one month)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _subquery_sql(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def last_heard_as_of(as_of: date):
    """The latest activity on or before ``as_of``, or the pairing's start: when the pair was last heard of."""
    latest = Activity.objects.filter(pairing=OuterRef("pk"), date__lte=as_of).order_by("-date").values("date")[:1]
    return Coalesce(Subquery(latest, output_field=DateField()), F("start_date"))


def inactive_pairs(subject: ReportSubject) -> QuerySet[Pairing]:
    """Pairs still running at the as-of date that had been silent for more than their program's cadence."""
    as_of = subject.as_of
    running = subject.pairings().filter(
        Q(end_date__isnull=True) | Q(end_date__gt=as_of), status__in=STARTED_STATUSES, start_date__lte=as_of
    )
    # One condition per cadence in use (a handful), so the cut-off dates are plain parameters on every database.
    if subject.program is not None:
        cadences = [subject.program.cadence_days]
    else:
        cadences = running.order_by().values_list("program__cadence_days", flat=True).distinct()
    silent = Q(pk__in=[])
    for cadence in cadences:
        silent |= Q(program__cadence_days=cadence, heard__lt=as_of - timedelta(days=cadence))
    return running.annotate(heard=last_heard_as_of(as_of)).filter(silent)


def _pair_figures(subject: ReportSubject) -> dict:
    in_period = Q(end_date__gte=subject.period_start, end_date__lte=subject.period_end)
    figures = subject.pairings().aggregate(
        in_force=Count(
            "id",
            filter=Q(status__in=STARTED_STATUSES, start_date__lte=subject.period_end)
            & (Q(end_date__isnull=True) | Q(end_date__gte=subject.period_start)),
        ),
        started=Count(
            "id",
            filter=Q(
                status__in=STARTED_STATUSES, start_date__gte=subject.period_start, start_date__lte=subject.period_end
            ),
        ),
        active_at_end=Count(
            "id",
            filter=Q(status__in=STARTED_STATUSES, start_date__lte=subject.as_of)
            & (Q(end_date__isnull=True) | Q(end_date__gt=subject.as_of)),
        ),
        completed=Count("id", filter=Q(status=PairingStatus.COMPLETED) & in_period),
        dissolved=Count("id", filter=Q(status=PairingStatus.DISSOLVED) & in_period),
        mentors=Count(
            "mentor_id",
            distinct=True,
            filter=Q(status__in=STARTED_STATUSES, start_date__lte=subject.period_end)
            & (Q(end_date__isnull=True) | Q(end_date__gte=subject.period_start)),
        ),
        mentees=Count(
            "mentee_id",
            distinct=True,
            filter=Q(status__in=STARTED_STATUSES, start_date__lte=subject.period_end)
            & (Q(end_date__isnull=True) | Q(end_date__gte=subject.period_start)),
        ),
    )
    figures["inactive"] = inactive_pairs(subject).count()
    return figures


def _mentee_spread(subject: ReportSubject) -> dict:
    """How many mentors had one, two, three... mentees among the pairs in force (one grouped query)."""
    per_mentor = subject.in_force().values("mentor_id").annotate(n=Count("mentee_id", distinct=True)).values("n")
    sql, params = _subquery_sql(per_mentor)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT n, COUNT(*) FROM ({sql}) AS per_mentor GROUP BY n ORDER BY n", params)
        histogram = {int(n): int(mentors) for n, mentors in cursor.fetchall()}
    mentors = sum(histogram.values())
    mentees = sum(n * m for n, m in histogram.items())
    return {
        "histogram": histogram,
        "min": min(histogram, default=0),
        "max": max(histogram, default=0),
        "average": round(mentees / mentors, 2) if mentors else 0.0,
    }


def _activity_figures(subject: ReportSubject, pairs_in_force: int) -> dict:
    activities = subject.activities()
    # One grouped query gives both the months and the methods (at most months × 7 rows).
    cells = activities.annotate(month=TruncMonth("date")).values("month", "method").annotate(n=Count("id")).order_by()
    by_month: dict[str, int] = {}
    by_method = dict.fromkeys(Method.values, 0)
    for row in cells:
        month = row["month"].strftime("%Y-%m")
        by_month[month] = by_month.get(month, 0) + row["n"]
        by_method[row["method"]] = by_method.get(row["method"], 0) + row["n"]
    months = [
        (subject.period_start.replace(day=1) + relativedelta(months=i)).strftime("%Y-%m")
        for i in range(months_in(subject.period_start, subject.period_end))
    ]
    dimensions = subject.activity_dimensions()
    by_dimension = dict.fromkeys(Dimension.values, 0) | {
        row["dimension"]: row["n"] for row in dimensions.values("dimension").annotate(n=Count("id")).order_by()
    }
    total = sum(by_method.values())
    month_count = len(months)
    return {
        "total": total,
        "per_pair_per_month": round(total / pairs_in_force / month_count, 2) if pairs_in_force else 0.0,
        "by_month": {month: by_month.get(month, 0) for month in months},
        "by_method": by_method,
        "by_dimension": by_dimension,
    }


def _goal_figures(subject: ReportSubject) -> dict:
    return Goal.objects.filter(plan__pairing__in=subject.in_force()).aggregate(
        total=Count("id"),
        achieved=Count("id", filter=Q(status=GoalStatus.ACHIEVED)),
        overdue=Count("id", filter=Q(status__in=OPEN_GOALS, due_date__lt=subject.as_of)),
    )


def _competency_growth(subject: ReportSubject) -> list[dict]:
    """Per ability: mentees assessed at least twice by the period's end, their first and latest mean score."""
    mentees_sql, mentee_params = _subquery_sql(subject.in_force().values("mentee__person_id"))
    score, assessment = CompetencyScore._meta.db_table, Assessment._meta.db_table
    competency = Competency._meta.db_table
    sql = f"""
        WITH scored AS (
            SELECT s.competency_id, s.score,
                   ROW_NUMBER() OVER (PARTITION BY a.person_id, s.competency_id
                                      ORDER BY a.assessed_on, a.id) AS first_rank,
                   ROW_NUMBER() OVER (PARTITION BY a.person_id, s.competency_id
                                      ORDER BY a.assessed_on DESC, a.id DESC) AS last_rank,
                   COUNT(*) OVER (PARTITION BY a.person_id, s.competency_id) AS times
            FROM {score} s JOIN {assessment} a ON a.id = s.assessment_id
            WHERE a.assessed_on <= %s AND a.person_id IN ({mentees_sql})
        )
        , growth AS (
            SELECT competency_id,
                   SUM(CASE WHEN first_rank = 1 THEN 1 ELSE 0 END) AS people,
                   AVG(CASE WHEN first_rank = 1 THEN score END) AS first_score,
                   AVG(CASE WHEN last_rank = 1 THEN score END) AS latest_score
            FROM scored WHERE times >= 2 GROUP BY competency_id
        )
        SELECT c.code, c.name_zh, c.name_en, COALESCE(g.people, 0), g.first_score, g.latest_score
        FROM {competency} c LEFT JOIN growth g ON g.competency_id = c.id
        ORDER BY c.position, c.code
    """  # noqa: S608 (table names come from model metadata; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, (subject.period_end, *mentee_params))
        rows = cursor.fetchall()
    growth = []
    for code, name_zh, name_en, people, first, latest in rows:
        competency = Competency(code=code, name_zh=name_zh, name_en=name_en)
        first = round(float(first), 2) if first is not None else None
        latest = round(float(latest), 2) if latest is not None else None
        growth.append(
            {
                "code": competency.code,
                "name": competency.name,
                "people": int(people),
                "first": first,
                "latest": latest,
                "change": round(latest - first, 2) if first is not None else None,
            }
        )
    return growth


def _outcomes(subject: ReportSubject) -> dict:
    mentees = subject.in_force().values("mentee__person_id")
    rows = (
        Outcome.objects.filter(person_id__in=mentees, date__gte=subject.period_start, date__lte=subject.period_end)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict.fromkeys(OutcomeKind.values, 0) | {row["kind"]: row["n"] for row in rows}


def _cohort(subject: ReportSubject) -> dict:
    """Mentees of the pairs in force: how many, the share under 35 and with a bachelor's degree or more."""
    young_after = subject.as_of - relativedelta(years=YOUNG_AGE)
    figures = {
        "mentees": Count("id"),
        "under_35": Count("id", filter=Q(person__birth_date__gt=young_after)),
        "bachelor_or_more": Count("id", filter=Q(person__education__in=Education.bachelor_or_more())),
    }
    cohort = Enrolment.objects.filter(pk__in=subject.in_force().values("mentee_id"))
    by_category = {row["category"]: row for row in cohort.values("category").annotate(**figures).order_by()}
    total = {name: sum(row[name] for row in by_category.values()) for name in figures}

    def shares(row: dict) -> dict:
        return {
            "mentees": row["mentees"],
            "under_35": row["under_35"],
            "under_35_share": _share(row["under_35"], row["mentees"]),
            "bachelor_or_more": row["bachelor_or_more"],
            "bachelor_or_more_share": _share(row["bachelor_or_more"], row["mentees"]),
        }

    return {
        "total": shares(total),
        "by_category": {
            category: shares(by_category[category]) for category in EnrolmentCategory.values if category in by_category
        },
    }


def _by_child_organization(subject: ReportSubject) -> list[dict]:
    """Figures per child of the subject's organization, by the mentee's unit; people at the node itself apart."""
    root = subject.root
    child_length = len(root.path) + Organization.steplen
    branch = Case(
        When(
            mentee__person__organization__path__startswith=root.path,
            then=Substr("mentee__person__organization__path", 1, child_length),
        ),
        default=Value(""),
        output_field=CharField(),
    )
    in_force = subject.in_force()
    rows = (
        in_force.annotate(branch=branch, period_activities=period_activity_count(subject))
        .values("branch")
        .annotate(
            activities=Coalesce(Sum("period_activities"), 0),
            pairs=Count("id"),
            mentors=Count("mentor_id", distinct=True),
            mentees=Count("mentee_id", distinct=True),
            completed=Count(
                "id",
                filter=Q(
                    status=PairingStatus.COMPLETED, end_date__gte=subject.period_start, end_date__lte=subject.period_end
                ),
            ),
            dissolved=Count(
                "id",
                filter=Q(
                    status=PairingStatus.DISSOLVED, end_date__gte=subject.period_start, end_date__lte=subject.period_end
                ),
            ),
        )
        .order_by("branch")
    )
    rows = list(rows)
    names = dict(
        Organization.objects.filter(path__in=[row["branch"] for row in rows if row["branch"]]).values_list(
            "path", "name"
        )
    )
    result = []
    for row in rows:
        path = row["branch"]
        if not path:
            name = _("Outside %(organization)s") % {"organization": root.name}
        elif path == root.path:
            name = _("%(organization)s (itself)") % {"organization": root.name}
        else:
            name = names.get(path, path)
        result.append(
            {
                "organization": name,
                "pairs": row["pairs"],
                "mentors": row["mentors"],
                "mentees": row["mentees"],
                "completed": row["completed"],
                "dissolved": row["dissolved"],
                "activities": row["activities"],
            }
        )
    return result


def report_figures(subject: ReportSubject) -> dict:
    """Every figure of SPEC §8 for the subject; a fixed, small number of queries whatever the data size."""
    pairs = _pair_figures(subject)
    return {
        "title": subject.title,
        "period_start": subject.period_start,
        "period_end": subject.period_end,
        "as_of": subject.as_of,
        "pairs": pairs,
        "spread": _mentee_spread(subject),
        "activities": _activity_figures(subject, pairs["in_force"]),
        "goals": _goal_figures(subject),
        "competency_growth": _competency_growth(subject),
        "outcomes": _outcomes(subject),
        "cohort": _cohort(subject),
        "organizations": _by_child_organization(subject),
    }


@dataclass
class Section:
    """One table of a report: a sheet in XLSX, a block in CSV, a table on screen and in the PDF."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def report_sections(figures: dict) -> list[Section]:
    """The figures as titled tables, labelled in the active language."""
    pairs, spread, activities = figures["pairs"], figures["spread"], figures["activities"]
    figure, value = _("Figure"), _("Value")
    overview = Section(
        "overview",
        _("Overview"),
        [figure, value],
        [
            [_("Report for"), figures["title"]],
            [_("Period start"), figures["period_start"].isoformat()],
            [_("Period end"), figures["period_end"].isoformat()],
            [_("As of"), figures["as_of"].isoformat()],
            [_("Pairs in force during the period"), pairs["in_force"]],
            [_("Pairs started in the period"), pairs["started"]],
            [_("Pairs active at the end of the period"), pairs["active_at_end"]],
            [_("Pairs completed in the period"), pairs["completed"]],
            [_("Pairs dissolved in the period"), pairs["dissolved"]],
            [_("Mentors"), pairs["mentors"]],
            [_("Mentees"), pairs["mentees"]],
            [_("Mentees per mentor (average)"), spread["average"]],
            [_("Mentees per mentor (fewest)"), spread["min"]],
            [_("Mentees per mentor (most)"), spread["max"]],
            [_("Inactive pairs"), pairs["inactive"]],
            [_("Activities"), activities["total"]],
            [_("Activities per pair per month"), activities["per_pair_per_month"]],
            [_("Goals"), figures["goals"]["total"]],
            [_("Goals achieved"), figures["goals"]["achieved"]],
            [_("Goals overdue"), figures["goals"]["overdue"]],
        ],
    )
    spread_section = Section(
        "spread",
        _("Mentees per mentor"),
        [_("Mentees"), _("Mentors")],
        [[n, mentors] for n, mentors in sorted(spread["histogram"].items())],
    )
    by_month = Section(
        "activities_by_month",
        _("Activities by month"),
        [_("Month"), _("Activities")],
        [[month, n] for month, n in activities["by_month"].items()],
    )
    by_method = Section(
        "activities_by_method",
        _("Activities by method"),
        [_("Method"), _("Activities")],
        [[str(Method(code).label), n] for code, n in activities["by_method"].items()],
    )
    by_dimension = Section(
        "activities_by_dimension",
        _("Activities by guidance dimension"),
        [_("Guidance dimension"), _("Activities")],
        [[str(Dimension(code).label), n] for code, n in activities["by_dimension"].items()],
    )
    growth = Section(
        "competency_growth",
        _("Competency growth"),
        [_("Ability"), _("Mentees assessed twice or more"), _("First score"), _("Latest score"), _("Change")],
        [
            [row["name"], row["people"], _blank(row["first"]), _blank(row["latest"]), _blank(row["change"])]
            for row in figures["competency_growth"]
        ],
    )
    outcomes = Section(
        "outcomes",
        _("Outcomes by kind"),
        [_("Outcome"), _("People")],
        [[str(OutcomeKind(code).label), n] for code, n in figures["outcomes"].items()],
    )
    cohort_headers = [
        _("Category"),
        _("Mentees"),
        _("Under 35"),
        _("Share under 35"),
        _("Bachelor's degree or more"),
        _("Share with bachelor's degree or more"),
    ]

    def cohort_row(label: str, row: dict) -> list:
        return [
            label,
            row["mentees"],
            row["under_35"],
            _percent(row["under_35_share"]),
            row["bachelor_or_more"],
            _percent(row["bachelor_or_more_share"]),
        ]

    cohort = Section(
        "cohort",
        _("Cohort demographics"),
        cohort_headers,
        [cohort_row(_("All mentees"), figures["cohort"]["total"])]
        + [
            cohort_row(str(EnrolmentCategory(code).label), row)
            for code, row in figures["cohort"]["by_category"].items()
        ],
    )
    organizations = Section(
        "organizations",
        _("By organization"),
        [_("Organization"), _("Pairs"), _("Mentors"), _("Mentees"), _("Completed"), _("Dissolved"), _("Activities")],
        [
            [
                row["organization"],
                row["pairs"],
                row["mentors"],
                row["mentees"],
                row["completed"],
                row["dissolved"],
                row["activities"],
            ]
            for row in figures["organizations"]
        ],
    )
    return [overview, spread_section, by_month, by_method, by_dimension, growth, outcomes, cohort, organizations]


def _blank(number: float | None):
    return "" if number is None else number


def period_activity_count(subject: ReportSubject):
    """A pairing's activities within the period, as a correlated count (0 when none)."""
    count = (
        Activity.objects.filter(pairing=OuterRef("pk"), date__gte=subject.period_start, date__lte=subject.period_end)
        .order_by()
        .values("pairing")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


def pairing_detail_headers() -> list[str]:
    return [
        _("Mentor"),
        _("Mentee"),
        _("Mentee's organization"),
        _("Program"),
        _("Status"),
        _("Start date"),
        _("Planned end date"),
        _("End date"),
        _("Activities in the period"),
        _("Last activity date"),
    ]


def pairing_detail_rows(subject: ReportSubject, *, chunk_size: int = 5000) -> Iterator[list]:
    """One row per pair in force, with its activities in the period; streamed from a server-side cursor."""
    statuses = {code: str(label) for code, label in PairingStatus.choices}
    rows = (
        subject.in_force()
        .annotate(period_activities=period_activity_count(subject))
        .order_by("id")
        .values_list(
            "mentor__person__full_name",
            "mentee__person__full_name",
            "mentee__person__organization__name",
            "program__name",
            "status",
            "start_date",
            "planned_end_date",
            "end_date",
            "period_activities",
            "last_activity_date",
        )
    )
    for mentor, mentee, organization, program, status, start, planned, end, n, last in rows.iterator(
        chunk_size=chunk_size
    ):
        yield [mentor, mentee, organization, program, statuses[status], start, planned, end, n, last]
