"""What every benchmark shares: Django set-up, timing by medians, and one way to report a figure against its bar.

A benchmark script measures, then calls ``report([...Result])``: it prints a table for people and one
``BENCHMARK-RESULTS {json}`` line that ``benchmarks/run.py`` collects into the suite's table.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mentorship_bench"
MARKER = "BENCHMARK-RESULTS"


def setup_django() -> None:
    """Configure Django on the benchmark database (PostgreSQL unless DATABASE_URL says otherwise)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    import django

    django.setup()


def province_root():
    """The province built by ``generate_demo --scale province``: the benchmarks' own fixtures (matching,
    import) add roots of their own beside it, which must not be taken for it."""
    from pairings.demo import ROOT_CODES
    from programs.models import Organization

    return Organization.objects.get(code=ROOT_CODES["province"])


def province_hr_user():
    """An HR user of the province's root organization: they see all of the province data."""
    from programs.models import User

    return User.objects.filter(organization=province_root(), is_active=True, is_superuser=False).order_by("pk").first()


@dataclass
class Result:
    name: str
    figure: float
    unit: str
    bar: float
    # "max": the figure must not exceed the bar; "min": it must reach it.
    direction: str = "max"
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.figure <= self.bar if self.direction == "max" else self.figure >= self.bar


def median_seconds(action: Callable[[], object], runs: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        action()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def paired_median_seconds(
    first: Callable[[], object], second: Callable[[], object], runs: int = 5, warmup: int = 1
) -> tuple[float, float]:
    """Medians of two actions timed turn about, so that both see the same machine: for a ratio on a noisy host."""
    for _ in range(warmup):
        first()
        second()
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for action, samples in zip((first, second), timings, strict=True):
            started = time.perf_counter()
            action()
            samples.append(time.perf_counter() - started)
    return statistics.median(timings[0]), statistics.median(timings[1])


def table(results: list[Result]) -> str:
    rows = [("benchmark", "measured", "bar", "result", "note")]
    for r in results:
        sign = "≤" if r.direction == "max" else "≥"
        rows.append(
            (r.name, f"{r.figure:,.3f} {r.unit}", f"{sign} {r.bar:,} {r.unit}", "pass" if r.passed else "FAIL", r.note)
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def report(results: list[Result]) -> None:
    print(table(results))
    print(MARKER, json.dumps([asdict(r) | {"passed": r.passed} for r in results], ensure_ascii=False))
    sys.stdout.flush()
