"""点菜 / 配菜: a branch orders a course from the menu, or staff assign one to a branch."""

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from branches.models import Organization

from .rules import Audience
from .teachers import Course


class CourseOrderQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=CourseOrder.OPEN_STATUSES)


class CourseOrder(models.Model):
    class Kind(models.TextChoices):
        ORDERED = "ordered", "点菜"
        ASSIGNED = "assigned", "配菜"

    class Status(models.TextChoices):
        PENDING = "pending", "待受理"
        ACCEPTED = "accepted", "已受理"
        RESCHEDULED = "rescheduled", "已改期"
        DECLINED = "declined", "已拒绝"
        SCHEDULED = "scheduled", "已排课"

    # Statuses from which staff may still accept, reschedule, decline or schedule.
    OPEN_STATUSES = (Status.PENDING, Status.ACCEPTED, Status.RESCHEDULED)

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.PROTECT, related_name="course_orders"
    )
    course = models.ForeignKey(
        Course, verbose_name="课程", on_delete=models.PROTECT, related_name="orders"
    )
    kind = models.CharField("方式", max_length=10, choices=Kind.choices, default=Kind.ORDERED)
    wished_on = models.DateField("期望日期")
    audience = models.CharField(
        "对象", max_length=20, choices=Audience.choices, default=Audience.ALL_MEMBERS
    )
    note = models.CharField("需求说明", max_length=300, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField("理由", max_length=300, blank=True)
    scheduled_on = models.DateField("安排日期", null=True, blank=True)
    training_class = models.ForeignKey(
        "training.TrainingClass",
        verbose_name="培训班",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords()
    objects = CourseOrderQuerySet.as_manager()

    class Meta:
        verbose_name = "课程点单"
        verbose_name_plural = "课程点单"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "wished_on"])]

    def __str__(self):
        return f"{self.organization.display_name}：{self.course.title}"

    def get_absolute_url(self):
        return reverse("training:courseorder-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def planned_on(self):
        return self.scheduled_on or self.wished_on
