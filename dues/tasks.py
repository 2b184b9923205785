import datetime

from celery import shared_task
from django.utils import timezone

from .services import alerts


@shared_task(name="dues.send_arrears_alerts", ignore_result=True)
def send_arrears_alerts(day: str | None = None) -> int:
    """Monthly or daily (celery beat): 警示 for 6 consecutive unpaid months. Idempotent."""
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return alerts.send_arrears_alerts(as_of=today)
