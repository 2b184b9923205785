import datetime
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import ScopedQuerySet

from .imports.models import ImportBatch  # noqa: F401


def export_file_path(job, filename: str) -> str:
    # A random name: files are never served by URL, only streamed by a view that checks access.
    return f"exports/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ExportJobQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """An export holds one person's data request: the requester sees it, and so do the
        roles that publish (staff, system administrators) within their subtree."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        jobs = super().visible_to(user)
        if user.may(roles.PUBLISH):
            return jobs
        return jobs.filter(requested_by=user)


class ExportJob(models.Model):
    """One ledger export: the log of who exported what and when, and for large exports the
    background job that builds the file (small ones are recorded here once downloaded)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"

    requested_by = models.ForeignKey(
        "accounts.User", verbose_name="导出人", on_delete=models.PROTECT, related_name="+"
    )
    # The requester's organisation at request time: the export lives in that subtree.
    organization = models.ForeignKey(
        "branches.Organization",
        verbose_name="导出人所属党组织",
        on_delete=models.PROTECT,
        related_name="+",
    )
    ledger = models.CharField("台账代码", max_length=50)
    name = models.CharField("台账名称", max_length=100)
    scope = models.CharField("导出范围", max_length=300, blank=True)
    params = models.JSONField("导出条件", default=dict, blank=True)
    includes_personal_data = models.BooleanField("含完整身份证号码", default=False)
    is_background = models.BooleanField("后台生成", default=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    progress_rows = models.PositiveIntegerField("已写入行数", default=0)
    file = models.FileField("文件", upload_to=export_file_path, max_length=255, blank=True)
    error = models.CharField("错误信息", max_length=500, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Files are kept EXPORT_FILE_RETENTION_DAYS days; the row stays as the export's log.
    file_removed_at = models.DateTimeField("文件清理时间", null=True, blank=True)
    # When the task was handed to the broker: a queued job without it was never sent (the
    # broker was down) and the sweeper sends it (alxa_dangjian.ledgers.sweeper).
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    # Touched when a worker starts the job, with each progress step and every
    # EXPORT_HEARTBEAT_SECONDS while it works: a running job silent for EXPORT_STALL_SECONDS
    # lost its worker.
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    # Times a worker started building the file; the result of an earlier attempt is dropped.
    attempts = models.PositiveSmallIntegerField("生成次数", default=0)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "台账导出记录"
        verbose_name_plural = "台账导出记录"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]

    def __str__(self):
        return f"{self.name}（{self.get_status_display()}）"

    def get_absolute_url(self):
        return reverse("ledgers:exportjob-detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)

    @property
    def is_unsent(self) -> bool:
        """Queued while the broker could not be reached: the sweeper sends it later."""
        return self.is_background and self.status == self.Status.QUEUED and not self.sent_at

    @property
    def is_stalled(self) -> bool:
        """Running, and silent for longer than a worker ever is: its worker was lost."""
        if self.status != self.Status.RUNNING:
            return False
        timeout = datetime.timedelta(seconds=settings.EXPORT_STALL_SECONDS)
        last = self.heartbeat_at or self.started_at or self.created_at
        return last is not None and timezone.now() - last > timeout

    @property
    def can_cancel(self) -> bool:
        return self.is_background and self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def can_retry(self) -> bool:
        if not self.is_background:
            return False
        finished = self.status in (self.Status.FAILED, self.Status.CANCELLED)
        return finished or self.is_stalled or self.is_unsent

    @property
    def can_download(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.progress_rows * 100 // self.total_rows)

    @property
    def download_name(self) -> str:
        stamp = timezone.localtime(self.finished_at or self.created_at)
        return f"{self.name}_{stamp:%Y%m%d_%H%M}.xlsx"
