"""Export screens and background jobs: small exports download at once, large ones become a
job with progress and a private download link; every export is logged."""

import datetime
import io
import os

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from alxa_dangjian.core.models import PersonalDataLog
from alxa_dangjian.ledgers import services
from alxa_dangjian.ledgers.models import ExportJob
from alxa_dangjian.ledgers.registry import all_ledgers
from alxa_dangjian.ledgers.tasks import run_export
from tests.factories import MemberFactory, UserFactory

ROSTER_URL = reverse("ledgers:ledger-export", args=["member-roster"])


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def members(branch_a):
    return MemberFactory.create_batch(6, organization=branch_a)


@pytest.fixture
def background(settings):
    """Every export with more than 3 rows becomes a background job."""
    settings.LEDGER_SYNC_MAX_ROWS = 3


def read(response):
    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content)).active


def queue_roster(client, django_capture_on_commit_callbacks, **params):
    """POST an export that is too large for a direct download; the task runs on commit."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ROSTER_URL, params)
    assert response.status_code == 302
    job = ExportJob.objects.latest("pk")
    assert response.url == job.get_absolute_url()
    job.refresh_from_db()
    return job


# --- ledger list and form ----------------------------------------------------------------


def test_ledger_list_names_the_four_branch_ledgers(client, secretary):
    client.force_login(secretary)
    response = client.get(reverse("ledgers:ledger-list"))
    assert response.status_code == 200
    body = response.content.decode()
    for title in ("党员花名册", "党组织台账", "换届台账", "发展党员台账"):
        assert title in body
    assert {"member-roster", "organizations", "terms", "development"} <= {
        ledger.code for ledger in all_ledgers()
    }


def test_export_form_shows_the_filters_of_the_users_scope(client, committee_admin, branch_b):
    client.force_login(committee_admin)
    response = client.get(ROSTER_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "甲局第一党支部" in body and "甲局第二党支部" in body
    assert branch_b.name not in body
    assert "包含完整的身份证号码" in body  # a reviewing role may ask for full numbers


def test_unknown_ledger_is_a_404(client, secretary):
    client.force_login(secretary)
    url = reverse("ledgers:ledger-export", args=["no-such-ledger"])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def test_wrong_methods_are_refused(client, secretary, members):
    client.force_login(secretary)
    assert client.put(ROSTER_URL).status_code == 405
    assert client.post(reverse("ledgers:ledger-list")).status_code == 405
    assert client.post(reverse("ledgers:exportjob-list")).status_code == 405
    assert not ExportJob.objects.exists()


def test_user_without_an_organisation_cannot_export(client, db):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True, organization=None)
    client.force_login(superuser)
    assert client.post(ROSTER_URL).status_code == 404


# --- the small export: at once, logged -------------------------------------------------------


def test_small_export_downloads_at_once_and_is_logged(client, secretary, members):
    client.force_login(secretary)
    response = client.post(ROSTER_URL, {"standing": "normal"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert len(list(read(response).iter_rows(min_row=4))) == 6
    job = ExportJob.objects.get()
    assert (job.requested_by, job.ledger, job.status) == (secretary, "member-roster", "done")
    assert (job.total_rows, job.progress_rows, job.is_background) == (6, 6, False)
    assert job.params == {"standing": "normal"}
    assert "党籍状态：正常" in job.scope
    assert not job.file  # nothing kept on disk
    assert job.finished_at >= job.started_at


# --- the large export: a background job ------------------------------------------------------


def test_large_export_becomes_a_job_with_progress_and_a_private_file(
    client, secretary, members, background, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    client.force_login(secretary)
    with CaptureQueriesContext(connection) as queries:
        job = queue_roster(client, django_capture_on_commit_callbacks)
    progress_updates = [
        q["sql"] for q in queries if q["sql"].startswith('UPDATE "ledgers_exportjob" SET "progress')
    ]
    assert len(progress_updates) >= 3  # every 2 rows of 6, and once at the end
    assert job.status == ExportJob.Status.DONE and job.is_background
    assert (job.total_rows, job.progress_rows, job.percent) == (6, 6, 100)
    assert job.file.name.startswith("exports/")

    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    download_url = reverse("ledgers:exportjob-download", args=[job.pk])
    assert download_url in page.content.decode()
    response = client.get(download_url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    sheet = read(response)
    assert sheet["A1"].value == "党员花名册"
    assert {row[0] for row in sheet.iter_rows(min_row=4, values_only=True)} == {
        m.name for m in members
    }


def test_job_page_polls_until_the_job_is_finished(client, secretary, branch_a):
    job = ExportJob.objects.create(
        requested_by=secretary,
        organization=branch_a,
        ledger="member-roster",
        name="党员花名册",
        total_rows=8000,
        progress_rows=2000,
        status=ExportJob.Status.RUNNING,
        is_background=True,
    )
    client.force_login(secretary)
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in page and "25%" in page and "2000 / 8000" in page
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="export-status"') and "<html" not in body
    ExportJob.objects.filter(pk=job.pk).update(status="done", progress_rows=8000)
    done = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "100%" in done


def test_job_pages_belong_to_the_requester_and_staff(
    client, secretary, committee_admin, staff, system_admin, outsider, members, background,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(secretary)
    job = queue_roster(client, django_capture_on_commit_callbacks)
    urls = [job.get_absolute_url(), reverse("ledgers:exportjob-download", args=[job.pk])]
    colleague = UserFactory(role="secretary", organization=secretary.organization)
    for user in (committee_admin, colleague, outsider):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [404, 404], user
        assert job.name not in client.get(reverse("ledgers:exportjob-list")).content.decode()
    for user in (secretary, staff, system_admin):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [200, 200], user


def test_download_of_a_job_without_a_file_is_a_404(client, secretary, members):
    client.force_login(secretary)
    client.post(ROSTER_URL)  # small: downloaded at once, no file kept
    job = ExportJob.objects.get()
    assert client.get(job.get_absolute_url()).status_code == 200
    assert client.get(reverse("ledgers:exportjob-download", args=[job.pk])).status_code == 404


def test_full_id_job_logs_the_export_and_each_download(
    client, committee_admin, staff, members, background, django_capture_on_commit_callbacks
):
    client.force_login(committee_admin)
    job = queue_roster(client, django_capture_on_commit_callbacks, full_id="on")
    assert job.includes_personal_data
    log = PersonalDataLog.objects.get()
    assert (log.user, log.action) == (committee_admin, "export")
    client.force_login(staff)
    sheet = read(client.get(reverse("ledgers:exportjob-download", args=[job.pk])))
    ids = {row[4] for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert ids == {m.id_number for m in members}
    assert list(PersonalDataLog.objects.values_list("user__username", flat=True)) == [
        "staff",
        "committee",
    ]


def test_rerunning_a_done_job_does_nothing(
    client, secretary, members, background, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    job = queue_roster(client, django_capture_on_commit_callbacks)
    file_name, finished_at = job.file.name, job.finished_at
    with CaptureQueriesContext(connection) as queries:
        run_export.delay(job.pk)
    assert len(queries) == 1  # the job is read, seen to be done, and left alone
    job.refresh_from_db()
    assert (job.file.name, job.finished_at) == (file_name, finished_at)


def test_a_job_left_running_by_a_lost_worker_is_rebuilt(client, secretary, members, branch_a):
    job = ExportJob.objects.create(
        requested_by=secretary,
        organization=branch_a,
        ledger="member-roster",
        name="党员花名册",
        status=ExportJob.Status.RUNNING,
        is_background=True,
    )
    run_export.delay(job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress_rows, job.total_rows) == ("done", 6, 6)


def test_a_job_whose_options_no_longer_fit_the_requester_fails_in_chinese(
    secretary, branch_a, branch_a2
):
    job = ExportJob.objects.create(
        requested_by=secretary,
        organization=branch_a,
        ledger="member-roster",
        name="党员花名册",
        params={"organization": branch_a2.pk},  # outside the secretary's branch
        is_background=True,
    )
    run_export.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert "导出条件已失效" in job.error and not job.file


def test_my_exports_lists_only_my_own_jobs(client, secretary, staff, members):
    client.force_login(staff)
    client.post(ROSTER_URL)
    client.force_login(secretary)
    client.post(ROSTER_URL)
    client.post(reverse("ledgers:ledger-export", args=["terms"]))
    response = client.get(reverse("ledgers:exportjob-list"))
    assert response.status_code == 200
    page = response.context["page"]
    assert [job.requested_by for job in page] == [secretary, secretary]
    assert [job.name for job in page] == ["换届台账", "党员花名册"]


def test_my_exports_queries_do_not_grow_with_rows(
    client, secretary, branch_a, django_assert_max_num_queries
):
    def add_jobs(n):
        ExportJob.objects.bulk_create(
            ExportJob(
                requested_by=secretary, organization=branch_a, ledger="terms", name="换届台账"
            )
            for _ in range(n)
        )

    client.force_login(secretary)
    add_jobs(3)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("ledgers:exportjob-list"))
    add_jobs(40)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("ledgers:exportjob-list"))
    assert len(small) == len(large)
    # session, user, user's organisation, count, page of jobs, unread notifications (nav bell).
    with django_assert_max_num_queries(6):
        client.get(reverse("ledgers:exportjob-list"))


def test_job_page_and_download_queries_are_fixed(
    client, secretary, members, background, django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):  # fmt: skip
    client.force_login(secretary)
    job = queue_roster(client, django_capture_on_commit_callbacks)
    # session, user, user's organisation, the job with its requester, the nav bell's count.
    with django_assert_max_num_queries(5):
        client.get(job.get_absolute_url())
    # session, user, user's organisation, the job.
    with django_assert_max_num_queries(4):
        client.get(reverse("ledgers:exportjob-download", args=[job.pk]))


# --- retention of export files ------------------------------------------------------------


def test_old_export_files_are_removed_and_the_log_is_kept(
    client, staff, members, background, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_FILE_RETENTION_DAYS = 7
    client.force_login(staff)
    old = queue_roster(client, django_capture_on_commit_callbacks)
    recent = queue_roster(client, django_capture_on_commit_callbacks)
    old_path = old.file.path
    assert old.can_download and recent.can_download
    now = timezone.now()
    ExportJob.objects.filter(pk=old.pk).update(finished_at=now - datetime.timedelta(days=8))
    ExportJob.objects.filter(pk=recent.pk).update(finished_at=now - datetime.timedelta(days=6))

    assert services.purge_export_files(now=now) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.file and old.file_removed_at == now
    assert (old.status, old.total_rows, old.requested_by) == (ExportJob.Status.DONE, 6, staff)
    assert not os.path.exists(old_path)
    assert recent.can_download and recent.file_removed_at is None
    # The old job's page says what happened; its download link is gone (404), not an error.
    page = client.get(old.get_absolute_url())
    assert "按保存期限（7天）清理" in page.content.decode()
    assert client.get(reverse("ledgers:exportjob-download", args=[old.pk])).status_code == 404
    assert client.get(reverse("ledgers:exportjob-download", args=[recent.pk])).status_code == 200
    # Nothing left to remove the second time; the nightly task is scheduled.
    assert services.purge_export_files(now=now) == 0
    entry = django_settings.CELERY_BEAT_SCHEDULE["export-file-retention"]
    assert entry["task"] == "ledgers.purge_export_files"


def test_a_file_already_missing_from_storage_is_still_marked_removed(
    client, staff, members, background, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    job = queue_roster(client, django_capture_on_commit_callbacks)
    os.remove(job.file.path)
    ExportJob.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=30)
    )
    assert services.purge_export_files() == 1
    job.refresh_from_db()
    assert not job.file and job.file_removed_at is not None
