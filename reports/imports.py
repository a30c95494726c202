"""Spreadsheets in: people, enrolments and pairings from CSV or XLSX, with Chinese or English headers.

A file is read whole and every row checked before anything is written; each problem is reported with
the row's line in the file (the header is line 1). Writing happens in the caller's transaction, so a
file goes in entirely or not at all. Natural keys make a second import of the same file change
nothing: organizations by code, people by ID number, enrolments by (program, person), pairings by
(program, mentor, mentee). Pairings are created through ``pairings.services``, under its rules.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from pairings import services as pairing_services
from pairings.models import Pairing, PairingStatus
from programs.models import (
    Competency,
    Education,
    Enrolment,
    EnrolmentCategory,
    EnrolmentStatus,
    Gender,
    Person,
    PersonCategory,
    Program,
    Rank,
    Role,
)
from programs.selectors import organizations_visible_to, people_visible_to

from .exports import ENROLMENT_COLUMNS, PAIRING_COLUMNS, PEOPLE_COLUMNS, Column

MAX_ROWS = 200_000
# Extra header spellings HR offices use, beyond the export's own headers.
HEADER_ALIASES = {
    "身份证号码": "id_number",
    "证件号码": "id_number",
    "公民身份号码": "id_number",
    "名字": "full_name",
    "单位编码": "organization",
    "单位": "organization",
    "工作单位代码": "organization",
    "类别": "category",
    "手机": "phone",
    "手机号码": "phone",
    "邮箱": "email",
    "参加工作日期": "work_start_date",
    "出生年月日": "birth_date",
    "导师证件号码": "mentor_id_number",
    "学员证件号码": "mentee_id_number",
    "徒弟身份证号": "mentee_id_number",
    "开始日期": "start_date",
}
CHOICE_ALIASES = {
    "本科": Education.BACHELOR,
    "大学": Education.BACHELOR,
    "硕士": Education.MASTER,
    "研究生": Education.MASTER,
    "硕士研究生": Education.MASTER,
    "博士研究生": Education.DOCTORATE,
    "博士": Education.DOCTORATE,
    "大专": Education.COLLEGE,
    "专科": Education.COLLEGE,
    "高中": Education.SECONDARY,
    "中专": Education.SECONDARY,
    "事业编制": PersonCategory.INSTITUTION_STAFF,
    "事业编制人员": PersonCategory.INSTITUTION_STAFF,
    "村干部": PersonCategory.VILLAGE_COMMITTEE,
    "学员": Role.MENTEE,
    "徒弟": Role.MENTEE,
    "师傅": Role.MENTOR,
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%d/%m/%Y")
LIST_SEPARATORS = re.compile(r"[;,，；、\s]+")


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX table this importer can read."""


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str | date | None]]]
    unknown_headers: list[str] = field(default_factory=list)
    # Each field's header as the file spells it, so errors name the column HR sees.
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    errors: list[dict] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    total_rows: int = 0

    def add(self, line: int, message: str, column: str = "") -> None:
        self.errors.append({"line": line, "column": column, "message": str(message)})


# --- Reading ----------------------------------------------------------------------------------------------


def _header_map(columns: list[Column]) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in columns:
        for spelling in (column.field, column.header_en, column.header_zh):
            names[_norm(spelling)] = column.field
    for spelling, target in HEADER_ALIASES.items():
        if target in {c.field for c in columns}:
            names.setdefault(_norm(spelling), target)
    return names


def _norm(text) -> str:
    return re.sub(r"[\s_*＊:：()（）]+", "", str(text or "")).lower()


