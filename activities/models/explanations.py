"""Overdue items that can no longer be logged (the date is outside the back-filling window):
closed by a reasoned 未开展说明, or by a 补录申请 the party committee approves, after which
the branch may log the record with a date in that period. Either one, while in force, turns
the item from 逾期 to 已说明 in compliance (explained, never counted as held)."""

import datetime

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from branches.models import Organization

from .records import FrequencyRule


class ExplanationQuerySet(ScopedQuerySet):
    def in_force(self):
        """Those that close their item: a filed explanation or an approved request (a pending
        request leaves the item open until the committee decides)."""
        return self.filter(status__in=OverdueExplanation.IN_FORCE)

    def allow_late_entry(self, organization_id: int, kind, held_on: datetime.date) -> bool:
        """Whether an approved 补录申请 of the branch covers a record of `kind` (an
        ActivityKind) on `held_on`: the back-filling window does not apply to it."""
        approved = self.filter(
            organization_id=organization_id,
            kind=OverdueExplanation.Kind.LATE_ENTRY,
            status=OverdueExplanation.Status.APPROVED,
            rule__kind=kind,
            year=held_on.year,
        ).values_list("period", "index")
        quarter = (held_on.month - 1) // 3 + 1
        index_of = {
            FrequencyRule.Period.MONTH: held_on.month,
            FrequencyRule.Period.QUARTER: quarter,
            FrequencyRule.Period.YEAR: 1,
        }
        return any(index_of.get(period) == index for period, index in approved)

    def open(self):
        """At most one per item (a named constraint): in force, or awaiting a decision."""
        return self.filter(status__in=OverdueExplanation.OPEN)


class OverdueExplanation(models.Model):
    class Kind(models.TextChoices):
        NOT_HELD = "not_held", "未开展说明"
        LATE_ENTRY = "late_entry", "补录申请"

    class Status(models.TextChoices):
        FILED = "filed", "已说明"
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准补录"
        REJECTED = "rejected", "未批准"

    IN_FORCE = (Status.FILED, Status.APPROVED)
    OPEN = (Status.FILED, Status.PENDING, Status.APPROVED)

    organization = models.ForeignKey(
        Organization,
        verbose_name="党组织",
        on_delete=models.PROTECT,
        related_name="overdue_explanations",
    )
    rule = models.ForeignKey(
        FrequencyRule, verbose_name="频次规则", on_delete=models.PROTECT, related_name="+"
    )
    # The period the rule missed: FrequencyRule.Period value, year, and month/quarter (1 for
    # a year), as the compliance engine names it.
    period = models.CharField("周期", max_length=10, choices=FrequencyRule.Period.choices)
    year = models.PositiveSmallIntegerField("年度")
    index = models.PositiveSmallIntegerField("月份或季度")
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices, db_index=True)
    reason = models.TextField("理由", max_length=500)
    decision_comment = models.CharField("审批意见", max_length=300, blank=True)
    requested_by = models.ForeignKey(
        "accounts.User", verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name="审批人",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    objects = ExplanationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "逾期事项说明"
        verbose_name_plural = "逾期事项说明"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "rule", "year", "index"],
                condition=models.Q(status__in=["filed", "pending", "approved"]),
                name="activities_overdueexplanation_one_in_force",
            ),
        ]

    def __str__(self):
        return f"{self.organization.display_name} {self.period_label} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("activities:overdueexplanation-detail", args=[self.pk])

    @property
    def period_label(self) -> str:
        if self.period == FrequencyRule.Period.MONTH:
            return f"{self.year}年{self.index}月"
        if self.period == FrequencyRule.Period.QUARTER:
            return f"{self.year}年第{self.index}季度"
        return f"{self.year}年"
