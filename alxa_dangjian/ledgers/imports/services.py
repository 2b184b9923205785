"""The two writes of an import: storing a checked upload as a batch, and committing it."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alxa_dangjian.accounts.models import User

from .base import MSG_WITHHELD, Importer, ImportResult
from .models import ImportBatch
from .registry import get_importer

logger = logging.getLogger(__name__)

_NAME_MAX = ImportBatch._meta.get_field("original_name").max_length


def _record(batch: ImportBatch, result: ImportResult) -> None:
    batch.row_count = result.row_count
    batch.error_count = len(result.errors)
    batch.errors = result.errors.as_json()
    batch.summary = result.summary()


@transaction.atomic
def preview_upload(importer: Importer, upload, *, by: User) -> ImportBatch:
    """Check an uploaded file and keep it as a batch awaiting confirmation (or listing its
    problems).  A file that cannot be read at all raises ``ValidationError`` and leaves
    nothing behind."""
    result = importer.check(upload, user=by)
    batch = ImportBatch(
        importer=importer.code,
        created_by=by,
        organization=by.organization,
        original_name=(upload.name or "")[-_NAME_MAX:],
        status=ImportBatch.Status.PREVIEWED if result.ok else ImportBatch.Status.FAILED,
    )
    _record(batch, result)
    upload.seek(0)
    batch.file.save(upload.name, upload, save=False)
    batch.save()
    return batch


class _Rejected(Exception):
    def __init__(self, result: ImportResult):
        self.result = result


class _Withheld(Exception):
    pass


def commit_batch(batch: ImportBatch, *, by: User) -> ImportBatch:
    """Write a previewed batch: the stored file is checked again (the database may have
    changed since the preview) and written in one transaction — every row or none."""
    importer = get_importer(batch.importer)
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.file_removed_at:
                raise ValidationError("上传的文件已按保存期限清理，请重新上传。")
            if not locked.can_commit:
                raise ValidationError("该批次已导入或存在问题，不能再次导入。")
            try:
                stored = locked.file.open("rb")
            except (FileNotFoundError, ValueError):
                raise ValidationError("上传的文件已不存在，请重新上传。") from None
            with stored:
                result = importer.check(stored, user=by)
            if not result.ok:
                raise _Rejected(result)
            if result.withheld:
                raise _Withheld
            importer.write(result, user=by)
            _record(locked, result)
            locked.status = ImportBatch.Status.COMMITTED
            locked.committed_at = timezone.now()
            locked.save()
    except _Rejected as rejected:
        # The transaction above is rolled back; only the batch learns what went wrong.
        _record(batch, rejected.result)
        batch.status = ImportBatch.Status.FAILED
        batch.save(update_fields=["row_count", "error_count", "errors", "summary", "status"])
        raise ValidationError(
            "数据在预览后发生了变化，重新检查发现 {n} 个问题，未导入任何数据。".format(
                n=batch.error_count
            )
        ) from None
    except _Withheld:
        # Neither the batch nor the message names the row: which number is held elsewhere
        # is for the upper organisation to see.
        batch.status = ImportBatch.Status.FAILED
        batch.save(update_fields=["status"])
        raise ValidationError(MSG_WITHHELD) from None
    return locked


def purge_import_files(now=None) -> int:
    """Delete the uploaded files of batches uploaded more than EXPORT_FILE_RETENTION_DAYS days
    ago: a member workbook holds full ID numbers, and the data it brought in lives in the
    database. Each batch row stays as the log of who imported what, with the day its file was
    removed; a batch still awaiting confirmation can then no longer be committed. Returns the
    number of files removed; a file already missing from storage counts as removed."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.EXPORT_FILE_RETENTION_DAYS)
    expired = ImportBatch.objects.exclude(file="").filter(created_at__lt=cutoff).order_by("pk")
    removed = 0
    for batch in expired.iterator():
        batch.file.delete(save=False)  # storage.delete ignores a file that is already gone
        ImportBatch.objects.filter(pk=batch.pk).update(file="", file_removed_at=now)
        removed += 1
    if removed:
        logger.info("Removed %s import files older than %s", removed, cutoff)
    return removed
