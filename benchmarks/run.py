"""Run every benchmark of SPEC §11 and print one table: measured figure, bar, pass or fail.

    python benchmarks/run.py                 # build the province data if absent, then run everything
    python benchmarks/run.py --only matching  # a subset, by script name

The data lives in its own PostgreSQL database (``DATABASE_URL``, default ``mentorship_bench``),
built once with ``manage.py generate_demo --scale province`` (a few minutes) and reused.
Each script prints its own table and a ``BENCHMARK-RESULTS`` line that is collected here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATABASE_URL, MARKER, ROOT, Result, table  # noqa: E402

# (script, arguments): the order puts the cheap ones first.
SUITE = [
    ("api_list", []),
    ("dashboard", []),
    ("reminders", []),
    ("import_people", []),
    ("report_xlsx", []),
    ("matching", ["--scale", "city"]),
    ("matching", ["--scale", "30k"]),
    ("load", []),
]


def ensure_database(url: str) -> None:
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def analyse(url: str) -> None:
    """VACUUM ANALYZE after a bulk load, as autovacuum would soon do: fresh statistics and visibility maps."""
    import psycopg2

    parts = urlparse(url)
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=parts.path.lstrip("/"),
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="script names to run")
    parser.add_argument("--skip-build", action="store_true", help="do not build the province data")
    options = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    if not options.skip_build:
        ensure_database(os.environ["DATABASE_URL"])
        manage("migrate", "--noinput", "-v0")
        manage("generate_demo", "--scale", "province", "--no-admin")
        analyse(os.environ["DATABASE_URL"])

    results: list[Result] = []
    started = time.monotonic()
    for script, arguments in SUITE:
        if options.only and script not in options.only:
            continue
        path = ROOT / "benchmarks" / f"{script}.py"
        if not path.exists():
            results.append(Result(f"{script} (missing)", float("nan"), "", 0, note="script not found"))
            continue
        print(f"\n== {script} {' '.join(arguments)}", flush=True)
        process = subprocess.run(
            [sys.executable, str(path), *arguments], cwd=ROOT, capture_output=True, text=True, env=os.environ
        )
        sys.stdout.write(process.stdout)
        sys.stderr.write(process.stderr[-4000:])
        found = [line for line in process.stdout.splitlines() if line.startswith(MARKER)]
        if process.returncode != 0 and not found:
            results.append(Result(f"{script} {' '.join(arguments)}", float("nan"), "", 0, note="crashed"))
        for line in found:
            for row in json.loads(line[len(MARKER) :]):
                row.pop("passed", None)
                results.append(Result(**row))

    print(f"\n== Suite ({time.monotonic() - started:.0f} s)\n")
    print(table(results))
    return 0 if results and all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
