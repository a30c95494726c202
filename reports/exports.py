"""Files out: report sections as XLSX, CSV and PDF, and the people, enrolments and pairings lists.

Every text cell that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, or a tab or
carriage return before one) is neutralised with a leading apostrophe: a name typed as
``=HYPERLINK(...)`` stays text in Excel and WPS.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pairings.models import PairingStatus
from programs.models import Education, EnrolmentCategory, EnrolmentStatus, Gender, PersonCategory, Rank, Role

from .figures import Section

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_BOM = "\ufeff"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE_FONT = Font(bold=True, size=13)
PDF_FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Source Han Sans SC", sans-serif'


def neutralise(value):
    """A cell value safe to open in a spreadsheet: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def cell_text(value) -> str:
    """A value as CSV/PDF text, neutralised."""
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(neutralise(value)) if isinstance(value, str) else str(value)


def _xlsx_value(value):
    if value is None:
        return ""
    return neutralise(value) if isinstance(value, str) else value


def _header_cells(sheet, headers: list[str]) -> list[WriteOnlyCell]:
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(str(header)))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        cells.append(cell)
    return cells


def _date_cells(sheet, row: list) -> list:
    """Dates as real spreadsheet dates with a readable format; everything else as is."""
    out = []
    for value in row:
        if isinstance(value, date):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd"
            out.append(cell)
        else:
            out.append(_xlsx_value(value))
    return out


