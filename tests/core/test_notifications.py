"""Notifications: the service (once per item and day, e-mail switch), the bell, the list and
marking as read — always one's own notifications only."""

import datetime
import re

import pytest
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.core import notifications
from alxa_dangjian.core.models import Notification
from tests.factories import UserFactory

DAY = datetime.date(2026, 5, 15)
LIST = reverse("core:notification-list")
READ_ALL = reverse("core:notification-read-all")
BELL = reverse("core:notification-bell")


def read_url(notification):
    return reverse("core:notification-read", args=[notification.pk])


def make(user, n=1, **fields):
    return [
        Notification.objects.create(
            user=user,
            title=fields.get("title", f"提醒{i}"),
            url=fields.get("url", ""),
            item_key=f"test:{user.pk}:{i}:{fields.get('title', '')}",
            day=DAY,
        )
        for i in range(n)
    ]


def unread_badge(body: str) -> str | None:
    match = re.search(r'data-testid="unread-count">(.*?)<', body)
    return match[1] if match else None


# --- the service --------------------------------------------------------------------------


def test_notify_creates_one_row_per_user(secretary, committee_admin):
    created = notifications.notify(
        [secretary, committee_admin], key="k1", title="标题", body="内容", url="/x/", day=DAY
    )
    assert len(created) == 2
    assert set(Notification.objects.values_list("user_id", "title", "url", "day")) == {
        (secretary.pk, "标题", "/x/", DAY),
        (committee_admin.pk, "标题", "/x/", DAY),
    }


def test_the_same_item_is_notified_once_a_day(secretary, committee_admin):
    notifications.notify([secretary], key="k1", title="第一次", day=DAY)
    again = notifications.notify([secretary, committee_admin], key="k1", title="第二次", day=DAY)
    assert [n.user for n in again] == [committee_admin]
    assert Notification.objects.filter(user=secretary).get().title == "第一次"
    tomorrow = notifications.notify([secretary], key="k1", title="次日", day=DAY.replace(day=16))
    assert len(tomorrow) == 1
    assert Notification.objects.count() == 3


def test_duplicates_within_one_call_collapse(secretary):
    messages = [notifications.Message([secretary, secretary], "k", "甲")] * 2
    assert len(notifications.notify_many(messages, day=DAY)) == 1
    assert Notification.objects.count() == 1


def test_the_database_refuses_a_second_row_for_the_same_item_and_day(secretary):
    make(secretary, title="甲")
    with pytest.raises(IntegrityError):
        Notification.objects.create(
            user=secretary, title="乙", item_key=f"test:{secretary.pk}:0:甲", day=DAY
        )


@pytest.mark.parametrize(
    ("backend", "switch", "expected"),
    [
        ("django.core.mail.backends.console.EmailBackend", None, False),
        ("django.core.mail.backends.locmem.EmailBackend", None, False),
        ("django.core.mail.backends.smtp.EmailBackend", None, True),
        ("django.core.mail.backends.smtp.EmailBackend", False, False),
        ("django.core.mail.backends.locmem.EmailBackend", True, True),
    ],
)
def test_email_switch_follows_the_backend_unless_forced(settings, backend, switch, expected):
    settings.EMAIL_BACKEND = backend
    settings.NOTIFICATION_EMAIL = switch
    assert notifications.email_enabled() is expected


