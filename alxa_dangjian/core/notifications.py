"""In-app notifications (the bell), and the same message by e-mail where mail is configured.

Every message carries an `item_key`; with the day it makes the message unique per user
(constraint `core_notification_once_per_item_and_day`), so a daily job that runs twice, or
a redelivered task, adds nothing and sends no second e-mail.

E-mail goes out when `settings.NOTIFICATION_EMAIL` says so; left unset (None), it follows
the mail backend: the console, in-memory and dummy backends (the embedded default and the
test run) deliver nothing to anyone, so notifications stay in the app; any other backend
(SMTP from `EMAIL_URL`) delivers. Only users with an e-mail address get one.
"""

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

NON_DELIVERING_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
# Existing rows are looked up in chunks of keys, well under every database's parameter limit.
KEY_CHUNK = 500


@dataclass(frozen=True)
class Message:
    users: Sequence  # accounts.User instances
    key: str
    title: str
    body: str = ""
    url: str = ""


def email_enabled() -> bool:
    switch = getattr(settings, "NOTIFICATION_EMAIL", None)
    if switch is not None:
        return bool(switch)
    return settings.EMAIL_BACKEND not in NON_DELIVERING_BACKENDS


def notify(users: Iterable, *, key: str, title: str, body: str = "", url: str = "", day=None):
    """Notify `users` of one item; returns the notifications created (none if already sent)."""
    return notify_many([Message(list(users), key, title, body, url)], day=day)


@transaction.atomic
def notify_many(messages: Iterable[Message], *, day: datetime.date | None = None):
    """Many messages in a fixed number of queries: which (user, item) pairs already exist
    today (one query per 500 keys), then one bulk insert. Returns the new notifications."""
    day = day or timezone.localdate()
    messages = list(messages)
    keys = sorted({m.key for m in messages})
    existing = set()
    for start in range(0, len(keys), KEY_CHUNK):
        existing.update(
            Notification.objects.filter(
                day=day, item_key__in=keys[start : start + KEY_CHUNK]
            ).values_list("user_id", "item_key")
        )
    new = []
    seen = set()
    for message in messages:
        for user in message.users:
            pair = (user.pk, message.key)
            if pair in existing or pair in seen:
                continue
            seen.add(pair)
            new.append(
                Notification(
                    user=user,
                    title=message.title[:200],
                    body=message.body,
                    url=message.url[:300],
                    item_key=message.key[:200],
                    day=day,
                )
            )
    # A concurrent run may have inserted some of these since the lookup: the constraint
    # keeps one row, and the conflict is ignored rather than failing the whole batch.
    Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    if new and email_enabled():
        mails = [_email(n) for n in new if n.user.email]
        if mails:
            transaction.on_commit(lambda: _send(mails))
    return new


def _email(notification: Notification) -> EmailMessage:
    lines = [notification.body] if notification.body else []
    if notification.url:
        lines.append(f"请登录党建管理平台查看（页面地址：{notification.url}）。")
    lines.append("（本邮件由阿拉善盟直属机关党建管理平台自动发送，请勿回复。）")
    return EmailMessage(
        subject=notification.title,
        body="\n\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.user.email],
    )


def _send(mails: list[EmailMessage]) -> None:
    # The notifications are saved either way; a mail server that is down must not undo them
    # (and a rerun would not resend: the rows already exist), so the failure is logged.
    try:
        get_connection().send_messages(mails)
    except Exception:
        logger.exception("notification e-mail: sending %d message(s) failed", len(mails))
