"""Notifications in the API and on the page: everyone reads and marks their own, nobody sees another's."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from programs.tests.factories import HRUserFactory, ProgramFactory
from reports.models import Notification
from reports.reminders import record_reminders

from .jobs import TODAY, member, pair

pytestmark = pytest.mark.django_db


def notify(user, title="提醒", *, read=False, minutes_ago=0, url="/pairings/1/#timeline", kind="inactive"):
    created = timezone.now() - timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        recipient=user,
        kind=kind,
        key=f"{kind}:{title}:{user.pk}",
        title=title,
        body=f"{title}的说明",
        url=url,
        created_at=created,
        read_at=created if read else None,
    )


@pytest.fixture
def colleague(organization):
    return HRUserFactory(organization=organization)


def test_the_api_lists_only_the_callers_own_notifications_newest_first(api, hr_user, colleague):
    older = notify(hr_user, "旧的", minutes_ago=5, read=True)
    newer = notify(hr_user, "新的")
    notify(colleague, "别人的")

    response = api.get("/api/v1/notifications/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(n["id"], n["read"]) for n in body["results"]] == [(newer.pk, False), (older.pk, True)]
    assert set(body["results"][0]) == {"id", "kind", "title", "body", "url", "created_at", "read_at", "read", "sent_at"}


def test_the_api_filters_unread_notifications(api, hr_user):
    notify(hr_user, "已读", read=True)
    unread = notify(hr_user, "未读")

    assert [n["id"] for n in api.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]] == [unread.pk]
    assert api.get("/api/v1/notifications/", {"unread": "null"}).status_code == 400
    assert api.get("/api/v1/notifications/", {"unread": "false"}).json()["count"] == 1
    assert api.get("/api/v1/notifications/", {"kind": "nonsense"}).status_code == 400


def test_marking_a_notification_read_through_the_api(api, hr_user):
    notification = notify(hr_user)

    response = api.post(f"/api/v1/notifications/{notification.pk}/read/")

    assert response.status_code == 200 and response.json()["read"] is True
    notification.refresh_from_db()
    first_read = notification.read_at
    assert first_read is not None
    api.post(f"/api/v1/notifications/{notification.pk}/read/")
    notification.refresh_from_db()
    assert notification.read_at == first_read  # read once, when first read

    url = f"/api/v1/notifications/{notification.pk}/"
    assert api.patch(url, {"read": False}, format="json").json()["read"] is False
    assert api.patch(url, {"read": True}, format="json").json()["read"] is True


def test_marking_all_read_through_the_api_touches_only_ones_own(api, hr_user, colleague):
    notify(hr_user, "一")
    notify(hr_user, "二")
    theirs = notify(colleague, "三")

    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert not Notification.objects.filter(recipient=hr_user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_users_notification_is_not_found(api, colleague, superuser):
    theirs = notify(colleague)

    assert api.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert api.patch(f"/api/v1/notifications/{theirs.pk}/", {"read": True}, format="json").status_code == 404
    admin = APIClient()
    admin.force_authenticate(superuser)
    assert admin.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_refuses_what_is_not_a_boolean_and_changes_nothing_else(api, hr_user):
    notification = notify(hr_user, "标题")

    assert api.patch(f"/api/v1/notifications/{notification.pk}/", {"read": "yes"}, format="json").status_code == 400
    response = api.patch(f"/api/v1/notifications/{notification.pk}/", {"title": "改了"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "标题"
    assert api.put(f"/api/v1/notifications/{notification.pk}/", {"read": True}, format="json").status_code == 405
    assert api.delete(f"/api/v1/notifications/{notification.pk}/").status_code == 405


def test_mentors_and_mentees_read_their_reminders_through_the_api(organization):
    program = ProgramFactory(organization=organization)
    mentee = member(program, role="mentee")
    pairing = pair(program, started_days_ago=45, mentee=mentee)

    record_reminders(TODAY)
    client = APIClient()
    client.force_authenticate(mentee.person.user)

    results = client.get("/api/v1/notifications/").json()["results"]

    assert [(n["kind"], n["url"]) for n in results] == [("inactive", f"/pairings/{pairing.pk}/#timeline")]


def test_anonymous_callers_are_refused():
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)


# --- The page ---------------------------------------------------------------------------------------------


def test_the_page_lists_ones_notifications_with_the_unread_ones_highlighted(hr_client, hr_user, colleague):
    read = notify(hr_user, "已读的提醒", read=True, minutes_ago=5)
    unread = notify(hr_user, "未读的提醒")
    notify(colleague, "别人的提醒")

    response = hr_client.get("/reports/notifications/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "别人的提醒" not in page
    assert f'class="notification is-unread" data-notification="{unread.pk}"' in page
    assert f'class="notification" data-notification="{read.pk}"' in page
    assert page.index("未读的提醒") < page.index("已读的提醒")
    assert 'href="/reports/notifications/" aria-current="page"' in page  # the nav bar marks the page


def test_the_page_shows_only_unread_ones_on_request(hr_client, hr_user):
    notify(hr_user, "已读的提醒", read=True)
    notify(hr_user, "未读的提醒")

    page = hr_client.get("/reports/notifications/", {"unread": "1"}).content.decode()

    assert "未读的提醒" in page and "已读的提醒" not in page


def test_marking_all_read_on_the_page(hr_client, hr_user):
    notify(hr_user, "一")
    notify(hr_user, "二")

    response = hr_client.post("/reports/notifications/read-all/", follow=True)

    assert response.redirect_chain[-1][0] == "/reports/notifications/"
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "is-unread" not in response.content.decode()


def test_opening_a_notification_marks_it_read_and_goes_to_what_it_is_about(hr_client, hr_user, colleague):
    mine = notify(hr_user, url="/pairings/42/#timeline")
    elsewhere = notify(hr_user, "外链", url="https://evil.example/")
    theirs = notify(colleague)

    response = hr_client.post(f"/reports/notifications/{mine.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response.url == "/pairings/42/#timeline"
    mine.refresh_from_db()
    assert mine.read_at is not None

    response = hr_client.post(f"/reports/notifications/{elsewhere.pk}/read/", {"open": "1"})
    assert response.url == "/reports/notifications/"
    assert hr_client.post(f"/reports/notifications/{theirs.pk}/read/").status_code == 404
    assert hr_client.get(f"/reports/notifications/{mine.pk}/read/").status_code == 405


def test_the_page_says_so_when_there_is_nothing(hr_client):
    page = hr_client.get("/reports/notifications/").content.decode()

    assert 'class="empty"' in page and "Mark all read" not in page


def test_a_mentee_has_a_notifications_page_too(client, organization):
    program = ProgramFactory(organization=organization)
    mentee = member(program, role="mentee")
    notify(mentee.person.user, "请记录活动")
    client.force_login(mentee.person.user)

    response = client.get("/reports/notifications/")

    page = response.content.decode()
    assert response.status_code == 200 and "请记录活动" in page
    assert 'href="/reports/notifications/" aria-current="page"' in page  # in a mentee's nav bar too


def test_the_page_needs_a_login(client):
    assert client.get("/reports/notifications/").status_code == 302
