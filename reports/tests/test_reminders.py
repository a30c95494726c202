"""The daily reminder scan: every kind of SPEC §7 to the right people, with a link, in their language, once."""

from datetime import timedelta

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import translation

from pairings.models import Activity, Method
from programs.tests.factories import HRUserFactory, OrganizationFactory, ProgramFactory
from reports import reminders
from reports.models import Notification
from reports.tasks import deliver_notifications, send_reminders

from .jobs import TODAY, every_reminder, member, pair

DAY = TODAY.isoformat()

pytestmark = pytest.mark.django_db


def sent_to(**filters) -> set[tuple[str, int, str]]:
    """(kind, the object's id as in the key, recipient username) of every notification recorded."""
    return {
        (n.kind, int(n.key.split(":")[1]), n.recipient.username)
        for n in Notification.objects.filter(**filters).select_related("recipient")
    }


def members(pairing) -> list[str]:
    return [pairing.mentor.person.user.username, pairing.mentee.person.user.username]


def test_every_kind_of_reminder_goes_to_the_right_people(organization, hr_user):
    due = every_reminder(organization)

    reminders.record_reminders(TODAY)

    expected = set()
    for name in ("silent", "at_risk"):
        expected |= {("inactive", due[name].pk, who) for who in members(due[name])}
    expected |= {("at_risk", due["at_risk"].pk, hr_user.username)}
    expected |= {("goal_due", due["goal_soon"].pk, who) for who in members(due["goals"])}
    expected |= {("goal_overdue", due["goal_late"].pk, who) for who in members(due["goals"])}
    expected |= {("ending_soon", due["ending"].pk, hr_user.username)}
    expected |= {("assessment_due", due["unassessed"].pk, who) for who in members(due["unassessed"])}
    expected |= {("midterm_review_due", due["midterm"].pk, hr_user.username)}
    expected |= {("final_review_due", due["final"].pk, hr_user.username)}
    expected |= {("proposals_waiting", due["program"].pk, hr_user.username)}
    assert sent_to() == expected
    assert not Notification.objects.filter(url__contains=f"/pairings/{due['quiet'].pk}/").exists()


def test_each_reminder_links_to_what_it_is_about(organization, hr_user):
    due = every_reminder(organization)

    reminders.record_reminders(TODAY)

    links = dict(Notification.objects.filter(recipient=hr_user).values_list("kind", "url"))
    assert links == {
        "at_risk": f"/pairings/{due['at_risk'].pk}/#timeline",
        "ending_soon": f"/pairings/{due['ending'].pk}/#status",
        "midterm_review_due": f"/pairings/{due['midterm'].pk}/#reviews",
        "final_review_due": f"/pairings/{due['final'].pk}/#reviews",
        "proposals_waiting": f"/pairings/programs/{due['program'].pk}/matching/",
    }
    goal = Notification.objects.get(kind="goal_overdue", recipient=due["goals"].mentee.person.user)
    assert goal.url == f"/pairings/{due['goals'].pk}/#plan"
    assert "独立调解一起纠纷" in goal.title and "2025-06-13" in goal.title


def test_scanning_twice_records_nothing_new_and_sends_nothing_twice(organization, hr_user):
    every_reminder(organization)

    first = send_reminders.delay(DAY).get()
    recorded = Notification.objects.count()
    emails = len(mail.outbox)
    second = send_reminders.delay(DAY).get()

    assert recorded == sum(counts["new"] for counts in first["recorded"].values()) > 0
    assert Notification.objects.count() == recorded
    assert all(counts["new"] == 0 for counts in second["recorded"].values())
    assert first["emailed"] == emails == recorded and second["emailed"] == 0
    assert len(mail.outbox) == emails
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == emails


