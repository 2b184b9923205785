from django.db import models


class WorkerHeartbeat(models.Model):
    """Last sign of life from each Celery worker, written by a beat-scheduled task."""

    hostname = models.CharField("工作节点", max_length=200, unique=True)
    seen_at = models.DateTimeField("最近心跳")

    class Meta:
        verbose_name = "任务节点心跳"
        verbose_name_plural = "任务节点心跳"

    def __str__(self):
        return self.hostname


class PersonalDataLog(models.Model):
    """Who saw or exported personal data (full ID numbers), when, and what (PIPL)."""

    class Action(models.TextChoices):
        REVEAL = "reveal", "查看完整身份证号"
        EXPORT = "export", "导出含身份证号的台账"

    user = models.ForeignKey(
        "accounts.User", verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    subject = models.CharField("对象", max_length=200)
    detail = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "个人信息访问记录"
        verbose_name_plural = "个人信息访问记录"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} {self.get_action_display()} {self.subject}"
