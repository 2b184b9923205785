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