def _add_sheet(workbook: Workbook, title: str, headers: list[str], rows: Iterable[list], widths=None) -> None:
    sheet = workbook.create_sheet(title=_sheet_title(title, workbook))
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        width = (widths or {}).get(index) or max(12, min(40, len(str(header)) * 2 + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(_header_cells(sheet, headers))
    for row in rows:
        sheet.append(_date_cells(sheet, row))


def _sheet_title(title: str, workbook: Workbook) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)[:31] or "Sheet"
    taken = set(workbook.sheetnames)
    name, n = clean, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    return name


def write_report_xlsx(
    sections: list[Section],
    target: IO[bytes],
    *,
    detail: tuple[str, list[str], Iterable[list]] | None = None,
) -> None:
    """One sheet per section, header row formatted and frozen; an optional streamed detail sheet last."""
    workbook = Workbook(write_only=True)
    for section in sections:
        widths = {1: 36} if section.key in ("overview", "organizations", "cohort", "competency_growth") else None
        _add_sheet(workbook, section.title, section.headers, section.rows, widths)
    if detail is not None:
        title, headers, rows = detail
        _add_sheet(workbook, title, headers, rows)
    workbook.save(target)


def write_report_csv(sections: list[Section], target: IO[bytes], *, detail=None) -> None:
    """All sections in one UTF-8 file with a BOM (so Excel reads Chinese): a title line, headers, rows, a blank."""
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    try:
        text.write(CSV_BOM)
        writer = csv.writer(text)
        blocks = [(s.title, s.headers, s.rows) for s in sections] + ([detail] if detail else [])
        for title, headers, rows in blocks:
            writer.writerow([cell_text(title)])
            writer.writerow([cell_text(h) for h in headers])
            for row in rows:
                writer.writerow([cell_text(v) for v in row])
            writer.writerow([])
        text.flush()
    finally:
        text.detach()


def write_report_pdf(sections: list[Section], target: IO[bytes], *, title: str) -> None:
    """An A4 PDF of the sections, set in a CJK font so Chinese renders."""
    from weasyprint import HTML

    html = render_to_string(
        "reports/report_pdf.html",
        {
            "title": title,
            "font_family": PDF_FONT_FAMILY,
            "sections": [
                {"title": s.title, "headers": s.headers, "rows": [[cell_text(v) for v in row] for row in s.rows]}
                for s in sections
            ],
        },
    )
    HTML(string=html).write_pdf(target)


# --- Lists ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a list export and import: its field, its English and Chinese headers, how to read a row."""

    field: str
    header_en: str
    header_zh: str
    value: Callable[[object], object]

    def header(self, language: str) -> str:
        return self.header_zh if language.startswith("zh") else self.header_en


def _label(choices, value) -> str:
    return str(choices(value).label) if value else ""


PEOPLE_COLUMNS = [
    Column("id_number", "ID number", "身份证号", lambda p: p.id_number or ""),
    Column("full_name", "Full name", "姓名", lambda p: p.full_name),
    Column("gender", "Gender", "性别", lambda p: _label(Gender, p.gender)),
    Column("birth_date", "Birth date", "出生日期", lambda p: p.birth_date),
    Column("education", "Education", "学历", lambda p: _label(Education, p.education)),
    Column("organization", "Organization code", "单位代码", lambda p: p.organization.code),
    Column("position", "Position", "职务", lambda p: p.position),
    Column("rank", "Rank", "职级", lambda p: _label(Rank, p.rank)),
    Column("category", "Category", "人员类别", lambda p: _label(PersonCategory, p.category)),
    Column("work_start_date", "Work start date", "参加工作时间", lambda p: p.work_start_date),
    Column("email", "E-mail", "电子邮箱", lambda p: p.email),
    Column("phone", "Phone", "联系电话", lambda p: p.phone),
]

ENROLMENT_COLUMNS = [
    Column("id_number", "ID number", "身份证号", lambda e: e.person.id_number or ""),
    Column("full_name", "Full name", "姓名", lambda e: e.person.full_name),
    Column("role", "Role", "角色", lambda e: _label(Role, e.role)),
    Column("category", "Category", "类别", lambda e: _label(EnrolmentCategory, e.category)),
    Column("capacity", "Mentor capacity", "带徒人数上限", lambda e: e.capacity if e.capacity is not None else ""),
    Column("strengths", "Strengths", "导师专长", lambda e: ";".join(c.code for c in e.strengths.all())),
    Column("needs", "Needs", "培养需求", lambda e: ";".join(c.code for c in e.needs.all())),
    Column("status", "Status", "状态", lambda e: _label(EnrolmentStatus, e.status)),
    Column("enrolled_on", "Enrolled on", "报名日期", lambda e: e.enrolled_on),
    Column("program", "Program", "项目", lambda e: e.program.name),
]

PAIRING_COLUMNS = [
    Column("mentor_id_number", "Mentor ID number", "导师身份证号", lambda p: p.mentor.person.id_number or ""),
    Column("mentor_name", "Mentor", "导师", lambda p: p.mentor.person.full_name),
    Column("mentee_id_number", "Mentee ID number", "学员身份证号", lambda p: p.mentee.person.id_number or ""),
    Column("mentee_name", "Mentee", "学员", lambda p: p.mentee.person.full_name),
    Column("start_date", "Start date", "结对日期", lambda p: p.start_date),
    Column("pledge_signed_on", "Pledge signed on", "拜师帖签订日期", lambda p: p.pledge_signed_on),
    Column("status", "Status", "状态", lambda p: _label(PairingStatus, p.status)),
    Column("planned_end_date", "Planned end date", "计划结束日期", lambda p: p.planned_end_date),
    Column("end_date", "End date", "结束日期", lambda p: p.end_date),
    Column("last_activity_date", "Last activity date", "最近活动日期", lambda p: p.last_activity_date),
    Column("program", "Program", "项目", lambda p: p.program.name),
]

LISTS = {
    "people": PEOPLE_COLUMNS,
    "enrolments": ENROLMENT_COLUMNS,
    "pairings": PAIRING_COLUMNS,
}


def list_queryset(kind: str, queryset: QuerySet) -> QuerySet:
    """The list planned for export: related rows joined or prefetched, so rows cost no extra queries."""
    if kind == "people":
        return queryset.select_related("organization").order_by("full_name", "id")
    if kind == "enrolments":
        return (
            queryset.select_related("person", "program")
            .prefetch_related("strengths", "needs")
            .order_by("program_id", "role", "person__full_name", "id")
        )
    return queryset.select_related("program", "mentor__person", "mentee__person").order_by("program_id", "id")


def list_rows(kind: str, queryset: QuerySet, *, chunk_size: int = 2000) -> Iterator[list]:
    columns = LISTS[kind]
    planned = list_queryset(kind, queryset)
    for obj in planned.iterator(chunk_size=chunk_size):
        yield [column.value(obj) for column in columns]


def list_headers(kind: str, language: str) -> list[str]:
    return [column.header(language) for column in LISTS[kind]]


class _Echo:
    def write(self, value):
        return value


def stream_csv(headers: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """CSV as a stream of UTF-8 chunks, BOM first, for a StreamingHttpResponse."""
    writer = csv.writer(_Echo())
    yield (CSV_BOM + writer.writerow([cell_text(h) for h in headers])).encode("utf-8")
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow([cell_text(v) for v in row]))
        if len(buffer) >= 500:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode("utf-8")


def write_list_xlsx(title: str, headers: list[str], rows: Iterable[list], target: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    _add_sheet(workbook, title, headers, rows)
    workbook.save(target)


def list_title(kind: str) -> str:
    return {"people": _("People"), "enrolments": _("Enrolments"), "pairings": _("Pairings")}[kind]
