"""A background export keeps its heartbeat alive whatever its rows do (before the query,
after saving the workbook, and from a timer thread in between), the deploy-time backfill of
0005's new fields, and retry/cancel kept to the job's requester."""

import importlib
import threading
import time

import pytest
from django.apps import apps
from django.urls import reverse

from alxa_dangjian.ledgers import services
from alxa_dangjian.ledgers.models import ExportJob
from tests.ledgers.export_jobs import make_job, minutes_ago

pytestmark = pytest.mark.usefixtures("export_settings")


def heartbeat_of(job):
    return ExportJob.objects.values_list("heartbeat_at", flat=True).get(pk=job.pk)


def go_silent(job):
    """What the database shows after a phase that wrote no rows for 20 minutes."""
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=minutes_ago(20))


def heartbeat_threads():
    return [t for t in threading.enumerate() if t.name.startswith("export-heartbeat-")]


def test_the_heartbeat_is_touched_before_the_query_and_after_the_workbook_is_saved(
    secretary, members, monkeypatch
):
    job = make_job(secretary)
    seen = {}
    real_form, real_write, real_mine = (
        services._revalidated_form,
        services.write_ledger,
        services._still_mine,
    )

    def slow_form(job_):
        form = real_form(job_)
        go_silent(job_)
        return form

    def write(*args, **kwargs):
        seen["query"] = heartbeat_of(job)
        rows = real_write(*args, **kwargs)  # 4 rows: no progress step touches it
        go_silent(job)  # a slow wb.save
        return rows

    def still_mine(job_):
        seen["stored"] = heartbeat_of(job_)
        return real_mine(job_)

    monkeypatch.setattr(services, "_revalidated_form", slow_form)
    monkeypatch.setattr(services, "write_ledger", write)
    monkeypatch.setattr(services, "_still_mine", still_mine)
    services.run_export_job(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.progress_rows == 4
    assert seen["query"] > minutes_ago(1)
    assert seen["stored"] > minutes_ago(1)
    assert not job.is_stalled


@pytest.mark.django_db(transaction=True)
def test_the_timer_thread_keeps_the_heartbeat_alive_while_no_row_is_written(
    secretary, members, monkeypatch, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a real worker
    settings.EXPORT_HEARTBEAT_SECONDS = 0.02
    job = make_job(secretary)
    seen = {}
    real_write = services.write_ledger

    def long_query(*args, **kwargs):
        go_silent(job)
        seen["threads"] = len(heartbeat_threads())
        for _ in range(500):  # the thread beats within a few intervals
            if heartbeat_of(job) > minutes_ago(1):
                break
            time.sleep(0.02)
        seen["during"] = heartbeat_of(job)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(services, "write_ledger", long_query)
    services.run_export_job(job.pk)
    job.refresh_from_db()
    assert seen["threads"] == 1
    assert seen["during"] > minutes_ago(1)
    assert job.status == "done"
    assert heartbeat_threads() == []  # stopped with the job


def test_no_timer_thread_runs_in_eager_mode(secretary, members, monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EXPORT_HEARTBEAT_SECONDS = 0.02
    job = make_job(secretary)
    seen = {}
    real_write = services.write_ledger

    def write(*args, **kwargs):
        seen["threads"] = len(heartbeat_threads())
        return real_write(*args, **kwargs)

    monkeypatch.setattr(services, "write_ledger", write)
    services.run_export_job(job.pk)
    job.refresh_from_db()
    assert seen["threads"] == 0 and job.status == "done"


def test_the_beat_stays_well_under_the_stall_limit_whatever_is_configured(secretary, settings):
    job = make_job(secretary)
    settings.EXPORT_HEARTBEAT_SECONDS = 600
    assert services._Heartbeat(job).interval == 100  # a third of EXPORT_STALL_SECONDS
    settings.EXPORT_HEARTBEAT_SECONDS = 60
    assert services._Heartbeat(job).interval == 60


def test_an_overtaken_attempt_does_not_keep_the_new_one_alive(secretary):
    job = make_job(secretary, status="running", attempts=2, heartbeat_at=minutes_ago(20))
    mine = ExportJob(pk=job.pk, attempts=1)
    assert services._touch(mine, progress_rows=3) == 0
    job.refresh_from_db()
    assert job.heartbeat_at < minutes_ago(19) and job.progress_rows == 0
    assert services._touch(ExportJob(pk=job.pk, attempts=2)) == 1
    assert heartbeat_of(job) > minutes_ago(1)


# --- The backfill of 0005's fields -----------------------------------------------------------


def test_the_backfill_gives_pending_jobs_their_times_and_leaves_the_rest(secretary):
    migration = importlib.import_module(
        "alxa_dangjian.ledgers.migrations.0006_backfill_export_heartbeat"
    )
    started, created = minutes_ago(3), minutes_ago(4)
    queued = make_job(secretary, status="queued", sent_at=None)
    running = make_job(
        secretary, status="running", sent_at=None, started_at=started, heartbeat_at=None
    )
    unstarted = make_job(secretary, status="running", sent_at=None, heartbeat_at=None)
    done = make_job(secretary, status="done", sent_at=None)
    sent = make_job(secretary, status="queued")
    ExportJob.objects.filter(pk__in=[queued.pk, running.pk, unstarted.pk]).update(
        created_at=created
    )
    before = {j.pk: (j.sent_at, j.heartbeat_at) for j in (done, sent)}

    migration.backfill(apps, None)

    for job in (queued, running, unstarted, done, sent):
        job.refresh_from_db()
    assert (queued.sent_at, queued.heartbeat_at) == (created, None)
    assert (running.sent_at, running.heartbeat_at) == (created, started)
    assert (unstarted.sent_at, unstarted.heartbeat_at) == (created, created)
    assert {j.pk: (j.sent_at, j.heartbeat_at) for j in (done, sent)} == before
    assert not running.is_stalled and not queued.is_unsent


# --- Retry and cancel are the requester's ----------------------------------------------------


@pytest.mark.parametrize("action", ["ledgers:exportjob-retry", "ledgers:exportjob-cancel"])
def test_staff_who_see_the_export_cannot_retry_or_cancel_it(
    client, secretary, staff, system_admin, members, action
):
    failed = make_job(secretary, status="failed", error="生成过程多次中断", attempts=3)
    queued = make_job(secretary, status="queued")
    for user in (staff, system_admin):
        client.force_login(user)
        page = client.get(failed.get_absolute_url())
        assert page.status_code == 200  # they oversee it
        assert 'data-testid="export-retry"' not in page.content.decode()
        for job in (failed, queued):
            assert client.post(reverse(action, args=[job.pk])).status_code == 404
    failed.refresh_from_db()
    queued.refresh_from_db()
    assert (failed.status, failed.attempts, queued.status) == ("failed", 3, "queued")
    client.force_login(secretary)
    page = client.get(failed.get_absolute_url()).content.decode()
    assert 'data-testid="export-retry"' in page
