"""Reminders (SPEC §7): a daily scan records every reminder that is due; delivery e-mails what was recorded.

Exactly once. Each reminder is a ``Notification`` whose unique key is (kind, object, period, recipient).
The scan finds what is due with a few set-based queries (one per kind, or per cadence or term in use, never
per pairing), renders the texts in each recipient's language, and inserts the rows with ON CONFLICT DO
NOTHING: a second scan, a retried task or a concurrent worker finds the keys taken and adds nothing.
Delivery then takes unsent rows one at a time, locked with SKIP LOCKED, sends the e-mail and marks the row
sent in the same transaction. A crash after recording and before sending leaves the row unsent, and the
next delivery sends it; two deliverers never take the same row.

The period makes a reminder repeat sensibly but once per period: a silent pair is reminded once per
cadence it stays silent, an overdue goal once a week, a goal due soon once for its due date.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pairings.models import Assessment, Goal, Pairing, PairingStatus, Review, ReviewStage
from programs.models import Organization, Program, ProgramStatus, User

from .dashboards import DAYS_PER_MONTH
from .models import Notification, NotificationKind, notification_key
from .selectors import OPEN_GOALS, silent_since

logger = logging.getLogger(__name__)

Kind = NotificationKind
INSERT_BATCH = 2_000
MAX_DELIVERY_ATTEMPTS = 5
TITLE_LENGTH = Notification._meta.get_field("title").max_length

# Title and body of each kind; rendered in the recipient's language with the reminder's figures.
TEXTS = {
    Kind.INACTIVE: (
        _("No activity since %(since)s: %(pair)s"),
        _(
            "The pair %(pair)s (%(program)s) has logged no activity since %(since)s, %(days)s days ago; the "
            "program expects one every %(cadence)s days. Log what you have done together, or agree on the "
            "next session."
        ),
    ),
    Kind.AT_RISK: (
        _("At risk: %(pair)s, silent for %(days)s days"),
        _(
            "The pair %(pair)s (%(program)s) has logged no activity since %(since)s: three cadences of "
            "%(cadence)s days or more. Contact them and agree on how the mentoring goes on."
        ),
    ),
    Kind.GOAL_DUE: (
        _("Goal due on %(due)s: %(goal)s"),
        _("The goal “%(goal)s” of %(pair)s is due on %(due)s. Update its progress, or mark it achieved."),
    ),
    Kind.GOAL_OVERDUE: (
        _("Goal overdue since %(due)s: %(goal)s"),
        _(
            "The goal “%(goal)s” of %(pair)s was due on %(due)s and is still open. Update its progress, "
            "set a new date, or drop it."
        ),
    ),
    Kind.ENDING_SOON: (
        _("Pairing ends on %(end)s: %(pair)s"),
        _(
            "The pairing %(pair)s (%(program)s) is planned to end on %(end)s. Plan its final review, and "
            "complete or extend it."
        ),
    ),
    Kind.ASSESSMENT_DUE: (
        _("Assessment due: %(mentee)s"),
        _(
            "%(mentee)s (%(pair)s, %(program)s) has had no assessment since %(since)s. Record an assessment "
            "of each competency."
        ),
    ),
    Kind.MIDTERM_REVIEW_DUE: (
        _("Midterm review due: %(pair)s"),
        _("The pairing %(pair)s (%(program)s) reached half its term on %(due)s and has no midterm review yet."),
    ),
    Kind.FINAL_REVIEW_DUE: (
        _("Final review due: %(pair)s"),
        _("The pairing %(pair)s (%(program)s) reached its planned end on %(due)s and has no final review yet."),
    ),
    Kind.PROPOSALS_WAITING: (
        _("Proposals waiting for a decision in %(program)s: %(count)s"),
        _(
            "Proposed pairs of %(program)s waiting more than %(days)s days for a decision: %(count)s, the "
            "oldest since %(oldest)s. Accept or reject them on the matching page."
        ),
    ),
}
REMINDER_KINDS = tuple(TEXTS)


@dataclass(frozen=True, slots=True)
class Due:
    """A reminder found by the scan: what it is about, for which period, to whom, and its figures."""

    kind: str
    subject_id: int
    period: date
    recipient_id: int
    language: str
    url: str
    params: dict


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    language: str


def language_of(code: str | None) -> str:
    """A user's language if the product speaks it, else the site's."""
    available = {language for language, _name in settings.LANGUAGES}
    return code if code in available else settings.LANGUAGE_CODE


def window_start(start: date, today: date, days: int) -> date:
    """The start of the ``days``-long window, counted from ``start``, that ``today`` falls in."""
    return start + timedelta(days=days * ((today - start).days // days))


def week_of(day: date) -> date:
    """The Monday of the week of ``day``."""
    return day - timedelta(days=day.weekday())


def half_term_days(term_months: int) -> int:
    """A pairing is due a midterm review this many days after it starts (as on the supervision page)."""
    return round(term_months * DAYS_PER_MONTH / 2)


# --- Who is reminded ------------------------------------------------------------------------------------


def program_hr_staff(program_ids: Iterable[int] | None = None) -> dict[int, list[Recipient]]:
    """The HR staff who look after each program: those of the program's organization, or else of its
    nearest ancestor that has HR staff. Two queries, whatever the number of programs."""
    staff: dict[str, list[Recipient]] = defaultdict(list)
    for user_id, language, path in User.objects.filter(is_active=True, organization__isnull=False).values_list(
        "id", "language", "organization__path"
    ):
        staff[path].append(Recipient(user_id, language_of(language)))
    programs = Program.objects.exclude(status=ProgramStatus.CLOSED)
    if program_ids is not None:
        programs = programs.filter(pk__in=list(program_ids))
    steplen = Organization.steplen
    result: dict[int, list[Recipient]] = {}
    for program_id, path in programs.values_list("id", "organization__path"):
        for end in range(len(path), 0, -steplen):
            if path[:end] in staff:
                result[program_id] = staff[path[:end]]
                break
    return result


def _pair_members(row: dict, prefix: str = "") -> list[Recipient]:
    """The mentor and the mentee of a pairing row, those with an active login account."""
    members = []
    for role in ("mentor", "mentee"):
        user_id = row[f"{prefix}{role}__person__user_id"]
        if user_id is not None and row[f"{prefix}{role}__person__user__is_active"]:
            members.append(Recipient(user_id, language_of(row[f"{prefix}{role}__person__user__language"])))
    return members


def _pair_fields(prefix: str = "", *, members: bool) -> list[str]:
    fields = [
        f"{prefix}id",
        f"{prefix}program_id",
        f"{prefix}program__name",
        f"{prefix}mentor__person__full_name",
        f"{prefix}mentee__person__full_name",
    ]
    if members:
        for role in ("mentor", "mentee"):
            fields += [
                f"{prefix}{role}__person__user_id",
                f"{prefix}{role}__person__user__language",
                f"{prefix}{role}__person__user__is_active",
            ]
    return fields


def _pair_params(row: dict, prefix: str = "") -> dict:
    return {
        "pair": f"{row[f'{prefix}mentor__person__full_name']} → {row[f'{prefix}mentee__person__full_name']}",
        "program": row[f"{prefix}program__name"],
    }


class PairingLinks:
    """Links to pairing pages, reversed once rather than once per reminder (hundreds of thousands of them)."""

    PLACEHOLDER = 987654321

    def __init__(self) -> None:
        self.pattern = reverse("pairings:detail", args=[self.PLACEHOLDER])

    def __call__(self, pairing_id: int, anchor: str) -> str:
        return f"{self.pattern.replace(str(self.PLACEHOLDER), str(pairing_id))}#{anchor}"


def _has_member_account(prefix: str = "") -> Q:
    """Rows worth reading for a mentor-and-mentee reminder: at least one of the two has an active account."""
    return Q(**{f"{prefix}mentor__person__user__is_active": True}) | Q(
        **{f"{prefix}mentee__person__user__is_active": True}
    )


# --- What is due ------------------------------------------------------------------------------------------


def _active_pairings():
    return Pairing.objects.filter(status=PairingStatus.ACTIVE, program__status=ProgramStatus.ACTIVE)


def _in_use(field: str) -> list[int]:
    return sorted(
        set(Program.objects.filter(status=ProgramStatus.ACTIVE).values_list(field, flat=True).distinct().order_by())
    )


def silent_pairs_due(today: date, hr: dict[int, list[Recipient]], link: PairingLinks) -> Iterator[Due]:
    """No activity within the program's cadence: the mentor and the mentee, once per cadence of silence.
    Silent for three cadences: "at risk" to HR, once per three cadences."""
    at_risk = settings.MENTORSHIP["INACTIVE_CADENCES_AT_RISK"]
    for cadence in _in_use("cadence_days"):
        rows = (
            _active_pairings()
            .filter(program__cadence_days=cadence)
            .annotate(heard=silent_since())
            .filter(heard__lt=today - timedelta(days=cadence))
            # Members are reminded after one cadence; HR (if the program has some) after three.
            .filter(
                _has_member_account() | Q(heard__lt=today - timedelta(days=cadence * at_risk), program__in=list(hr))
            )
            .values(*_pair_fields(members=True), "heard")
        )
        for row in rows.iterator(chunk_size=5_000):
            heard = row["heard"]
            days = (today - heard).days
            params = _pair_params(row) | {"since": heard.isoformat(), "days": days, "cadence": cadence}
            url = link(row["id"], "timeline")
            period = window_start(heard, today, cadence)
            for member in _pair_members(row):
                yield Due(Kind.INACTIVE, row["id"], period, member.user_id, member.language, url, params)
            if days > cadence * at_risk:
                period = window_start(heard, today, cadence * at_risk)
                for staff in hr.get(row["program_id"], ()):
                    yield Due(Kind.AT_RISK, row["id"], period, staff.user_id, staff.language, url, params)


def goals_due(today: date, link: PairingLinks) -> Iterator[Due]:
    """Open goals due within a week (once for their due date) or overdue (once a week): the mentor and mentee."""
    soon = today + timedelta(days=settings.MENTORSHIP["GOAL_DUE_SOON_DAYS"])
    prefix = "plan__pairing__"
    rows = (
        Goal.objects.filter(
            status__in=OPEN_GOALS,
            due_date__lte=soon,
            plan__pairing__status=PairingStatus.ACTIVE,
            plan__pairing__program__status=ProgramStatus.ACTIVE,
        )
        .filter(_has_member_account(prefix))
        .values("id", "title", "due_date", *_pair_fields(prefix, members=True))
    )
    this_week = week_of(today)
    for row in rows.iterator(chunk_size=5_000):
        due = row["due_date"]
        kind, period = (Kind.GOAL_DUE, due) if due >= today else (Kind.GOAL_OVERDUE, this_week)
        params = _pair_params(row, prefix) | {"goal": row["title"], "due": due.isoformat()}
        url = link(row[f"{prefix}id"], "plan")
        for member in _pair_members(row, prefix):
            yield Due(kind, row["id"], period, member.user_id, member.language, url, params)


def endings_due(today: date, hr: dict[int, list[Recipient]], link: PairingLinks) -> Iterator[Due]:
    """Pairings planned to end within 30 days: HR, once for the planned end date."""
    until = today + timedelta(days=settings.MENTORSHIP["ENDING_SOON_DAYS"])
    rows = (
        _active_pairings()
        .filter(planned_end_date__gte=today, planned_end_date__lte=until, program__in=list(hr))
        .values(*_pair_fields(members=False), "planned_end_date")
    )
    for row in rows.iterator(chunk_size=5_000):
        end = row["planned_end_date"]
        params = _pair_params(row) | {"end": end.isoformat()}
        url = link(row["id"], "status")
        for staff in hr.get(row["program_id"], ()):
            yield Due(Kind.ENDING_SOON, row["id"], end, staff.user_id, staff.language, url, params)


def assessments_due(today: date, link: PairingLinks) -> Iterator[Due]:
    """Mentees with no assessment in 90 days (counted from the pairing's start if never assessed): the
    mentor and the mentee, once per 90 days without one."""
    interval = settings.MENTORSHIP["ASSESSMENT_INTERVAL_DAYS"]
    latest = (
        Assessment.objects.filter(person=OuterRef("mentee__person"))
        .order_by()
        .values("person")
        .annotate(latest=Max("assessed_on"))
        .values("latest")
    )
    rows = (
        _active_pairings()
        .filter(_has_member_account())
        .annotate(assessed_since=Coalesce(Subquery(latest), "start_date"))
        .filter(assessed_since__lt=today - timedelta(days=interval))
        .values(*_pair_fields(members=True), "assessed_since")
    )
    for row in rows.iterator(chunk_size=5_000):
        since = row["assessed_since"]
        params = _pair_params(row) | {"mentee": row["mentee__person__full_name"], "since": since.isoformat()}
        url = link(row["id"], "growth")
        period = window_start(since, today, interval)
        for member in _pair_members(row):
            yield Due(Kind.ASSESSMENT_DUE, row["id"], period, member.user_id, member.language, url, params)


def reviews_due(today: date, hr: dict[int, list[Recipient]], link: PairingLinks) -> Iterator[Due]:
    """Active pairs past half their term without a midterm review, or past their planned end without a final
    one (as the supervision page counts them): HR, once per review."""
    midterm = Review.objects.filter(pairing=OuterRef("pk"), stage=ReviewStage.MIDTERM)
    final = Review.objects.filter(pairing=OuterRef("pk"), stage=ReviewStage.FINAL)
    for term_months in _in_use("term_months"):
        half_term = timedelta(days=half_term_days(term_months))
        rows = (
            _active_pairings()
            .filter(program__term_months=term_months, start_date__lte=today - half_term, program__in=list(hr))
            .filter(~Exists(midterm))
            .values(*_pair_fields(members=False), "start_date")
        )
        for row in rows.iterator(chunk_size=5_000):
            due = row["start_date"] + half_term
            params = _pair_params(row) | {"due": due.isoformat()}
            for staff in hr.get(row["program_id"], ()):
                yield Due(
                    Kind.MIDTERM_REVIEW_DUE,
                    row["id"],
                    due,
                    staff.user_id,
                    staff.language,
                    link(row["id"], "reviews"),
                    params,
                )
    rows = (
        _active_pairings()
        .filter(planned_end_date__lte=today, program__in=list(hr))
        .filter(~Exists(final))
        .values(*_pair_fields(members=False), "planned_end_date")
    )
    for row in rows.iterator(chunk_size=5_000):
        due = row["planned_end_date"]
        params = _pair_params(row) | {"due": due.isoformat()}
        for staff in hr.get(row["program_id"], ()):
            yield Due(
                Kind.FINAL_REVIEW_DUE,
                row["id"],
                due,
                staff.user_id,
                staff.language,
                link(row["id"], "reviews"),
                params,
            )


def proposals_due(today: date, now: datetime, hr: dict[int, list[Recipient]]) -> Iterator[Due]:
    """Proposals waiting more than 7 days for a decision: HR, one reminder per program, once a week."""
    days = settings.MENTORSHIP["PROPOSAL_WAIT_DAYS"]
    rows = (
        Pairing.objects.filter(status=PairingStatus.PROPOSED, created_at__lt=now - timedelta(days=days))
        .exclude(program__status=ProgramStatus.CLOSED)
        .order_by()
        .values("program_id", "program__name")
        .annotate(count=Count("id"), oldest=Min("created_at"))
    )
    week = week_of(today)
    for row in rows:
        program_id = row["program_id"]
        params = {
            "program": row["program__name"],
            "count": row["count"],
            "days": days,
            "oldest": timezone.localdate(row["oldest"]).isoformat(),
        }
        url = reverse("pairings:match-runs", args=[program_id])
        for staff in hr.get(program_id, ()):
            yield Due(Kind.PROPOSALS_WAITING, program_id, week, staff.user_id, staff.language, url, params)


def reminders_due(today: date, now: datetime | None = None) -> Iterator[Due]:
    """Every reminder due today, of every kind."""
    now = now or timezone.now()
    hr = program_hr_staff()
    link = PairingLinks()
    yield from silent_pairs_due(today, hr, link)
    yield from goals_due(today, link)
    yield from endings_due(today, hr, link)
    yield from assessments_due(today, link)
    yield from reviews_due(today, hr, link)
    yield from proposals_due(today, now, hr)


# --- Recording --------------------------------------------------------------------------------------------


class Texts:
    """Each kind's title and body translated once per language, then filled in per reminder."""

    def __init__(self, texts: dict = TEXTS) -> None:
        self.texts = texts
        self.cache: dict[str, dict[str, tuple[str, str]]] = {}

    def render(self, kind: str, language: str, params: dict) -> tuple[str, str]:
        templates = self.cache.get(language)
        if templates is None:
            with translation.override(language):
                templates = {key: (str(title), str(body)) for key, (title, body) in self.texts.items()}
            self.cache[language] = templates
        title, body = templates[kind]
        return (title % params)[:TITLE_LENGTH], body % params


COLUMNS = ("recipient_id", "kind", "key", "title", "body", "url", "created_at")


def _insert(rows: list[tuple]) -> None:
    """Insert notification rows (in ``COLUMNS`` order); a row whose key is taken is skipped.

    Keys go in ascending order within each transaction: concurrent scans wait for each other's keys
    instead of deadlocking, and the loser of each key skips it. On PostgreSQL one plain multi-row
    INSERT ... ON CONFLICT DO NOTHING per batch (model instances cost more than the database here).
    """
    rows.sort(key=lambda row: row[2])
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(
            [Notification(**dict(zip(COLUMNS, row, strict=True))) for row in rows], ignore_conflicts=True
        )
        return
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in COLUMNS)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(COLUMNS)) + ")"] * len(rows))
    sql = f"INSERT INTO {table} ({columns}) VALUES {placeholders} ON CONFLICT (key) DO NOTHING"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


