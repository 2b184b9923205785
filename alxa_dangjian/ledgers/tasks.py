from celery import shared_task

from . import services
from .imports import services as import_services


@shared_task(name="ledgers.run_export", ignore_result=True)
def run_export(job_id: int) -> None:
    """Build a queued ledger export; idempotent (a finished job is left alone)."""
    services.run_export_job(job_id)


@shared_task(name="ledgers.purge_export_files", ignore_result=True)
def purge_export_files() -> int:
    """Daily (beat): remove export files past their retention; the job rows stay."""
    return services.purge_export_files()


@shared_task(name="ledgers.purge_import_files", ignore_result=True)
def purge_import_files() -> int:
    """Daily (beat): remove uploaded import files past their retention; the batch rows stay."""
    return import_services.purge_import_files()
