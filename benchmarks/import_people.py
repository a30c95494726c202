"""Import of 10,000 people from an XLSX file with Chinese headers, through the import run: upload, check
the whole file, confirm, write in one transaction. Then the same file with one bad last row, to show that
nothing is written. Cleans up after itself.

    python benchmarks/import_people.py [--people 10000]

Bar (SPEC §11): ≤ 30 s for upload + check + import, all or nothing.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Result, report, setup_django  # noqa: E402

HEADERS = [
    "身份证号",
    "姓名",
    "性别",
    "出生日期",
    "学历",
    "单位代码",
    "职务",
    "职级",
    "人员类别",
    "参加工作时间",
    "联系电话",
]


def workbook_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def people_rows(count: int, codes: list[str]) -> list[list]:
    rng = random.Random(2020)
    rows = []
    for n in range(count):
        birth = date(1970, 1, 1) + timedelta(days=rng.randrange(0, 365 * 32))
        rows.append(
            [
                f"BENCH{n:012d}",
                f"王{n}",
                rng.choice(["男", "女"]),
                birth,
                rng.choice(["大学本科", "硕士研究生", "本科", "大专", "硕士"]),
                rng.choice(codes),
                "科员",
                "一级主任科员" if n % 7 == 0 else "",
                rng.choice(["公务员", "选调生", "事业编制人员"]),
                birth + timedelta(days=365 * 22),
                f"138{n:08d}",
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    options = parser.parse_args()
    setup_django()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from programs.models import Organization, OrganizationKind, Person, User
    from programs.services import create_hr_user
    from reports.models import ImportRun
    from reports.services import confirm_import, start_import

    root = Organization.objects.add_root(
        create_kwargs={"name": "导入基准", "code": "BENCH-IMPORT", "kind": OrganizationKind.CITY}
    )
    codes = ["BENCH-IMPORT"]
    for i in range(20):
        codes.append(
            root.add_child(name=f"导入基准镇{i}", code=f"BENCH-IMPORT-{i}", kind=OrganizationKind.TOWNSHIP).code
        )
        root.refresh_from_db()
    user = create_hr_user(username="bench-import", organization=root, password=None, admin_access=False)
    rows = people_rows(options.people, codes)
    good = workbook_bytes(rows)
    bad = workbook_bytes(rows[:-1] + [[*rows[-1][:3], "1990-02-30", *rows[-1][4:]]])
    try:
        started = time.perf_counter()
        run = start_import(by=user, kind="people", upload=SimpleUploadedFile("people.xlsx", good))
        checked = time.perf_counter()
        assert run.status == "valid", (run.status, run.errors[:5], run.error)
        run = confirm_import(run, by=user)
        seconds = time.perf_counter() - started
        assert run.status == "succeeded", (run.status, run.errors[:5], run.error)
        written = Person.objects.filter(organization__path__startswith=root.path).count()
        assert written == options.people, written

        Person.history.filter(organization_id__in=Organization.objects.filter(path__startswith=root.path)).delete()
        Person.objects.filter(organization__path__startswith=root.path).delete()
        refused = start_import(by=user, kind="people", upload=SimpleUploadedFile("people.xlsx", bad))
        nothing = Person.objects.filter(organization__path__startswith=root.path).count()
        lines = [e["line"] for e in refused.errors]
    finally:
        for run in ImportRun.objects.filter(uploaded_by=user):
            run.file.delete(save=False)
            run.delete()
        Person.history.filter(organization_id__in=Organization.objects.filter(path__startswith=root.path)).delete()
        Person.objects.filter(organization__path__startswith=root.path).delete()
        User.objects.filter(pk=user.pk).delete()
        Organization.objects.filter(path__startswith=root.path).delete()
    report(
        [
            Result(
                f"Import of {options.people:,} people (upload, check, import)",
                seconds,
                "s",
                30,
                note=f"check {checked - started:.1f} s, write {seconds - (checked - started):.1f} s",
            ),
            Result(
                "Import with one bad row: people written",
                nothing,
                "people",
                0,
                note=f"status {refused.status}, bad line(s) {lines}",
            ),
        ]
    )


if __name__ == "__main__":
    main()