def test_email_goes_to_users_with_an_address_after_commit(
    settings, secretary, committee_admin, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_EMAIL = True
    secretary.email = "shuji@example.org"
    secretary.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications.notify(
            [secretary, committee_admin],
            key="k",
            title="请开展主题党日",
            body="正文",
            url="/a/",
            day=DAY,
        )
    assert mail.outbox == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == ["shuji@example.org"]
    assert message.subject == "请开展主题党日"
    assert "正文" in message.body and "/a/" in message.body
    # A second notify of the same item that day sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify([secretary], key="k", title="请开展主题党日", day=DAY)
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_keeps_the_notifications(
    settings, secretary, django_capture_on_commit_callbacks, caplog
):
    settings.NOTIFICATION_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    secretary.email = "shuji@example.org"
    secretary.save()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify([secretary], key="k", title="提醒", day=DAY)
    assert Notification.objects.filter(user=secretary).count() == 1
    assert "sending 1 message(s) failed" in caplog.text


# --- the bell -----------------------------------------------------------------------------


def test_bell_shows_the_unread_count_of_ones_own_notifications(client, secretary, outsider):
    make(secretary, 3)
    make(outsider, 5)
    (read,) = make(secretary, title="已读")
    read.read_at = timezone.now()
    read.save()
    client.force_login(secretary)
    bell = client.get(BELL)
    assert bell.status_code == 200
    assert unread_badge(bell.content.decode()) == "3"
    assert "<html" not in bell.content.decode()  # the partial alone, for htmx


def test_pages_render_the_bell_for_htmx_to_fill(client, secretary):
    make(secretary, 2)
    client.force_login(secretary)
    body = client.get(reverse("portal:home")).content.decode()
    bell = re.search(r'<a [^>]*data-testid="notification-bell".*?</a>', body, re.S)[0]
    # No count on the page itself (it costs the page no query): htmx loads it at once, and
    # the loaded bell refreshes itself without loading again.
    assert unread_badge(bell) is None
    assert f'hx-get="{BELL}"' in bell and 'hx-trigger="load, every 120s"' in bell
    loaded = client.get(BELL).content.decode()
    assert 'hx-trigger="every 120s"' in loaded and 'aria-label="通知，2 条未读"' in loaded


def test_bell_has_no_badge_without_unread(client, secretary):
    client.force_login(secretary)
    body = client.get(BELL).content.decode()
    assert 'data-testid="notification-bell"' in body
    assert unread_badge(body) is None


def test_bell_caps_the_badge(client, secretary):
    Notification.objects.bulk_create(
        Notification(user=secretary, title="t", item_key=f"k{i}", day=DAY) for i in range(120)
    )
    client.force_login(secretary)
    assert unread_badge(client.get(BELL).content.decode()) == "99+"


def test_bell_refuses_post(client, secretary):
    client.force_login(secretary)
    assert client.post(BELL).status_code == 405


def test_bell_costs_one_query(client, secretary, django_assert_num_queries):
    client.force_login(secretary)
    # session, user, the unread COUNT
    with django_assert_num_queries(3):
        client.get(BELL)


# --- the list -----------------------------------------------------------------------------


def test_list_shows_only_ones_own_notifications(client, secretary, outsider):
    make(secretary, 2, title="甲局提醒")
    make(outsider, 1, title="乙局机密提醒")
    client.force_login(secretary)
    body = client.get(LIST).content.decode()
    assert body.count('data-notification="') == 2
    assert "甲局提醒" in body and "乙局机密提醒" not in body


def test_empty_list_says_so(client, secretary):
    client.force_login(secretary)
    assert "暂无通知" in client.get(LIST).content.decode()


def test_list_refuses_post(client, secretary):
    client.force_login(secretary)
    assert client.post(LIST).status_code == 405


def test_list_paginates_and_queries_do_not_grow(client, secretary, django_assert_max_num_queries):
    make(secretary, 45)
    client.force_login(secretary)
    # session, user, paginator COUNT, the page, the unread COUNT (for "mark all read"), the
    # user's organisation (named in the navbar)
    with django_assert_max_num_queries(6):
        body = client.get(LIST).content.decode()
    assert body.count('data-notification="') == 30
    assert client.get(LIST, {"page": 2}).content.decode().count('data-notification="') == 15


# --- marking as read ----------------------------------------------------------------------


def test_mark_one_read(client, secretary):
    first, second = make(secretary, 2)
    client.force_login(secretary)
    response = client.post(read_url(first))
    assert response.status_code == 302 and response.url == LIST
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    read_at = first.read_at
    client.post(read_url(first))  # reading again keeps the first time
    first.refresh_from_db()
    assert first.read_at == read_at


def test_open_marks_read_and_goes_to_the_page(client, secretary):
    (notification,) = make(secretary, url="/activities/compliance/")
    client.force_login(secretary)
    response = client.post(read_url(notification), {"open": "1"})
    assert response.status_code == 302 and response.url == "/activities/compliance/"
    notification.refresh_from_db()
    assert notification.is_read


@pytest.mark.parametrize("url", ["//evil.example/", "https://evil.example/", "javascript:alert(1)"])
def test_open_never_leaves_the_site(client, secretary, url):
    (notification,) = make(secretary, url=url)
    client.force_login(secretary)
    response = client.post(read_url(notification), {"open": "1"})
    assert response.url == LIST


def test_another_users_notification_is_404(client, secretary, outsider, committee_admin):
    (theirs,) = make(secretary)
    for user in (outsider, committee_admin):  # even the secretary's own committee admin
        client.force_login(user)
        assert client.post(read_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_refuses_get(client, secretary):
    (notification,) = make(secretary)
    client.force_login(secretary)
    assert client.get(read_url(notification)).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_ones_own(client, secretary, outsider):
    make(secretary, 3)
    make(outsider, 2)
    client.force_login(secretary)
    response = client.post(READ_ALL, follow=True)
    assert "已将 3 条通知标为已读" in response.content.decode()
    assert not Notification.objects.filter(user=secretary, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=outsider, read_at__isnull=True).count() == 2
    assert unread_badge(client.get(BELL).content.decode()) is None
    response = client.post(READ_ALL, follow=True)
    assert "没有未读通知" in response.content.decode()


def test_mark_all_read_refuses_get(client, secretary):
    make(secretary, 1)
    client.force_login(secretary)
    assert client.get(READ_ALL).status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_anonymous_cannot_mark_anything(client, secretary):
    (notification,) = make(secretary)
    response = client.post(read_url(notification))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    notification.refresh_from_db()
    assert notification.read_at is None


def test_user_without_organisation_still_has_their_own_bell(client, db):
    user = UserFactory(organization=None)
    make(user, 2)
    client.force_login(user)
    assert unread_badge(client.get(BELL).content.decode()) == "2"