def test_a_silent_pair_is_reminded_again_only_after_another_cadence_of_silence(organization, hr_user):
    program = ProgramFactory(organization=organization, cadence_days=30)
    silent = pair(program, started_days_ago=45)

    for day in range(0, 15):  # still inside the same cadence window (45 to 59 days silent)
        reminders.record_reminders(TODAY + timedelta(days=day))
    assert Notification.objects.filter(kind="inactive").count() == 2

    reminders.record_reminders(TODAY + timedelta(days=15))  # 60 days silent: a new window
    assert Notification.objects.filter(kind="inactive").count() == 4

    Activity.objects.create(pairing=silent, date=TODAY, method=Method.OTHER, summary="谈心谈话")
    silent.last_activity_date = TODAY
    silent.save(update_fields=["last_activity_date"])
    reminders.record_reminders(TODAY + timedelta(days=16))
    assert Notification.objects.filter(kind="inactive").count() == 4


def test_an_overdue_goal_is_reminded_once_a_week(organization):
    due = every_reminder(organization)
    goal_reminders = Notification.objects.filter(kind="goal_overdue", title__contains=due["goal_late"].title)

    reminders.record_reminders(TODAY)
    reminders.record_reminders(TODAY + timedelta(days=4))  # Sunday, same week
    assert goal_reminders.count() == 2
    reminders.record_reminders(TODAY + timedelta(days=5))  # the next Monday
    assert goal_reminders.count() == 4
    assert set(goal_reminders.values_list("recipient__username", flat=True)) == set(members(due["goals"]))


def test_hr_reminders_go_to_the_nearest_organization_with_hr_staff(organization, hr_user):
    township = OrganizationFactory(parent=organization, code="TS")
    village = OrganizationFactory(parent=township, code="VL")
    own_hr = HRUserFactory(organization=village)
    for org in (township, village):
        pair(ProgramFactory(organization=org), started_days_ago=200, heard_days_ago=1, ends_in=10)

    reminders.record_reminders(TODAY)

    # The township has no HR staff of its own: the district's look after it; the village has its own.
    recipients = set(Notification.objects.filter(kind="ending_soon").values_list("recipient__username", flat=True))
    assert recipients == {hr_user.username, own_hr.username}
    township_reminder = Notification.objects.get(kind="ending_soon", recipient=hr_user)
    assert township_reminder.url.startswith(f"/pairings/{township.programs.get().pairings.get().pk}/")


def test_nobody_without_an_active_account_is_reminded(organization, hr_user):
    program = ProgramFactory(organization=organization)
    silent = pair(program, started_days_ago=45)
    gone = silent.mentee.person.user
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    reminders.record_reminders(TODAY)

    assert sent_to() == {("inactive", silent.pk, silent.mentor.person.user.username)}


@pytest.fixture
def chinese_texts(tmp_path):
    """A zh-hans catalogue with the texts of a silent-pair reminder, ahead of the project's own."""
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=utf-8", "Language": "zh_Hans"}
    with translation.override(None):  # no catalogue: the English source texts
        title, body = map(str, reminders.TEXTS[reminders.Kind.INACTIVE])
    catalogue.append(polib.POEntry(msgid=title, msgstr="自 %(since)s 起未开展活动：%(pair)s"))
    catalogue.append(polib.POEntry(msgid=body, msgstr="结对 %(pair)s 已 %(days)s 天未开展活动。"))
    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue.save_as_mofile(str(folder / "django.mo"))
    with override_settings(LOCALE_PATHS=[tmp_path, *settings.LOCALE_PATHS]):
        yield
    translation.trans_real._translations = {}


def test_each_recipient_reads_the_reminder_in_their_own_language(organization, chinese_texts):
    program = ProgramFactory(organization=organization)
    mentor = member(program, role="mentor", language="en", full_name="雷刚")
    mentee = member(program, role="mentee", language="zh-hans", full_name="王一")
    default = member(program, role="mentee", language="", full_name="王二")
    pair(program, started_days_ago=45, mentor=mentor, mentee=mentee)
    pair(program, started_days_ago=45, mentee=default)

    with translation.override("en"):  # whatever the language of the job itself
        send_reminders.delay(DAY)

    titles = dict(Notification.objects.filter(kind="inactive").values_list("recipient_id", "title"))
    assert titles[mentor.person.user_id] == "No activity since 2025-05-04: 雷刚 → 王一"
    assert titles[mentee.person.user_id] == "自 2025-05-04 起未开展活动：雷刚 → 王一"
    assert titles[default.person.user_id].startswith("自 2025-05-04 起未开展活动")  # the site's language
    email = next(message for message in mail.outbox if message.to == [mentee.person.user.email])
    assert email.subject == "自 2025-05-04 起未开展活动：雷刚 → 王一"
    assert email.body.startswith("结对 雷刚 → 王一 已 45 天未开展活动。")


