"""Every page passes the strict content security policy in a real headless Chromium: no inline script, no
inline style element, nothing from another origin. Any "Refused to ..." in the console, any
``securitypolicyviolation`` event or any page error fails the test.

Needs Debian's ``chromium``; run with ``pytest -m browser``.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from pairings.models import Activity, CompetencyScore
from pairings.tests.factories import (
    ActivePairingFactory,
    ActivityFactory,
    AssessmentFactory,
    GoalFactory,
    GrowthPlanFactory,
    OutcomeFactory,
)
from programs.models import Competency
from programs.tests.factories import (
    EnrolmentFactory,
    HRUserFactory,
    MentorEnrolmentFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
    UserFactory,
)

from .conftest import needs_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seven_abilities"),
    needs_chromium,
]

# Registered before any page script runs (Playwright injects it outside the page's policy).
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
});
"""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.problems = []
    page.on("console", lambda message: refused(message) and page.problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("response", lambda response: failed(response) and page.problems.append(f"{response.status} {response.url}"))
    yield page
    context.close()


def refused(message) -> bool:
    """Console errors and any word about the content security policy; failed loads are judged by ``failed``."""
    if message.text.startswith("Failed to load resource"):
        return False
    return message.type == "error" or "Refused to" in message.text or "Content Security Policy" in message.text


def failed(response) -> bool:
    """A page or asset that did not load (the browser's own favicon guess on admin pages aside)."""
    return response.status >= 400 and not response.url.endswith("/favicon.ico")


def visit(page, url: str) -> None:
    """Open a page, wait until it is quiet, and fail on any refused resource or script error."""
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.ok, f"{url} answered {response.status}"
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, f"{url} has no strict policy: {policy!r}"
    violations = page.evaluate("window.__violations")
    assert violations == [], f"{url}: {violations}"
    assert page.problems == [], f"{url}: {page.problems}"


def log_in(page, base: str, username: str) -> None:
    visit(page, f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("form.form-stack button[type=submit]")
    page.wait_for_load_state("networkidle")


def a_program_with_a_full_pair():
    today = timezone.localdate()
    district = OrganizationFactory(name="咸安区", code="XA-CSP")
    township = OrganizationFactory(parent=district, name="双溪桥镇")
    HRUserFactory(username="hr_csp", organization=district)
    program = ProgramFactory(organization=district, name="青蓝结对·导师帮带", start_date=date(2024, 1, 1))
    mentee_account = UserFactory(username="mentee_csp")
    mentor = MentorEnrolmentFactory(program=program, person=PersonFactory(organization=township, full_name="张海辉"))
    mentee = EnrolmentFactory(
        program=program, person=PersonFactory(organization=township, full_name="韦新丽", user=mentee_account)
    )
    pairing = ActivePairingFactory(
        program=program,
        mentor=mentor,
        mentee=mentee,
        start_date=today - timedelta(days=200),
        planned_end_date=today + timedelta(days=165),
        pledge_signed_on=today - timedelta(days=198),
    )
    plan = GrowthPlanFactory(pairing=pairing)
    GoalFactory(plan=plan, title="独立调解一起矛盾纠纷", due_date=today + timedelta(days=30), progress=40)
    for days in (150, 90, 20):
        ActivityFactory(pairing=pairing, date=today - timedelta(days=days)).dimension_rows.create(dimension="theory")
    for days, score in ((180, 2), (30, 4)):
        assessment = AssessmentFactory(person=mentee.person, pairing=pairing, assessed_on=today - timedelta(days=days))
        CompetencyScore.objects.bulk_create(
            CompetencyScore(assessment=assessment, competency=competency, score=score)
            for competency in Competency.objects.all()
        )
    OutcomeFactory(person=mentor.person, date=today - timedelta(days=10))
    silent = ActivePairingFactory(
        program=program, start_date=today - timedelta(days=120), planned_end_date=today + timedelta(days=245)
    )
    return program, pairing, silent


def test_the_hr_pages_pass_the_strict_content_security_policy(live_server, page):
    program, pairing, _silent = a_program_with_a_full_pair()
    base = live_server.url
    year = timezone.localdate().year

    log_in(page, base, "hr_csp")
    assert page.url == f"{base}/"
    for path in (
        "/",
        "/programs/",
        f"/programs/{program.pk}/",
        f"/programs/{program.pk}/supervision/",
        f"/programs/{program.pk}/people/",
        f"/pairings/programs/{program.pk}/matching/",
        "/pairings/",
        f"/pairings/{pairing.pk}/",
        f"/pairings/{pairing.pk}/certificate/",
        "/people/",
        f"/people/{pairing.mentee.person_id}/",
        "/reports/",
        f"/reports/report/?program={program.pk}&period_start={year - 1}-01-01&period_end={year}-12-31",
        "/reports/imports/",
    ):
        visit(page, f"{base}{path}")

    # The scripts ran under the policy: the dashboard and the pairing page drew their charts.
    visit(page, f"{base}/programs/{program.pk}/")
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length >= 3")
    visit(page, f"{base}/pairings/{pairing.pk}/")
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length >= 1")
    assert page.evaluate("window.__violations") == []


def test_the_mentees_pages_pass_the_policy_and_log_an_activity(live_server, page):
    _program, pairing, _silent = a_program_with_a_full_pair()
    base = live_server.url

    log_in(page, base, "mentee_csp")
    assert page.url == f"{base}/pairings/mine/"
    visit(page, f"{base}/pairings/mine/")
    assert "张海辉" in page.locator("#as-mentee").inner_text()

    page.fill("#id_summary", "跟随导师调解宅基地纠纷")
    page.check("input[name=dimensions][value=experience]")
    page.click("#log-activity button[type=submit]")
    page.wait_for_url(f"{base}/pairings/mine/#activities")
    assert "跟随导师调解宅基地纠纷" in page.locator("#activities").inner_text()
    assert Activity.objects.filter(pairing=pairing).count() == 4
    visit(page, f"{base}/pairings/{pairing.pk}/")
    assert page.problems == []


def test_the_login_page_and_the_api_docs_pass_the_policy(live_server, page):
    visit(page, f"{live_server.url}/accounts/login/")
    visit(page, f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info")
    assert page.evaluate("window.__violations") == []


def test_the_administration_passes_the_policy(live_server, page):
    _program, pairing, _silent = a_program_with_a_full_pair()
    UserFactory(username="officer_csp", is_staff=True, is_superuser=True)
    base = live_server.url

    visit(page, f"{base}/admin/login/")
    page.fill("#id_username", "officer_csp")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    for path in (
        "/admin/",
        "/admin/programs/person/",
        f"/admin/programs/person/{pairing.mentee.person_id}/change/",
        f"/admin/programs/person/{pairing.mentee.person_id}/history/",
        "/admin/pairings/pairing/",
        f"/admin/pairings/pairing/{pairing.pk}/change/",
        "/admin/programs/program/add/",
    ):
        visit(page, f"{base}{path}")
