"""The matching panel on the program page: start a run, follow it, accept or reject its proposals."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from pairings.models import MatchRun, Pairing, PairingStatus
from pairings.tests.factories import program_with_people
from programs.services import create_hr_user
from programs.tests.factories import (
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


def program_with(organization, *, mentors=2, mentees=2, **options):
    return program_with_people(organization, mentors=mentors, mentees=mentees, **options)


def panel(program, user, path="/programs/1/"):
    request = RequestFactory().get(path)
    request.user = user
    with translation.override("en"):
        return Template("{% load matching %}{% match_panel program %}").render(
            Context({"request": request, "program": program})
        )


@pytest.fixture
def start(hr_client, django_capture_on_commit_callbacks):
    def post(program, objective="participation"):
        with django_capture_on_commit_callbacks(execute=True):
            return hr_client.post(
                f"/pairings/programs/{program.pk}/matching/start/",
                {"objective": objective, "next": f"/programs/{program.pk}/"},
            )

    return post


def test_the_panel_offers_a_first_run_when_there_is_none(hr_user, organization):
    html = panel(program_with(organization), hr_user)

    assert "No match run yet." in html
    assert 'name="objective"' in html
    assert "js/match-run.js" in html
    assert "<script>" not in html


def test_starting_a_run_from_the_page_returns_to_the_program_with_proposals_best_first(
    start, hr_user, organization, django_assert_max_num_queries
):
    program = program_with(organization, mentors=2, mentees=2)

    response = start(program)

    assert response.status_code == 302
    assert response.url == f"/programs/{program.pk}/#match-panel"
    run = MatchRun.objects.get(program=program)
    scores = list(run.proposals.order_by("-match_score").values_list("match_score", flat=True))
    with django_assert_max_num_queries(8):
        html = panel(program, hr_user)
    assert html.count('name="pairing"') == 2
    assert "Accept all" in html and "Reject selected" in html
    assert "Organisational proximity" in html and "Same unit" in html
    assert html.index(f"{scores[0]:.3f}") <= html.index(f"{scores[1]:.3f}")


def test_a_run_under_way_shows_a_progress_bar_that_polls_the_run(hr_user, organization):
    program = program_with(organization)
    run = MatchRun.objects.create(program=program, status="running", progress=40)

    html = panel(program, hr_user)

    assert 'value="40"' in html
    assert f'data-status-url="/api/v1/match-runs/{run.pk}/?page_size=1"' in html


def test_accepting_selected_proposals_from_the_page(start, hr_client, organization):
    program = program_with(organization)
    start(program)
    chosen, other = Pairing.objects.filter(program=program).order_by("id")
    run = chosen.match_run

    response = hr_client.post(
        f"/pairings/match-runs/{run.pk}/review/", {"action": "accept_selected", "pairing": [chosen.pk]}
    )

    assert response.status_code == 302
    assert Pairing.objects.get(pk=chosen.pk).status == PairingStatus.ACTIVE
    assert Pairing.objects.get(pk=other.pk).status == PairingStatus.PROPOSED


def test_rejecting_selected_and_accepting_all_from_the_page(start, hr_client, organization):
    program = program_with(organization)
    start(program)
    first, second = Pairing.objects.filter(program=program).order_by("id")
    review = f"/pairings/match-runs/{first.match_run_id}/review/"

    hr_client.post(review, {"action": "reject_selected", "pairing": [first.pk]})
    hr_client.post(review, {"action": "accept_all"})

    assert Pairing.objects.get(pk=first.pk).status == PairingStatus.REJECTED
    assert Pairing.objects.get(pk=second.pk).status == PairingStatus.ACTIVE


def test_another_organizations_program_and_run_answer_404(start, hr_client, organization):
    foreign = program_with(OrganizationFactory(code="FAR"))
    run = MatchRun.objects.create(program=foreign, status="succeeded")

    assert hr_client.post(f"/pairings/programs/{foreign.pk}/matching/start/").status_code == 404
    assert hr_client.post(f"/pairings/match-runs/{run.pk}/review/", {"action": "accept_all"}).status_code == 404
    assert not MatchRun.objects.filter(program=foreign).exclude(pk=run.pk).exists()


def test_the_admin_action_accepts_a_runs_proposals_and_reports_those_that_no_longer_fit(
    start, organization, client, django_capture_on_commit_callbacks
):
    program = program_with(organization, mentors=1, mentees=2, mentor_capacity=2)
    start(program)
    run = MatchRun.objects.get(program=program)
    program.enrolments.filter(role="mentor").update(capacity=1)
    officer = create_hr_user(username="officer", organization=organization, password="Qinglan-2026!")
    client.force_login(officer)

    response = client.post(
        reverse("admin:pairings_matchrun_changelist"),
        {"action": "accept_all_proposals", "_selected_action": [run.pk]},
        follow=True,
    )

    # The page's own "run started" note from before is shown too; the action adds these two.
    levels = sorted(message.level_tag for message in response.context["messages"] if message.level_tag != "info")
    assert levels == ["success", "warning"]
    assert run.proposals.filter(status=PairingStatus.ACTIVE).count() == 1
