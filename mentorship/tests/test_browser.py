"""The HR pages in a real headless Chromium against a live server on PostgreSQL.

An HR user logs in, switches to Chinese, opens a program dashboard, logs an activity on a pairing, sees it on
the timeline and prints the pledge certificate. Screenshots go to ``artifacts/screenshots/``.
Needs Debian's ``chromium`` (``apt-get install chromium fonts-noto-cjk``); run with ``pytest -m browser``.
"""

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from pairings.models import Activity
from pairings.tests.factories import ActivePairingFactory, ActivityFactory, GoalFactory, GrowthPlanFactory
from programs.tests.factories import (
    EnrolmentFactory,
    HRUserFactory,
    MentorEnrolmentFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
)

from .conftest import needs_chromium

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seven_abilities"),
    needs_chromium,
]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar would otherwise be drawn mid-page
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def a_program_with_a_pair():
    today = timezone.localdate()
    district = OrganizationFactory(name="咸安区", code="XA-BROWSER")
    township = OrganizationFactory(parent=district, name="双溪桥镇")
    HRUserFactory(username="hr_browser", organization=district, first_name="组织部")
    program = ProgramFactory(organization=district, name="咸安区青蓝结对·导师帮带", start_date=date(2024, 1, 1))
    mentor = MentorEnrolmentFactory(program=program, person=PersonFactory(organization=township, full_name="张海辉"))
    mentee = EnrolmentFactory(program=program, person=PersonFactory(organization=township, full_name="韦新丽"))
    pairing = ActivePairingFactory(
        program=program,
        mentor=mentor,
        mentee=mentee,
        start_date=today - timedelta(days=120),
        planned_end_date=today + timedelta(days=245),
        pledge_signed_on=today - timedelta(days=118),
    )
    plan = GrowthPlanFactory(pairing=pairing, summary="围绕七种能力制定学习成长计划")
    GoalFactory(plan=plan, title="独立调解一起矛盾纠纷", due_date=today + timedelta(days=60), progress=40)
    for days in (100, 70, 40):
        ActivityFactory(pairing=pairing, date=today - timedelta(days=days), summary="师徒走村入户，现场教学")
    return program, pairing


def test_an_hr_user_logs_in_switches_to_chinese_logs_an_activity_and_prints_the_certificate(live_server, page):
    program, pairing = a_program_with_a_pair()

    page.goto(f"{live_server.url}/accounts/login/")
    shot(page, "01-login")
    page.fill("#id_username", "hr_browser")
    page.fill("#id_password", "correct-horse-battery")
    page.click("form.form-stack button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "en"

    page.click("button.lang-option[value='zh-hans']")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    shot(page, "02-home-zh")

    page.click(".mainnav a[href='/programs/']")
    page.click(f"text={program.name}")
    page.wait_for_url(f"{live_server.url}/programs/{program.pk}/")
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length >= 3")
    assert page.locator(".kpi-value").first.inner_text() == "1"
    shot(page, "03-program-dashboard")

    page.goto(f"{live_server.url}/pairings/{pairing.pk}/")
    page.click("#log-activity > summary")
    page.fill("#id_date", timezone.localdate().isoformat())
    page.select_option("#id_method", "case_dissection")
    page.check("input[name=dimensions][value=experience]")
    page.fill("#id_location", "双溪村村委会")
    page.fill("#id_summary", "解剖麻雀：复盘宅基地纠纷调解全过程")
    page.select_option("#id_case-0-kind", "dispute_mediation")
    page.fill("#id_case-0-description", "宅基地边界纠纷")
    page.fill("#id_case-0-outcome", "双方签订调解协议")
    page.click("#log-activity button[type=submit]")
    page.wait_for_url(f"{live_server.url}/pairings/{pairing.pk}/#timeline")

    first_entry = page.locator(".timeline > li").first
    assert "解剖麻雀：复盘宅基地纠纷调解全过程" in first_entry.inner_text()
    assert "宅基地边界纠纷" in first_entry.inner_text()
    assert Activity.objects.filter(pairing=pairing).count() == 4
    shot(page, "04-pairing-timeline")

    page.click(f"a[href='/pairings/{pairing.pk}/certificate/']")
    page.wait_for_url(f"{live_server.url}/pairings/{pairing.pk}/certificate/")
    assert "张海辉" in page.locator(".certificate").inner_text()
    assert "韦新丽" in page.locator(".certificate").inner_text()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    assert not page.locator(".certificate-toolbar").is_visible()
    shot(page, "05-certificate-print")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (SCREENSHOTS / "05-certificate.pdf").write_bytes(pdf)

    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 1
    assert round(float(pages[0].mediabox.width)) == 595  # A4 portrait, in points
    assert page.console_errors == []


def test_the_pages_fit_a_phone_screen(live_server, browser):
    program, pairing = a_program_with_a_pair()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    phone = context.new_page()

    phone.goto(f"{live_server.url}/accounts/login/")
    phone.fill("#id_username", "hr_browser")
    phone.fill("#id_password", "correct-horse-battery")
    phone.click("form.form-stack button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/")
    for name, path in (
        ("06-phone-program", f"/programs/{program.pk}/"),
        ("07-phone-pairing", f"/pairings/{pairing.pk}/"),
    ):
        phone.goto(f"{live_server.url}{path}")
        phone.wait_for_load_state("networkidle")
        overflow = phone.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        shot(phone, name)
    phone.click("#nav-toggle")
    assert phone.locator(".mainnav").is_visible()
    context.close()
