"""Consent of partner branches to a joint activity (联合开展).

A record may name other branches as partners (`Activity.joint_organizations`); each named
branch is one `JointParticipation`. The partner's participation counts (compliance, cockpit,
indicators, year-end) only once it is 已确认: by the partner branch itself or a committee
above it (anyone who may keep its records). A partner in the recorder's own subtree, where
the recorder may act, is confirmed on saving; one outside it waits (待确认) until its side
confirms or declines with a reason.
"""

from django.db import models
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from branches.models import Organization


class JointParticipationQuerySet(ScopedQuerySet):
    # The partner's side: a partnership is the partner's business (its queue, its consent).
    scope_field = "organization"

    def confirmed(self):
        return self.filter(status=JointParticipation.Status.CONFIRMED)

    def pending(self):
        return self.filter(status=JointParticipation.Status.PENDING)


class JointParticipation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        CONFIRMED = "confirmed", "已确认"
        DECLINED = "declined", "已拒绝"

    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name="活动",
        on_delete=models.CASCADE,
        related_name="partnerships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="联合开展的党组织",
        on_delete=models.CASCADE,
        related_name="joint_partnerships",
    )
    status = models.CharField(
        "确认状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # Confirmed on saving because the recorder may act on the partner (same subtree).
    auto_confirmed = models.BooleanField("记录时自动确认", default=False)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name="确认人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    reason = models.CharField("拒绝原因", max_length=200, blank=True)

    objects = JointParticipationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        # The table Django made for the plain many-to-many field before consent existed.
        db_table = "activities_activity_joint_organizations"
        unique_together = [("activity", "organization")]
        verbose_name = "联合开展确认"
        verbose_name_plural = "联合开展确认"

    def __str__(self):
        return f"{self.organization} {self.get_status_display()}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("activities:jointparticipation-detail", args=[self.pk])
