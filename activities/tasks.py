import datetime
from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from .services import alerts, reminders


@shared_task(name="activities.send_compliance_reminders", ignore_result=True)
def send_compliance_reminders(day: str | None = None) -> dict:
    """Daily (celery beat): notify secretaries and committee admins of open compliance items.

    `day` (ISO date) replays a given day; idempotent: a second run that day adds nothing.
    """
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return asdict(reminders.send_compliance_reminders(today=today))


@shared_task(name="activities.send_absence_alerts", ignore_result=True)
def send_absence_alerts(day: str | None = None) -> int:
    """Daily (celery beat): 警示 for 6 months without organisational life. Idempotent."""
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return alerts.send_absence_alerts(as_of=today)
