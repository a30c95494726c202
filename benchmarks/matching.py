"""A match run end to end — read from PostgreSQL, score, solve, write proposals — at city and 30k scale.

    python benchmarks/matching.py --scale city   # ≈3,000 mentees × 1,360 mentors, capacity 3; bar ≤ 10 s
    python benchmarks/matching.py --scale 30k    # 30,000 mentees × 12,000 mentors; bar ≤ 90 s

The program, its organization tree (city → districts → townships → villages), people, enrolments with
needs and strengths, some active pairings (kept by the run) and some rejected ones (banned pairs) are
generated once with bulk inserts and reused. The run is started through the service as HR starts it
(Celery eager in this process) and the figure is the wall time from start to the finished run; the
run's own phase timings are printed beside it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Result, report, setup_django  # noqa: E402

SCALES = {
    # mentees, mentors, districts, townships per district, villages per township, bar in seconds
    "city": (3_000, 1_360, 6, 8, 10, 10.0),
    "30k": (30_000, 12_000, 20, 12, 12, 90.0),
}


def build(scale: str):
    from django.db import connection, transaction

    from pairings.models import Pairing, PairingStatus
    from programs.models import (
        MENTEE_CATEGORIES,
        MENTOR_CATEGORIES,
        Competency,
        Education,
        Enrolment,
        Gender,
        Organization,
        OrganizationKind,
        Person,
        PersonCategory,
        Program,
        ProgramStatus,
        Role,
    )

    n_mentees, n_mentors, districts, townships, villages, _ = SCALES[scale]
    code = f"BENCH-MATCH-{scale}"
    program = Program.objects.filter(name=code).first()
    if program and program.enrolments.count() == n_mentees + n_mentors:
        return program
    print(f"building {scale} data…", flush=True)
    rng = random.Random(20201)
    started = time.perf_counter()
    with transaction.atomic():
        city = Organization.objects.filter(code=code).first() or Organization.objects.add_root(
            create_kwargs={"name": f"基准市 {scale}", "code": code, "kind": OrganizationKind.CITY}
        )
        if not Organization.objects.filter(path__startswith=city.path, depth=city.depth + 1).exists():
            rows = []
            level = [city]
            for count, kind, below in (
                (districts, OrganizationKind.DISTRICT, townships),
                (townships, OrganizationKind.TOWNSHIP, villages),
                (villages, OrganizationKind.VILLAGE, 0),
            ):
                children = [
                    Organization(
                        name=f"{parent.name}-{i}",
                        code=f"{parent.code}-{i}",
                        kind=kind,
                        depth=parent.depth + 1,
                        path=Organization._get_path(parent.path, parent.depth + 1, i + 1),
                        numchild=below,
                    )
                    for parent in level
                    for i in range(count)
                ]
                rows.extend(children)
                level = children
            Organization.objects.bulk_create(rows, batch_size=5_000)
            Organization.objects.filter(pk=city.pk).update(numchild=districts)
        places = list(Organization.objects.filter(path__startswith=city.path, depth__gt=city.depth + 1))
        program = Program.objects.create(
            name=code, organization=city, start_date=date(2024, 1, 1), status=ProgramStatus.ACTIVE, mentor_capacity=3
        )
        people = []
        for k in range(n_mentees + n_mentors):
            mentor = k < n_mentors
            birth = date(1965 if mentor else 1990, 1, 1) + timedelta(days=rng.randrange(3_650 if mentor else 3_000))
            people.append(
                Person(
                    full_name=f"基准{k}",
                    gender=rng.choice(Gender.values),
                    birth_date=birth,
                    education=rng.choice(Education.values),
                    organization=rng.choice(places),
                    category=rng.choice(PersonCategory.values),
                    work_start_date=birth + timedelta(days=22 * 365 + rng.randrange(1_500)),
                )
            )
        Person.objects.bulk_create(people, batch_size=5_000)
        enrolments = [
            Enrolment(
                program=program,
                person=person,
                role=Role.MENTOR if k < n_mentors else Role.MENTEE,
                category=rng.choice(MENTOR_CATEGORIES if k < n_mentors else MENTEE_CATEGORIES),
            )
            for k, person in enumerate(people)
        ]
        Enrolment.objects.bulk_create(enrolments, batch_size=5_000)
        competencies = list(Competency.objects.values_list("id", flat=True))
        Enrolment.strengths.through.objects.bulk_create(
            [
                Enrolment.strengths.through(enrolment_id=e.pk, competency_id=c)
                for e in enrolments[:n_mentors]
                for c in rng.sample(competencies, rng.randint(2, 4))
            ],
            batch_size=10_000,
        )
        Enrolment.needs.through.objects.bulk_create(
            [
                Enrolment.needs.through(enrolment_id=e.pk, competency_id=c)
                for e in enrolments[n_mentors:]
                for c in rng.sample(competencies, rng.randint(1, 3))
            ],
            batch_size=10_000,
        )
        mentors, mentees = enrolments[:n_mentors], enrolments[n_mentors:]
        active = [
            Pairing(
                program=program,
                mentor=mentors[i % n_mentors],
                mentee=mentees[i],
                status=PairingStatus.ACTIVE,
                start_date=date(2024, 3, 1),
                planned_end_date=date(2025, 3, 1),
            )
            for i in range(n_mentees // 20)
        ]
        rejected = [
            Pairing(program=program, mentor=rng.choice(mentors), mentee=mentee, status=PairingStatus.REJECTED)
            for mentee in rng.sample(mentees, n_mentees // 20)
        ]
        Pairing.objects.bulk_create(active + rejected, batch_size=5_000)
    # Fresh statistics and visibility maps after the bulk load, as autovacuum would soon give: the
    # benchmarks after this one (the load test's people list) count over these tables too.
    with connection.cursor() as cursor:
        for model in (Organization, Person, Enrolment, Pairing):
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
    return program


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=sorted(SCALES), default="city")
    parser.add_argument("--objective", choices=["participation", "score"], default="participation")
    options = parser.parse_args()
    setup_django()
    from pairings.matching.runs import start_match_run
    from pairings.models import Pairing, PairingStatus
    from programs.models import User

    def clear_proposals(program) -> None:
        """The run's proposals are the benchmark's by-product: gone before it, and after it, so that the
        benchmarks that follow see the province data only."""
        proposals = Pairing.objects.filter(program=program, status=PairingStatus.PROPOSED, match_run__isnull=False)
        proposals._raw_delete(Pairing.objects.db)

    program = build(options.scale)
    clear_proposals(program)
    hr = User.objects.filter(is_superuser=True).first()
    started = time.perf_counter()
    run = start_match_run(program, by=hr, objective=options.objective)
    run.refresh_from_db()
    wall = time.perf_counter() - started
    clear_proposals(program)
    if run.status != "succeeded":
        raise SystemExit(f"the run did not succeed: {run.status} {run.error}")
    print("phase timings (s):", ", ".join(f"{name} {seconds:.2f}" for name, seconds in run.timings.items()))
    stats = run.stats
    print(
        f"mentees considered {stats['mentees_considered']}, mentors {stats['mentors_considered']}, "
        f"candidate pairs {stats['candidate_pairs']}, matched {stats['matched']}, unmatched {stats['unmatched']} "
        f"{stats['unmatched_by_reason']}, total score {stats['total_score']}, mean {stats['mean_score']}"
    )
    bar = SCALES[options.scale][-1]
    phases = " ".join(f"{name}={seconds:.2f}" for name, seconds in run.timings.items() if name != "total")
    report([Result(f"match run end to end ({options.scale})", wall, "s", bar, note=phases)])


if __name__ == "__main__":
    main()