def record(dues: Iterable[Due], *, now: datetime | None = None, texts: Texts | None = None) -> dict[str, int]:
    """Insert the reminders in batches, skipping every key already taken. Returns how many were due per kind."""
    now = now or timezone.now()
    texts = texts or Texts()
    due_per_kind: dict[str, int] = defaultdict(int)
    batch: list[tuple] = []
    for due in dues:
        due_per_kind[due.kind] += 1
        title, body = texts.render(due.kind, due.language, due.params)
        key = notification_key(due.kind, due.subject_id, due.period, due.recipient_id)
        batch.append((due.recipient_id, due.kind, key, title, body, due.url, now))
        if len(batch) >= INSERT_BATCH:
            _insert(batch)
            batch = []
    if batch:
        _insert(batch)
    return dict(due_per_kind)


def record_reminders(today: date | None = None) -> dict[str, dict[str, int]]:
    """The daily scan: record every reminder due today that was not recorded for its period before.

    Returns, per kind, how many reminders were due and how many of them are new.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    due_per_kind = record(reminders_due(today, now), now=now)
    new = dict(
        Notification.objects.filter(created_at=now, kind__in=REMINDER_KINDS)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    return {str(kind): {"due": count, "new": new.get(kind, 0)} for kind, count in sorted(due_per_kind.items())}


# --- Delivery ---------------------------------------------------------------------------------------------


def _email_address(notification: Notification) -> str:
    user = notification.recipient
    if user.email:
        return user.email
    person = getattr(user, "person", None)
    return person.email if person is not None else ""


def _has_no_address() -> Q:
    return Q(recipient__email="") & (Q(recipient__person__isnull=True) | Q(recipient__person__email=""))


def _message_id(notification: Notification) -> str:
    # The same Message-ID if a crash ever makes us send it again, so mail clients show it once.
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<notification-{notification.pk}@{host}>"


def email_for(notification: Notification, address: str, connection) -> mail.EmailMessage:
    """The e-mail of a notification, in its recipient's language, linking to what it is about."""
    link = f"{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else ""
    with translation.override(language_of(notification.recipient.language)):
        footer = gettext("Open it: %(link)s") % {"link": link} if link else ""
    body = "\n\n".join(part for part in (notification.body, footer) if part)
    return mail.EmailMessage(
        subject=notification.title,
        body=body,
        to=[address],
        headers={"Message-ID": _message_id(notification)},
        connection=connection,
    )


