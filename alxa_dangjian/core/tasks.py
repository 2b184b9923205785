import datetime
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


@shared_task(name="core.warm_cockpit", ignore_result=True)
def warm_cockpit() -> int:
    """Compute the root's and each party committee's cockpit before anyone asks for it."""
    from .cockpit.warm import warm_cockpits

    return warm_cockpits()


@shared_task(name="core.refresh_cockpit", ignore_result=True)
def refresh_cockpit(organization_id: int, year: int, end: str) -> None:
    """Compute one scope's cockpit whose inputs changed (a visitor was served the last one)."""
    from branches.models import Organization

    from .cockpit import CHARTS, FIGURES
    from .cockpit.base import Period, Scope, cached_cockpit

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is not None:
        period = Period.of(year, datetime.date.fromisoformat(end))
        cached_cockpit(Scope.of(organization), period, FIGURES, CHARTS)


@shared_task(name="core.sweep", ignore_result=True)
def sweep() -> dict:
    """Every minute (beat): send work queued while the broker was down, recover lost work."""
    from .sweeper import sweep as sweep_all

    return sweep_all()
