import socket

from celery import shared_task
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task(name="core.heartbeat", bind=True, ignore_result=True)
def heartbeat(self) -> None:
    """Record that a worker is alive; idempotent (one row per worker, updated in place)."""
    # An eagerly run task has no worker name; it is then the web host reporting itself.
    hostname = self.request.hostname or socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"seen_at": timezone.now()}
    )


@shared_task(name="core.sweep", ignore_result=True)
def sweep() -> dict:
    """Every minute (beat): send work queued while the broker was down, recover lost work."""
    from .sweeper import sweep as sweep_all

    return sweep_all()
