"""Celery tasks of the year-end run: ids in, idempotent, the work done in
assessments/services/results.py.

The chunks are a Celery group; instead of a chord (which needs a result backend) the chunks
join on the run row: the chunk that finds no other chunk left enqueues the finaliser, on
commit. A redelivered chunk rewrites its own rows; a second finaliser rewrites the same
results. Eagerly (no broker) the whole run completes inside the request that started it.
"""

import logging

from celery import group, shared_task
from django.db import transaction

from .models import AssessmentRun
from .services import results, runs

logger = logging.getLogger(__name__)


@shared_task(name="assessments.dispatch_run")
def dispatch_run(run_id: int) -> None:
    """Send every chunk not yet done to the workers (all of them for a new run)."""
    run = AssessmentRun.objects.filter(pk=run_id).first()
    # A finished run, or one failed meanwhile (replaced while it waited for the broker),
    # is left alone; resuming a run queues it first.
    if run is None or not run.is_active:
        return
    numbers = list(run.chunks.filter(is_done=False).values_list("number", flat=True))
    if not numbers:
        run_finalise.delay(run_id)
        return
    group(run_chunk.si(run_id, number) for number in numbers).apply_async()


@shared_task(name="assessments.run_chunk")
def run_chunk(run_id: int, number: int) -> None:
    try:
        last = results.compute_chunk(run_id, number)
    except Exception as error:
        logger.exception("assessment run %s chunk %s failed", run_id, number)
        runs.fail_run(run_id, f"第{number}块计算出错：{error}")
        return
    if last:
        transaction.on_commit(lambda: run_finalise.delay(run_id))


@shared_task(name="assessments.run_finalise")
def run_finalise(run_id: int) -> None:
    try:
        results.finalise(run_id)
    except Exception as error:
        logger.exception("assessment run %s: finaliser failed", run_id)
        runs.fail_run(run_id, f"汇总出错：{error}")
