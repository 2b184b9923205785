from celery import shared_task

from . import services


@shared_task(name="ledgers.run_export", ignore_result=True)
def run_export(job_id: int) -> None:
    """Build a queued ledger export; idempotent (a finished job is left alone)."""
    services.run_export_job(job_id)
