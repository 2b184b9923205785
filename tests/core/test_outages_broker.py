"""Broker outages against the real broker and worker that .ci/run starts (marker `broker`):
an export committed while the broker was down is built by the worker once the sweeper sends
it, and a job whose worker was lost is built again by another."""

import datetime
import os
import time

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from alxa_dangjian.core import dispatch, sweeper
from alxa_dangjian.ledgers import services
from alxa_dangjian.ledgers import tasks as ledger_tasks
from alxa_dangjian.ledgers.models import ExportJob
from alxa_dangjian.ledgers.registry import get_ledger
from tests.factories import MemberFactory

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def real_worker():
    if not django_settings.CELERY_BROKER_URL or not os.environ.get("CELERY_WORKER_RUNNING"):
        pytest.skip("needs the worker that .ci/run starts")


def finished(job, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.5)
    pytest.fail(f"export job {job.pk} still {job.status} after {seconds} s")


def broker_down(*args, **kwargs):
    raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_an_export_committed_while_the_broker_was_down_is_built_after_the_sweep(
    secretary, branch_a, settings, monkeypatch
):
    settings.LEDGER_SYNC_MAX_ROWS = 3
    MemberFactory.create_batch(5, organization=branch_a)
    ledger = get_ledger("member-roster")
    form = ledger.params_form(data={}, user=secretary)
    assert form.is_valid(), form.errors
    with monkeypatch.context() as down:
        down.setattr(ledger_tasks.run_export, "delay", broker_down)
        job = services.request_export(ledger, form, by=secretary).job
    job.refresh_from_db()
    assert (job.status, job.sent_at, job.error) == ("queued", None, dispatch.NOT_SENT)
    earlier = timezone.now() - datetime.timedelta(minutes=5)
    ExportJob.objects.filter(pk=job.pk).update(created_at=earlier)
    assert sweeper.sweep()["exports"] == 1
    assert finished(job).status == "done" and job.progress_rows == 5 and job.error == ""


def test_a_job_whose_worker_was_lost_is_built_by_another(secretary, branch_a):
    MemberFactory.create_batch(5, organization=branch_a)
    earlier = timezone.now() - datetime.timedelta(minutes=20)
    job = ExportJob.objects.create(
        requested_by=secretary,
        organization=branch_a,
        ledger="member-roster",
        name="党员花名册",
        is_background=True,
        status=ExportJob.Status.RUNNING,
        progress_rows=1,
        total_rows=5,
        attempts=1,
        sent_at=earlier,
        started_at=earlier,
        heartbeat_at=earlier,
    )
    assert sweeper.sweep()["exports"] == 1
    assert finished(job).status == "done" and job.attempts == 2
