"""Uploaded import workbooks hold full ID numbers: their files are removed after the same
retention as export files, and the batch stays as the log of who imported what."""

import datetime
import os

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.ledgers.imports import services
from alxa_dangjian.ledgers.models import ImportBatch
from alxa_dangjian.ledgers.tasks import purge_import_files
from branches.models import Member
from tests.ledgers.bad_files.corpus import member_row, workbook_bytes


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_FILE_RETENTION_DAYS = 7


def upload(client, name, *rows):
    content = workbook_bytes([member_row(n) for n in rows])
    client.post(
        reverse("ledgers:importbatch-create", args=["members"]),
        {"file": SimpleUploadedFile(name, content)},
    )
    return ImportBatch.objects.latest("pk")


def uploaded_days_ago(batch, days, now):
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=now - datetime.timedelta(days=days))


def test_old_import_files_are_removed_and_the_batch_is_kept(client, secretary):
    client.force_login(secretary)
    old = upload(client, "旧名单.xlsx", 1, 2)
    recent = upload(client, "新名单.xlsx", 3)
    old_path = old.file.path
    now = timezone.now()
    uploaded_days_ago(old, 8, now)
    uploaded_days_ago(recent, 6, now)

    assert services.purge_import_files(now=now) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.file and old.file_removed_at == now
    assert (old.original_name, old.row_count, old.created_by) == ("旧名单.xlsx", 2, secretary)
    assert not os.path.exists(old_path)
    assert recent.file and os.path.exists(recent.file.path) and recent.file_removed_at is None
    assert services.purge_import_files(now=now) == 0


def test_a_purged_batch_says_so_and_can_no_longer_be_committed(client, secretary):
    client.force_login(secretary)
    batch = upload(client, "旧名单.xlsx", 1, 2)
    assert batch.can_commit
    uploaded_days_ago(batch, 30, timezone.now())
    services.purge_import_files()

    page = client.get(batch.get_absolute_url()).content.decode()
    assert "按保存期限（7天）清理，如需导入请重新上传" in page
    assert "确认导入" not in page
    response = client.post(reverse("ledgers:importbatch-commit", args=[batch.pk]), follow=True)
    assert "上传的文件已按保存期限清理，请重新上传。" in response.content.decode()
    assert not Member.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_a_file_already_missing_from_storage_is_still_marked_removed(client, secretary):
    client.force_login(secretary)
    batch = upload(client, "名单.xlsx", 1)
    os.remove(batch.file.path)
    uploaded_days_ago(batch, 30, timezone.now())
    assert purge_import_files.delay().get() == 1
    batch.refresh_from_db()
    assert not batch.file and batch.file_removed_at is not None


def test_the_purge_runs_nightly():
    entry = django_settings.CELERY_BEAT_SCHEDULE["import-file-retention"]
    assert entry["task"] == "ledgers.purge_import_files"
