"""Background exports whose worker was lost: detected by heartbeat age, built again by the
sweeper or failed after EXPORT_MAX_ATTEMPTS, and the requester's retry and cancel buttons."""

import pytest
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.core import sweeper
from alxa_dangjian.ledgers import services
from alxa_dangjian.ledgers.models import ExportJob
from alxa_dangjian.ledgers.tasks import run_export
from tests.ledgers.export_jobs import make_job, minutes_ago

pytestmark = pytest.mark.usefixtures("export_settings")


def stuck(user, *, attempts=1):
    """A job a worker started 20 minutes ago and has said nothing since (7% written)."""
    return make_job(
        user,
        status=ExportJob.Status.RUNNING,
        started_at=minutes_ago(20),
        heartbeat_at=minutes_ago(20),
        progress_rows=1,
        attempts=attempts,
    )


def test_a_job_whose_worker_was_lost_is_built_again_by_the_sweeper(secretary, members):
    job = stuck(secretary)
    assert job.is_stalled and job.can_retry
    assert sweeper.sweep()["exports"] == 1
    job.refresh_from_db()
    assert (job.status, job.progress_rows, job.attempts) == ("done", 4, 2)
    assert job.file
    assert sweeper.sweep()["exports"] == 0


def test_a_job_lost_too_often_fails_in_chinese_and_offers_retry(client, secretary, members):
    job = stuck(secretary, attempts=3)
    assert sweeper.sweep()["exports"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and "已尝试 3 次" in job.error
    client.force_login(secretary)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "已尝试 3 次" in page and 'data-testid="export-retry"' in page
    assert 'data-testid="export-cancel"' not in page


def test_a_job_with_a_fresh_heartbeat_is_left_to_its_worker(secretary, members):
    job = stuck(secretary)
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=minutes_ago(1))
    assert sweeper.sweep()["exports"] == 0
    run_export.delay(job.pk)  # a redelivered or duplicate message: the job is not taken over
    job.refresh_from_db()
    assert (job.status, job.progress_rows, job.attempts) == ("running", 1, 1)


def test_a_sent_job_no_worker_picked_up_is_sent_again(secretary, members):
    job = make_job(secretary, sent_at=minutes_ago(20))  # the message was lost with the broker
    assert sweeper.sweep()["exports"] == 1
    job.refresh_from_db()
    assert job.status == "done" and job.sent_at > minutes_ago(1)


def test_the_stalled_job_page_stops_polling_and_offers_retry_and_cancel(client, secretary, members):
    job = stuck(secretary)
    client.force_login(secretary)
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="export-stalled"' in page and 'hx-trigger="every 2s"' not in page
    assert 'data-testid="export-retry"' in page and 'data-testid="export-cancel"' in page
    assert 'data-confirm="确定取消该导出吗？' in page


def test_the_result_of_an_overtaken_attempt_is_dropped(secretary, members, monkeypatch):
    job = make_job(secretary)
    real = services.write_ledger

    def overtaken(*args, **kwargs):
        rows = real(*args, **kwargs)
        # Meanwhile the sweeper judged this worker lost and another one claimed the job.
        ExportJob.objects.filter(pk=job.pk).update(attempts=5)
        return rows

    monkeypatch.setattr(services, "write_ledger", overtaken)
    run_export.delay(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.file.name) == ("running", 5, "")


# --- Retry and cancel -----------------------------------------------------------------------


def retry_url(job):
    return reverse("ledgers:exportjob-retry", args=[job.pk])


def cancel_url(job):
    return reverse("ledgers:exportjob-cancel", args=[job.pk])


def test_the_requester_retries_a_failed_job(
    client, secretary, members, django_capture_on_commit_callbacks
):
    job = make_job(secretary, status="failed", error="生成过程多次中断", attempts=3)
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url(job))
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.status, job.error, job.progress_rows, job.attempts) == ("done", "", 4, 4)
    assert "已重新提交导出" in client.get(job.get_absolute_url()).content.decode()


def test_retry_respects_the_pending_cap(client, secretary, members, settings):
    settings.LEDGER_EXPORT_MAX_PENDING = 1
    make_job(secretary, status="queued")
    job = make_job(secretary, status="failed", error="x")
    client.force_login(secretary)
    client.post(retry_url(job))
    job.refresh_from_db()
    assert job.status == "failed"
    assert "1 个后台导出正在排队或生成" in client.get(job.get_absolute_url()).content.decode()


def test_a_running_job_with_a_live_worker_is_not_retried(client, secretary, members):
    job = stuck(secretary)
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    client.force_login(secretary)
    client.post(retry_url(job))
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)
    assert "无需重试" in client.get(job.get_absolute_url()).content.decode()


def test_the_requester_cancels_a_queued_job_and_no_file_is_built(client, secretary, members):
    job = make_job(secretary)
    client.force_login(secretary)
    response = client.post(cancel_url(job))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled" and job.is_finished and "取消" in job.error
    run_export.delay(job.pk)  # the message already in the queue
    job.refresh_from_db()
    assert job.status == "cancelled" and not job.file
    assert sweeper.sweep()["exports"] == 0
    page = client.get(job.get_absolute_url()).content.decode()
    assert "已取消" in page and 'data-testid="export-retry"' in page


def test_a_finished_job_cannot_be_cancelled(client, secretary, members):
    job = make_job(secretary, status="done")
    client.force_login(secretary)
    client.post(cancel_url(job))
    job.refresh_from_db()
    assert job.status == "done"
    assert "不能取消" in client.get(job.get_absolute_url()).content.decode()


def test_outsiders_get_404_and_nothing_changes(client, secretary, committee_admin, outsider):
    job = make_job(secretary)
    for user in (outsider, committee_admin):
        client.force_login(user)
        assert client.post(retry_url(job)).status_code == 404
        assert client.post(cancel_url(job)).status_code == 404
    job.refresh_from_db()
    assert job.status == "queued"


def test_retry_and_cancel_refuse_get(client, secretary):
    job = make_job(secretary, status="failed")
    client.force_login(secretary)
    assert client.get(retry_url(job)).status_code == 405
    assert client.get(cancel_url(job)).status_code == 405
    job.refresh_from_db()
    assert job.status == "failed"
