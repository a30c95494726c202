"""Match runs as HR starts them: proposals with scores and explanations, fixed pairs kept, rules obeyed."""

from datetime import date

import pytest
from django.utils import translation

from pairings.matching import runs, solver
from pairings.matching.runs import (
    accept_proposals,
    competency_names,
    execute_match_run,
    reject_proposals,
    start_match_run,
)
from pairings.matching.scoring import describe
from pairings.models import JobStatus, Pairing, PairingStatus
from pairings.services import activate_pairing
from pairings.tasks import run_match
from pairings.tests.factories import ActivePairingFactory, PairingFactory, program_with_people
from programs.models import Competency, EnrolmentCategory, OrganizationKind, PreviousPairPolicy
from programs.tests.factories import (
    EnrolmentFactory,
    MentorEnrolmentFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(django_capture_on_commit_callbacks):
    """Start a run as the page and the API do, and let it run once the transaction commits."""

    def start(program, *, by, **options):
        with django_capture_on_commit_callbacks(execute=True):
            run = start_match_run(program, by=by, **options)
        run.refresh_from_db()
        return run

    return start


def mentor(program, organization=None, **kwargs):
    person = PersonFactory(
        organization=organization or program.organization, birth_date=date(1970, 1, 1), work_start_date=date(1992, 7, 1)
    )
    return MentorEnrolmentFactory(program=program, person=person, **kwargs)


def mentee(program, organization=None, **kwargs):
    return EnrolmentFactory(
        program=program, person=PersonFactory(organization=organization or program.organization), **kwargs
    )


def paired_in_an_earlier_program(mentor, mentee):
    earlier = ProgramFactory(organization=mentor.program.organization)
    ActivePairingFactory(
        program=earlier,
        status=PairingStatus.COMPLETED,
        mentor=MentorEnrolmentFactory(program=earlier, person=mentor.person),
        mentee=EnrolmentFactory(program=earlier, person=mentee.person),
    )


def proposals(run):
    return {(p.mentor_id, p.mentee_id) for p in run.proposals.filter(status=PairingStatus.PROPOSED)}


def test_a_run_proposes_the_best_mentor_for_each_mentee_and_explains_why(match, hr_user, organization):
    township = OrganizationFactory(parent=organization, kind=OrganizationKind.TOWNSHIP)
    village = OrganizationFactory(parent=township, kind=OrganizationKind.VILLAGE)
    elsewhere = OrganizationFactory(parent=organization, kind=OrganizationKind.TOWNSHIP)
    program = ProgramFactory(organization=organization, mentor_capacity=1)
    near = mentor(program, village, category=EnrolmentCategory.OLD_VILLAGE_SECRETARY)
    far = mentor(program, elsewhere, category=EnrolmentCategory.BUSINESS_BACKBONE)
    leader = mentee(program, village, category=EnrolmentCategory.NEW_VILLAGE_LEADER)
    entrant = mentee(program, elsewhere, category=EnrolmentCategory.NEW_ENTRANT)

    run = match(program, by=hr_user)

    assert run.status == JobStatus.SUCCEEDED
    assert proposals(run) == {(near.pk, leader.pk), (far.pk, entrant.pk)}
    assert run.stats["matched"] == 2 and run.stats["unmatched"] == 0 and run.stats["mentees_considered"] == 2
    assert set(run.timings) == {"read", "score", "solve", "write", "total"}
    best = run.proposals.get(mentee=leader)
    criteria = [row["criterion"] for row in best.match_explanation]
    assert criteria == ["proximity", "fit", "seniority", "category"]
    assert best.match_explanation[0]["detail"] == "same_unit"
    assert best.match_score == pytest.approx(sum(row["contribution"] for row in best.match_explanation), abs=1e-3)


def test_active_and_pinned_pairs_are_kept_and_use_up_capacity(match, hr_user, organization):
    program = ProgramFactory(organization=organization, mentor_capacity=2)
    busy = mentor(program)
    free = mentor(program, capacity=1)
    ActivePairingFactory(program=program, mentor=busy, mentee=mentee(program))
    pinned = PairingFactory(program=program, mentor=busy, mentee=mentee(program), is_pinned=True)
    waiting = [mentee(program) for _ in range(3)]

    run = match(program, by=hr_user)

    assert run.stats["kept_fixed"] == 2
    assert run.stats["mentees_considered"] == 3
    assert run.stats["matched"] == 1
    assert run.stats["unmatched_by_reason"] == {"capacity": 2}
    assert {p.mentor_id for p in run.proposals.all()} == {free.pk}
    assert Pairing.objects.get(pk=pinned.pk).status == PairingStatus.PROPOSED
    assert len(waiting) == 3


def test_banned_pairs_and_people_paired_before_are_not_proposed_when_the_program_excludes_them(
    match, hr_user, organization
):
    program = ProgramFactory(organization=organization, previous_pair_policy=PreviousPairPolicy.EXCLUDE)
    first, second = mentor(program), mentor(program)
    banned_mentee, former_mentee = mentee(program), mentee(program)
    PairingFactory(program=program, mentor=first, mentee=banned_mentee, status=PairingStatus.REJECTED)
    paired_in_an_earlier_program(second, former_mentee)

    run = match(program, by=hr_user)

    assert proposals(run) == {(second.pk, banned_mentee.pk), (first.pk, former_mentee.pk)}


def test_people_paired_before_are_penalised_when_the_program_says_so(match, hr_user, organization):
    program = ProgramFactory(organization=organization, previous_pair_policy=PreviousPairPolicy.PENALISE)
    old = mentor(program)
    again = mentee(program)
    paired_in_an_earlier_program(old, again)

    run = match(program, by=hr_user)

    proposal = run.proposals.get()
    assert proposal.match_explanation[-1]["criterion"] == "previous"
    assert proposal.match_score == pytest.approx(
        sum(row.get("contribution", 0) for row in proposal.match_explanation), abs=1e-3
    )


def test_a_program_that_requires_one_district_never_pairs_across_districts(match, hr_user, organization):
    city = OrganizationFactory(kind=OrganizationKind.CITY)
    east = OrganizationFactory(parent=city, kind=OrganizationKind.DISTRICT)
    west = OrganizationFactory(parent=city, kind=OrganizationKind.DISTRICT)
    program = ProgramFactory(organization=city, require_same_district=True, mentor_capacity=5)
    east_mentor = mentor(program, OrganizationFactory(parent=east, kind=OrganizationKind.TOWNSHIP))
    east_mentee = mentee(program, east)
    west_mentee = mentee(program, west)
    hr_user.organization = city
    hr_user.save()

    run = match(program, by=hr_user)

    assert proposals(run) == {(east_mentor.pk, east_mentee.pk)}
    assert run.stats["unmatched_mentees"] == [{"enrolment": west_mentee.pk, "reason": "no_allowed_mentor"}]


def test_the_highest_total_score_objective_leaves_pairs_below_the_minimum_unmatched(match, hr_user, organization):
    program = ProgramFactory(organization=organization, min_match_score=0.99)
    mentor(program)
    mentee(program)

    run = match(program, by=hr_user, objective="score")

    assert run.stats["matched"] == 0
    assert run.stats["unmatched_by_reason"] == {"below_minimum_score": 1}


def test_a_second_run_replaces_the_first_runs_open_proposals(match, hr_user, organization):
    program = ProgramFactory(organization=organization)
    mentor(program)
    mentee(program)
    first = match(program, by=hr_user)
    second = match(program, by=hr_user)

    assert first.proposals.count() == 0
    assert second.proposals.count() == 1


def test_executing_a_finished_run_again_changes_nothing(match, hr_user, organization):
    program = ProgramFactory(organization=organization)
    mentor(program)
    mentee(program)
    run = match(program, by=hr_user)
    proposal = run.proposals.get()

    again = execute_match_run(run.pk)

    assert again.finished_at == run.finished_at
    assert list(again.proposals.values_list("pk", flat=True)) == [proposal.pk]


def test_accepting_after_a_mentor_filled_up_never_overfills_and_says_what_was_left(match, hr_user, organization):
    program = ProgramFactory(organization=organization, mentor_capacity=2)
    only = mentor(program)
    waiting = [mentee(program), mentee(program)]
    run = match(program, by=hr_user)
    assert run.stats["matched"] == 2
    # Meanwhile HR pairs someone by hand with the same mentor.
    activate_pairing(PairingFactory(program=program, mentor=only, mentee=mentee(program)), by=hr_user)

    with translation.override("en"):
        result = accept_proposals(run, "all", by=hr_user)

    assert len(result.done) == 1
    assert [row["pairing"] for row in result.failed] == list(
        run.proposals.filter(status=PairingStatus.PROPOSED).values_list("pk", flat=True)
    )
    assert "the most allowed" in result.failed[0]["reason"]
    assert Pairing.objects.filter(mentor=only, status=PairingStatus.ACTIVE).count() == 2
    assert len(waiting) == 2


def test_rejected_proposals_become_banned_pairs_for_the_next_run(match, hr_user, organization):
    program = ProgramFactory(organization=organization)
    first = mentor(program)
    someone = mentee(program)
    run = match(program, by=hr_user)
    proposal = run.proposals.get()

    result = reject_proposals(run, [proposal.pk, 999999], by=hr_user)

    assert result.done == [proposal.pk]
    assert result.failed[0]["pairing"] == 999999
    second = match(program, by=hr_user)
    assert second.stats["unmatched_mentees"] == [{"enrolment": someone.pk, "reason": "no_allowed_mentor"}]
    assert first.pk


def test_a_run_whose_solver_fails_is_marked_failed_with_a_reason(match, hr_user, organization, monkeypatch):
    program = ProgramFactory(organization=organization)
    mentor(program)
    mentee(program)

    def broken(*args, **kwargs):
        raise solver.SolverError("status 3")

    monkeypatch.setattr(solver, "solve", broken)
    with translation.override("en"):
        run = match(program, by=hr_user)

    assert run.status == JobStatus.FAILED
    assert run.error == "The solver could not find an assignment."
    assert run.proposals.count() == 0
    assert match(program, by=hr_user).status == JobStatus.FAILED  # a failed run does not block the next one


def test_a_large_run_goes_through_the_celery_task_and_the_task_never_repeats_a_finished_run(
    match, hr_user, organization, monkeypatch
):
    monkeypatch.setattr(runs, "INLINE_CELLS", 0)
    program = ProgramFactory(organization=organization)
    mentor(program)
    mentee(program)

    run = match(program, by=hr_user)
    finished = run.finished_at
    run_match.delay(run.pk)

    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED
    assert run.finished_at == finished


def test_a_run_that_cannot_be_queued_waits_in_the_outbox_and_runs_when_the_broker_is_back(
    match, hr_user, organization, monkeypatch
):
    from datetime import timedelta

    from mentorship.celery import app
    from reports import outbox
    from reports.models import OutboxMessage

    monkeypatch.setattr(runs, "INLINE_CELLS", 0)
    program = ProgramFactory(organization=organization)
    mentor(program)
    mentee(program)

    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    with monkeypatch.context() as broker:
        broker.setitem(app.conf, "task_always_eager", False)
        broker.setattr(run_match._get_current_object(), "apply_async", broker_down)
        run = match(program, by=hr_user)

    assert run.status == JobStatus.PENDING
    waiting = OutboxMessage.objects.get()
    assert (waiting.task, waiting.args, waiting.published_at) == ("pairings.tasks.run_match", [run.pk], None)
    assert "redis is down" in waiting.last_error

    assert outbox.publish_pending(grace=timedelta(0)) == 1
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED
    assert OutboxMessage.objects.get().published_at is not None


def test_reading_a_program_for_a_run_takes_the_same_queries_whatever_its_size(organization, django_assert_num_queries):
    small = program_with_people(organization, mentors=1, mentees=1)
    large = program_with_people(organization, mentors=6, mentees=20)
    for enrolment in large.enrolments.all():
        (enrolment.strengths if enrolment.role == "mentor" else enrolment.needs).set(Competency.objects.all()[:3])
    paired_in_an_earlier_program(
        large.enrolments.filter(role="mentor").first(), large.enrolments.filter(role="mentee").first()
    )

    with django_assert_num_queries(10) as counted:
        runs.load_population(small)
    with django_assert_num_queries(len(counted.captured_queries)):
        population = runs.load_population(large)

    assert len(population.mentees) == 20
    assert len(population.rules.penalised_mentee) == 1
    assert int(population.mentors.competencies[0]).bit_count() == 3


def test_the_explanation_names_the_needs_the_mentor_covers_in_the_readers_language(match, hr_user, organization):
    program = ProgramFactory(organization=organization)
    first, second = Competency.objects.order_by("position")[:2]
    teacher = mentor(program)
    teacher.strengths.set([first])
    learner = mentee(program)
    learner.needs.set([first, second])

    run = match(program, by=hr_user)

    stored = run.proposals.get().match_explanation
    with translation.override("en"):
        english = describe(stored, competency_names())
    with translation.override("zh-hans"):
        chinese = describe(stored, competency_names())
    assert english[1]["text"] == f"The mentor's strengths cover 1 of 2 needs: {first.name_en}"
    assert first.name_zh in chinese[1]["text"]
    assert english[0]["text"] == "Same unit"