def _cell(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # A cell saved from one of our exports may carry the apostrophe that kept it from being a formula.
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text or None


def _raw_rows(upload: IO[bytes], name: str) -> Iterator[tuple[int, list]]:
    suffix = Path(name or "").suffix.lower()
    data = upload.read()
    if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
        workbook.close()
        return
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(_("The file is neither UTF-8 nor GB18030 text."))
    if "\x00" in text:
        raise UnreadableFile(_("The file is not a CSV text file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc


def sample_rows(upload: IO[bytes], name: str, *, limit: int = 20) -> list[tuple[int, list[str]]]:
    """The first lines of a file as text, headers included, for the preview page."""
    sample = []
    try:
        for line, raw in _raw_rows(upload, name):
            values = ["" if v is None else (v.isoformat() if isinstance(v, date) else str(v)) for v in map(_cell, raw)]
            if any(values):
                sample.append((line, values))
            if len(sample) > limit:
                break
    except UnreadableFile:
        return []
    return sample


def read_table(upload: IO[bytes], name: str, columns: list[Column]) -> Table:
    """The rows of the first sheet (or the CSV) keyed by field, with each row's line in the file."""
    names = _header_map(columns)
    rows_iter = _raw_rows(upload, name)
    header_line = None
    for line, raw in rows_iter:
        if any(_cell(v) for v in raw):
            header_line = (line, raw)
            break
    if header_line is None:
        raise UnreadableFile(_("The file is empty."))
    fields: list[str | None] = []
    unknown = []
    headers: dict[str, str] = {}
    for value in header_line[1]:
        text = _cell(value)
        target = names.get(_norm(text)) if text else None
        if text and target is None:
            unknown.append(str(text))
        if target:
            headers.setdefault(target, str(text))
        fields.append(target)
    table = Table(columns=[f for f in fields if f], rows=[], unknown_headers=unknown, headers=headers)
    for line, raw in rows_iter:
        values = [_cell(v) for v in raw]
        if not any(values):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise UnreadableFile(_("A file may hold at most %(n)s rows.") % {"n": MAX_ROWS})
        table.rows.append((line, {f: values[i] if i < len(values) else None for i, f in enumerate(fields) if f}))
    return table


# --- Parsing values ---------------------------------------------------------------------------------------


def _choice_map(choices) -> dict[str, str]:
    mapping = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for code, label in choices.choices:
                mapping[_norm(code)] = code
                mapping[_norm(str(label))] = code
    for alias, code in CHOICE_ALIASES.items():
        if code in choices.values:
            mapping.setdefault(_norm(alias), code)
    return mapping


def parse_date(value) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": text})


class RowReader:
    """Reads one row's fields into Python values, noting every problem against the row's line."""

    def __init__(self, outcome: Outcome, line: int, row: dict, table: Table):
        self.outcome, self.line, self.row = outcome, line, row
        self.headers = table.headers
        self.ok = True

    def error(self, name: str, message: str) -> None:
        self.ok = False
        self.outcome.add(self.line, message, self.headers.get(name, name))

    def text(self, name: str, *, required: bool = False, max_length: int = 200) -> str:
        value = self.row.get(name)
        text = "" if value is None else (value.isoformat() if isinstance(value, date) else str(value))
        if required and not text:
            self.error(name, _("This column is required."))
        elif len(text) > max_length:
            self.error(name, _("At most %(n)s characters.") % {"n": max_length})
        return text

    def choice(self, name: str, choices, mapping: dict, *, required: bool = False, default: str = "") -> str:
        text = self.text(name, required=required)
        if not text:
            return default
        code = mapping.get(_norm(text))
        if code is None:
            labels = "、".join(str(label) for label in choices.labels)
            self.error(name, _("“%(value)s” is not one of: %(labels)s.") % {"value": text, "labels": labels})
            return default
        return code

    def date(self, name: str, *, required: bool = False) -> date | None:
        value = self.row.get(name)
        if value in (None, ""):
            if required:
                self.error(name, _("This column is required."))
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            self.error(name, str(exc))
            return None

    def integer(self, name: str, *, low: int, high: int) -> int | None:
        text = self.text(name)
        if not text:
            return None
        if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
            self.error(name, _("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high})
            return None
        return int(text)


def _check_columns(table: Table, required: tuple[str, ...], columns: list[Column], outcome: Outcome) -> bool:
    headers = {c.field: c.header(translation.get_language() or "zh-hans") for c in columns}
    missing = [headers[name] for name in required if name not in table.columns]
    for name in missing:
        outcome.add(1, _("The column “%(column)s” is missing.") % {"column": name}, name)
    if not table.rows:
        outcome.add(1, _("The file has no data rows."))
    return not missing and bool(table.rows)


def _duplicate_keys(table_rows, key, outcome: Outcome, message: str) -> set[int]:
    seen: dict = {}
    bad = set()
    for line, row in table_rows:
        k = key(row)
        if not (all(k) if isinstance(k, tuple) else k):
            continue
        if k in seen:
            outcome.add(line, message % {"line": seen[k]})
            bad.add(line)
        else:
            seen[k] = line
    return bad


# --- People -----------------------------------------------------------------------------------------------

PERSON_FIELDS = (
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
)


@dataclass
class PeoplePlan:
    create: list[Person] = field(default_factory=list)
    update: list[Person] = field(default_factory=list)
    unchanged: int = 0


def plan_people(table: Table, *, user) -> tuple[Outcome, PeoplePlan]:
    """Check every row; people are matched by ID number, organizations by code within the user's subtree."""
    outcome, plan = Outcome(), PeoplePlan()
    required = (
        "id_number",
        "full_name",
        "gender",
        "birth_date",
        "education",
        "organization",
        "category",
        "work_start_date",
    )
    if not _check_columns(table, required, PEOPLE_COLUMNS, outcome):
        return outcome, plan
    codes = {str(row.get("organization")) for _line, row in table.rows if row.get("organization")}
    organizations = {o.code: o for o in organizations_visible_to(user).filter(code__in=codes)}
    ids = {str(row.get("id_number")).upper() for _line, row in table.rows if row.get("id_number")}
    existing = {p.id_number.upper(): p for p in Person.objects.filter(id_number__in=ids)}
    visible = set(people_visible_to(user).filter(id_number__in=ids).values_list("id_number", flat=True))
    visible = {i.upper() for i in visible}
    duplicates = _duplicate_keys(
        table.rows,
        lambda row: str(row.get("id_number") or "").upper(),
        outcome,
        _("The same ID number is already on line %(line)s."),
    )
    genders, educations, ranks, categories = (
        _choice_map(Gender),
        _choice_map(Education),
        _choice_map(Rank),
        _choice_map(PersonCategory),
    )
    today = timezone.localdate()
    for line, row in table.rows:
        r = RowReader(outcome, line, row, table)
        id_number = r.text("id_number", required=True, max_length=32).upper()
        values = {
            "full_name": r.text("full_name", required=True, max_length=100),
            "gender": r.choice("gender", Gender, genders, required=True),
            "birth_date": r.date("birth_date", required=True),
            "education": r.choice("education", Education, educations, required=True),
            "position": r.text("position", max_length=200),
            "rank": r.choice("rank", Rank, ranks, default=Rank.NONE),
            "category": r.choice("category", PersonCategory, categories, required=True),
            "work_start_date": r.date("work_start_date", required=True),
            "email": r.text("email", max_length=254),
            "phone": r.text("phone", max_length=32),
        }
        code = r.text("organization", required=True, max_length=64)
        organization = organizations.get(code)
        if code and organization is None:
            r.error(
                "organization", _("No organization with the code “%(code)s” in your organization.") % {"code": code}
            )
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                r.error("email", _("Not a valid e-mail address."))
        birth, work = values["birth_date"], values["work_start_date"]
        if birth and birth > today:
            r.error("birth_date", _("Birth date cannot be in the future."))
        if birth and work and work <= birth:
            r.error("work_start_date", _("Work start date must be after the birth date."))
        person = existing.get(id_number)
        if person is not None and id_number not in visible:
            r.error("id_number", _("A person with this ID number belongs to an organization outside yours."))
        if not r.ok or line in duplicates:
            continue
        values["organization"] = organization
        # An existing person keeps what the file has no column for.
        given = {name: value for name, value in values.items() if name in table.columns}
        if person is None:
            plan.create.append(Person(id_number=id_number, **values))
        elif any(getattr(person, name) != value for name, value in given.items()):
            for name, value in given.items():
                setattr(person, name, value)
            plan.update.append(person)
        else:
            plan.unchanged += 1
    return outcome, plan


def write_people(plan: PeoplePlan, *, by) -> Outcome:
    user = by if getattr(by, "is_authenticated", False) else None
    bulk_create_with_history(plan.create, Person, batch_size=1000, default_user=user)
    if plan.update:
        bulk_update_with_history(plan.update, Person, list(PERSON_FIELDS), batch_size=1000, default_user=user)
    return Outcome(created=len(plan.create), updated=len(plan.update), unchanged=plan.unchanged)


# --- Enrolments -------------------------------------------------------------------------------------------


def _competency_map() -> dict[str, Competency]:
    mapping = {}
    for competency in Competency.objects.all():
        for spelling in (competency.code, competency.name_zh, competency.name_en):
            mapping[_norm(spelling)] = competency
    return mapping


def _competencies(r: RowReader, name: str, mapping: dict) -> list[Competency] | None:
    text = r.text(name, max_length=1000)
    if not text:
        return []
    found, unknown = [], []
    for part in LIST_SEPARATORS.split(text):
        if not part:
            continue
        competency = mapping.get(_norm(part))
        (found if competency else unknown).append(competency or part)
    if unknown:
        r.error(name, _("Unknown abilities: %(names)s.") % {"names": "、".join(unknown)})
        return None
    return list(dict.fromkeys(found))


@dataclass
class EnrolmentRow:
    line: int
    person: Person
    enrolment: Enrolment | None
    values: dict
    strengths: list[Competency]
    needs: list[Competency]


def plan_enrolments(table: Table, *, user, program: Program) -> tuple[Outcome, list[EnrolmentRow]]:
    """Check every row; a person (by ID number) is enrolled once per program, in one role."""
    outcome, plan = Outcome(), []
    if not _check_columns(table, ("id_number", "role"), ENROLMENT_COLUMNS, outcome):
        return outcome, plan
    ids = {str(row.get("id_number")).upper() for _line, row in table.rows if row.get("id_number")}
    people = {p.id_number.upper(): p for p in people_visible_to(user).filter(id_number__in=ids)}
    enrolled = {
        e.person_id: e
        for e in Enrolment.objects.filter(program=program, person__in=people.values()).prefetch_related(
            "strengths", "needs"
        )
    }
    duplicates = _duplicate_keys(
        table.rows,
        lambda row: str(row.get("id_number") or "").upper(),
        outcome,
        _("The same person is already on line %(line)s."),
    )
    roles, categories, statuses = _choice_map(Role), _choice_map(EnrolmentCategory), _choice_map(EnrolmentStatus)
    competencies = _competency_map()
    for line, row in table.rows:
        r = RowReader(outcome, line, row, table)
        id_number = r.text("id_number", required=True, max_length=32).upper()
        person = people.get(id_number)
        if id_number and person is None:
            r.error("id_number", _("No person with this ID number in your organization."))
        role = r.choice("role", Role, roles, required=True)
        values = {
            "role": role,
            "category": r.choice("category", EnrolmentCategory, categories, default=EnrolmentCategory.OTHER),
            "capacity": r.integer("capacity", low=1, high=50),
            "status": r.choice("status", EnrolmentStatus, statuses, default=EnrolmentStatus.ACTIVE),
        }
        enrolled_on = r.date("enrolled_on")
        if enrolled_on:
            values["enrolled_on"] = enrolled_on
        if values["capacity"] is not None and role == Role.MENTEE:
            r.error("capacity", _("Only mentors have a capacity."))
        strengths = _competencies(r, "strengths", competencies)
        needs = _competencies(r, "needs", competencies)
        enrolment = enrolled.get(person.pk) if person else None
        if enrolment is not None and role and enrolment.role != role:
            r.error(
                "role",
                _("%(name)s is already enrolled in this program as %(role)s.")
                % {"name": person.full_name, "role": enrolment.get_role_display()},
            )
        if r.ok and line not in duplicates:
            if enrolment is not None:
                # An existing enrolment keeps what the file has no column for.
                values = {name: value for name, value in values.items() if name in table.columns}
                strengths = strengths if "strengths" in table.columns else list(enrolment.strengths.all())
                needs = needs if "needs" in table.columns else list(enrolment.needs.all())
            plan.append(EnrolmentRow(line, person, enrolment, values, strengths, needs))
    return outcome, plan


def write_enrolments(plan: list[EnrolmentRow], *, program: Program, by) -> Outcome:
    outcome = Outcome()
    for item in plan:
        enrolment = item.enrolment
        if enrolment is None:
            enrolment = Enrolment(program=program, person=item.person, **item.values)
            outcome.created += 1
        else:
            same = (
                all(getattr(enrolment, k) == v for k, v in item.values.items())
                and {c.pk for c in enrolment.strengths.all()} == {c.pk for c in item.strengths}
                and {c.pk for c in enrolment.needs.all()} == {c.pk for c in item.needs}
            )
            if same:
                outcome.unchanged += 1
                continue
            for name, value in item.values.items():
                setattr(enrolment, name, value)
            outcome.updated += 1
        if getattr(by, "is_authenticated", False):
            enrolment._history_user = by
        enrolment.save()
        enrolment.strengths.set(item.strengths)
        enrolment.needs.set(item.needs)
    return outcome


# --- Pairings ---------------------------------------------------------------------------------------------


@dataclass
class PairingRow:
    line: int
    mentor: Enrolment
    mentee: Enrolment
    start_date: date | None
    pledge_signed_on: date | None
    existing: Pairing | None


def plan_pairings(table: Table, *, user, program: Program) -> tuple[Outcome, list[PairingRow]]:
    """Check every row's people and enrolments; the pairing rules themselves are the service's (see below)."""
    outcome, plan = Outcome(), []
    if not _check_columns(table, ("mentor_id_number", "mentee_id_number"), PAIRING_COLUMNS, outcome):
        return outcome, plan
    ids = {
        str(row.get(key)).upper()
        for _line, row in table.rows
        for key in ("mentor_id_number", "mentee_id_number")
        if row.get(key)
    }
    enrolments = {
        e.person.id_number.upper(): e
        for e in Enrolment.objects.filter(program=program, person__id_number__in=ids)
        .filter(person__in=people_visible_to(user))
        .select_related("person", "program")
    }
    existing = {
        (p.mentor_id, p.mentee_id): p
        for p in Pairing.objects.filter(program=program, mentor__in=enrolments.values())
        .exclude(status=PairingStatus.REJECTED)
        .order_by("created_at")
    }
    duplicates = _duplicate_keys(
        table.rows,
        lambda row: (str(row.get("mentor_id_number") or "").upper(), str(row.get("mentee_id_number") or "").upper()),
        outcome,
        _("The same pair is already on line %(line)s."),
    )
    today = timezone.localdate()
    for line, row in table.rows:
        r = RowReader(outcome, line, row, table)
        found = {}
        for key, role in (("mentor_id_number", Role.MENTOR), ("mentee_id_number", Role.MENTEE)):
            id_number = r.text(key, required=True, max_length=32).upper()
            enrolment = enrolments.get(id_number)
            if id_number and enrolment is None:
                r.error(key, _("Nobody with this ID number is enrolled in this program."))
            elif enrolment is not None and enrolment.role != role:
                r.error(
                    key,
                    _("%(name)s is enrolled as %(role)s.")
                    % {"name": enrolment.person.full_name, "role": enrolment.get_role_display()},
                )
            found[role] = enrolment
        start = r.date("start_date")
        pledge = r.date("pledge_signed_on")
        if start and start > today:
            r.error("start_date", _("The start date cannot be in the future."))
        if r.ok and line not in duplicates:
            mentor, mentee = found[Role.MENTOR], found[Role.MENTEE]
            plan.append(PairingRow(line, mentor, mentee, start, pledge, existing.get((mentor.pk, mentee.pk))))
    return outcome, plan


def write_pairings(plan: list[PairingRow], *, by) -> Outcome:
    """Pair each row through the pairing service; a row a rule refuses is reported with its line.

    Each row runs in a savepoint so every refusal in the file is found in one pass; the caller rolls
    the whole file back when any row was refused.
    """
    outcome = Outcome()
    for item in plan:
        try:
            with transaction.atomic():
                if item.existing is None:
                    pairing = pairing_services.pair_directly(
                        mentor=item.mentor, mentee=item.mentee, by=by, start_date=item.start_date
                    )
                    outcome.created += 1
                elif item.existing.status == PairingStatus.PROPOSED:
                    pairing = pairing_services.activate_pairing(item.existing, by=by, start_date=item.start_date)
                    outcome.updated += 1
                else:
                    outcome.unchanged += 1
                    continue
                if item.pledge_signed_on:
                    Pairing.objects.filter(pk=pairing.pk).update(pledge_signed_on=item.pledge_signed_on)
        except ValidationError as exc:
            for message in exc.messages:
                outcome.add(item.line, message)
    return outcome


COLUMNS = {"people": PEOPLE_COLUMNS, "enrolments": ENROLMENT_COLUMNS, "pairings": PAIRING_COLUMNS}


class _DryRun(Exception):
    pass


def run_import(kind: str, upload: IO[bytes], name: str, *, user, program: Program | None, commit: bool) -> Outcome:
    """Check a whole file and, when ``commit`` and nothing is wrong, write it; all in one transaction.

    Without ``commit`` the pairing rows still go through the pairing service (capacity, one active
    pairing per mentee...) inside a transaction that is then rolled back, so the preview shows exactly
    the refusals a confirmation would meet.
    """
    try:
        table = read_table(upload, name, COLUMNS[kind])
    except UnreadableFile as exc:
        result = Outcome()
        result.add(1, str(exc))
        return result
    result = Outcome()
    try:
        with transaction.atomic():
            if kind == "people":
                result, plan = plan_people(table, user=user)
                if not result.errors and commit:
                    result = write_people(plan, by=user)
                elif not result.errors:
                    result.created, result.updated, result.unchanged = (
                        len(plan.create),
                        len(plan.update),
                        plan.unchanged,
                    )
            elif kind == "enrolments":
                result, plan = plan_enrolments(table, user=user, program=program)
                if not result.errors:
                    result = write_enrolments(plan, program=program, by=user)
            else:
                result, plan = plan_pairings(table, user=user, program=program)
                if not result.errors:
                    result = write_pairings(plan, by=user)
            if result.errors or not commit:
                raise _DryRun
    except _DryRun:
        pass
    result.errors.sort(key=lambda e: e["line"])
    result.total_rows = len(table.rows)
    return result
