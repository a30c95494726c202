"""An XLSX report over 100,000 pairings, end to end as a report run: figures in SQL, every pair streamed
into a write-only workbook, the file stored. Prints the wall time and the process's peak memory.

    python benchmarks/report_xlsx.py [--generate]

Bars (SPEC §11): ≤ 60 s and ≤ 500 MB peak (resident set of this whole process, Django included).
The province data (100,000 pairings, 1,000,000 activities) is built with bulk inserts by the demo
generator when it is absent (``--generate``, or always when the database holds fewer pairings).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Result, province_root, report, setup_django  # noqa: E402

PAIRINGS = 100_000


def peak_megabytes() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_province_data(force: bool) -> None:
    from django.utils import timezone

    from pairings.demo import generate
    from pairings.models import Pairing

    if force or Pairing.objects.count() < PAIRINGS:
        print("Building the province data with bulk inserts (a few minutes)…", flush=True)
        generate("province", seed=2020, today=timezone.localdate(), password="Mentor-2026", log=print)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generate", action="store_true", help="build the province data even if present")
    options = parser.parse_args()
    setup_django()
    from django.db.models import Max, Min

    from pairings.models import Activity, Pairing
    from reports.models import ReportFormat, ReportRun
    from reports.services import execute_report_run

    ensure_province_data(options.generate)
    root = province_root()
    pairs = Pairing.objects.filter(program__organization__path__startswith=root.path)
    start = pairs.aggregate(first=Min("start_date"))["first"]
    end = Activity.objects.filter(pairing__in=pairs).aggregate(last=Max("date"))["last"]
    run = ReportRun.objects.create(organization=root, period_start=start, period_end=end, format=ReportFormat.XLSX)
    baseline = peak_megabytes()
    started = time.perf_counter()
    try:
        execute_report_run(run.pk)
        seconds = time.perf_counter() - started
        run.refresh_from_db()
        assert run.status == "succeeded", run.error
        size = run.file.size
        peak = peak_megabytes()
    finally:
        if run.file:
            run.file.delete(save=False)
        run.delete()
    in_force = pairs.filter(start_date__lte=end).count()
    note = f"{in_force:,} pairs in force, {start}–{end}, file {size / 1e6:.1f} MB"
    report(
        [
            Result("XLSX report of 100,000 pairings: time", seconds, "s", 60, note=note),
            Result(
                "XLSX report of 100,000 pairings: peak memory",
                peak,
                "MB",
                500,
                note=f"process peak resident set; {baseline:.0f} MB before the run",
            ),
        ]
    )


if __name__ == "__main__":
    main()
