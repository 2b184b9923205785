"""The cockpit's background work. The task names keep their first home (`core.*`): beat
schedules and queued messages name them."""

import datetime

from celery import shared_task


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
