import uuid

from django.db import models
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import ScopedQuerySet


def stored_file_path(batch, filename: str) -> str:
    # A random name: the original (often a person's or a branch's name) stays in the database.
    return f"imports/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ImportBatchQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """A batch holds one person's upload: the uploader sees it, and so do the roles that
        publish (staff, system administrators) within their subtree."""
        if not user.is_authenticated:
            return self.none()
        batches = super().visible_to(user)
        if user.may(roles.PUBLISH):
            return batches
        return batches.filter(created_by=user)


class ImportBatch(models.Model):
    """One uploaded Excel file: checked (previewed), then committed all at once or not at all."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "待确认"
        COMMITTED = "committed", "已导入"
        FAILED = "failed", "有错误"

    importer = models.CharField("导入类型", max_length=40)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    # The uploader's organisation at upload time: the batch lives in that subtree.
    organization = models.ForeignKey(
        "branches.Organization",
        verbose_name="上传人所属党组织",
        on_delete=models.PROTECT,
        related_name="+",
    )
    original_name = models.CharField("文件名", max_length=255)
    file = models.FileField("文件", upload_to=stored_file_path, max_length=255, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.PREVIEWED
    )
    row_count = models.PositiveIntegerField("数据行数", default=0)
    error_count = models.PositiveIntegerField("问题数", default=0)
    # [{"row": 5, "column": "出生日期", "message": "日期格式不正确，应为 2024-01-31"}, …]
    errors = models.JSONField("问题", default=list, blank=True)
    # {"created": 3, "updated": 1, "unchanged": 10, "samples": [{"row", "action", "label"}]}
    summary = models.JSONField("预览摘要", default=dict, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    # Uploads hold full ID numbers: files go after EXPORT_FILE_RETENTION_DAYS like exports do;
    # the row stays as the log of who imported what.
    file_removed_at = models.DateTimeField("文件清理时间", null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("ledgers:importbatch-detail", args=[self.pk])

    @property
    def name(self) -> str:
        return self.original_name

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.PREVIEWED and not self.error_count and bool(self.file)

    @property
    def shown_errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)