def deliver_notifications(*, limit: int | None = None) -> int:
    """E-mail every recorded notification not sent yet; returns how many e-mails went.

    Each row is locked (SKIP LOCKED) while its e-mail is sent and marked sent in the same transaction:
    a concurrent deliverer skips it, and a crash before the commit leaves it to be sent by the next run.
    Recipients without an address (or no longer active) have nothing to e-mail; their rows are marked at once.
    """
    now = timezone.now()
    unsent = Notification.objects.filter(sent_at__isnull=True)
    unsent.filter(_has_no_address() | Q(recipient__is_active=False)).update(sent_at=now)
    sent = 0
    last_id = 0
    connection = mail.get_connection()
    connection.open()  # a mail server that is down fails the run here; the task tries again later
    try:
        while limit is None or sent < limit:
            with transaction.atomic():
                notification = (
                    unsent.filter(pk__gt=last_id, delivery_attempts__lt=MAX_DELIVERY_ATTEMPTS)
                    .select_for_update(skip_locked=True, of=("self",))
                    .select_related("recipient__person")
                    .order_by("pk")
                    .first()
                )
                if notification is None:
                    break
                last_id = notification.pk
                address = _email_address(notification)
                try:
                    if address:
                        email_for(notification, address, connection).send()
                except Exception as exc:  # a bad address or a refusing server: try again on a later run
                    logger.warning("Notification %s could not be e-mailed", notification.pk, exc_info=True)
                    notification.delivery_attempts += 1
                    notification.delivery_error = str(exc) or exc.__class__.__name__
                    notification.save(update_fields=["delivery_attempts", "delivery_error"])
                    continue
                notification.sent_at = timezone.now()
                notification.delivery_attempts += 1
                notification.delivery_error = ""
                notification.save(update_fields=["sent_at", "delivery_attempts", "delivery_error"])
                sent += 1 if address else 0
    finally:
        connection.close()
    return sent


def send_reminders(today: date | None = None) -> dict:
    """The daily job: record what is due, then deliver everything recorded and not sent yet."""
    recorded = record_reminders(today)
    return {"recorded": recorded, "emailed": deliver_notifications()}
