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


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """A user's own notifications: nobody else's are ever reachable, whatever the role."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message (the bell); `item_key` + `day` make a reminder arrive once a day."""

    user = models.ForeignKey(
        "accounts.User", verbose_name="接收人", on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    # What the message is about (e.g. one rule-period of one branch), so a daily task that
    # runs twice, or is redelivered, adds nothing the second time.
    item_key = models.CharField("事项标识", max_length=200)
    day = models.DateField("日期")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "item_key", "day"], name="core_notification_once_per_item_and_day"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="core_notif_user_unread_idx"),
            models.Index(fields=["day", "item_key"], name="core_notif_day_item_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