def test_a_reminder_recorded_before_a_crash_is_sent_by_the_next_run_exactly_once(organization, hr_user, monkeypatch):
    due = every_reminder(organization)

    def worker_dies(*args, **kwargs):
        raise SystemExit("worker lost between recording and sending")

    with monkeypatch.context() as crash:
        crash.setattr(reminders, "email_for", worker_dies)
        with pytest.raises(SystemExit):
            send_reminders.delay(DAY)
    recorded = Notification.objects.count()
    assert recorded > 0 and not mail.outbox
    assert Notification.objects.filter(sent_at__isnull=True).count() == recorded

    send_reminders.delay(DAY)
    deliver_notifications.delay()

    assert Notification.objects.count() == recorded
    assert Notification.objects.filter(sent_at__isnull=True).count() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Notification.objects.values_list("recipient__email", flat=True)
    )
    silent_mentee = due["silent"].mentee.person.user
    assert [m.subject for m in mail.outbox if m.to == [silent_mentee.email]] == [
        Notification.objects.get(recipient=silent_mentee).title
    ]


def test_an_email_that_fails_is_tried_again_later_and_the_others_go_out(organization, hr_user, monkeypatch):
    program = ProgramFactory(organization=organization)
    silent = pair(program, started_days_ago=45)
    bounced = silent.mentor.person.user.email
    real_email_for = reminders.email_for

    def refusing(notification, address, connection):
        if address == bounced:
            raise OSError("mail server refused")
        return real_email_for(notification, address, connection)

    monkeypatch.setattr(reminders, "email_for", refusing)
    reminders.send_reminders(TODAY)
    failed = Notification.objects.get(recipient__email=bounced)
    assert [m.to for m in mail.outbox] == [[silent.mentee.person.user.email]]
    assert (failed.sent_at, failed.delivery_attempts, failed.delivery_error) == (None, 1, "mail server refused")

    monkeypatch.undo()
    assert reminders.deliver_notifications() == 1
    assert [m.to for m in mail.outbox][-1] == [bounced]


def test_people_without_an_email_address_get_the_reminder_in_the_app_only(organization):
    program = ProgramFactory(organization=organization)
    silent = pair(program, started_days_ago=45, mentee=member(program, role="mentee", email=False))

    result = reminders.send_reminders(TODAY)

    assert result["emailed"] == 1 and [m.to for m in mail.outbox] == [[silent.mentor.person.user.email]]
    assert Notification.objects.filter(sent_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=silent.mentee.person.user, read_at__isnull=True).exists()


def test_the_email_links_to_the_site(organization, settings):
    settings.SITE_URL = "https://mentoring.example.gov.cn"
    program = ProgramFactory(organization=organization)
    silent = pair(program, started_days_ago=45)

    reminders.send_reminders(TODAY)

    assert f"https://mentoring.example.gov.cn/pairings/{silent.pk}/#timeline" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Message-ID"].endswith("@mentoring.example.gov.cn>")


def test_the_scan_reads_with_the_same_queries_whatever_the_number_of_pairs(
    organization, hr_user, django_assert_max_num_queries
):
    program = ProgramFactory(organization=organization)
    for _ in range(2):
        pair(program, started_days_ago=200)
    with django_assert_max_num_queries(40) as few:
        reminders.record_reminders(TODAY)
    for _ in range(10):
        pair(program, started_days_ago=200)
    Notification.objects.all().delete()
    with django_assert_max_num_queries(len(few.captured_queries)):
        reminders.record_reminders(TODAY)
    assert Notification.objects.filter(kind="inactive").count() == 24
