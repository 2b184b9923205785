"""学习强国 scores, imported from the platform's Excel exports (it has no public API): one row
per member and period — a month or a quarter of a year. The yearly total is the sum of a
year's periods; a member's year is kept in one kind of period so nothing counts twice."""

from django.db import models
from django.db.models import Q

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from branches.models import Member


class XuexiScoreQuerySet(ScopedQuerySet):
    scope_field = "member__organization"

    def in_year(self, year: int):
        return self.filter(year=year)


class XuexiScore(models.Model):
    class PeriodKind(models.TextChoices):
        MONTH = "month", "月度"
        QUARTER = "quarter", "季度"

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.CASCADE, related_name="xuexi_scores"
    )
    year = models.PositiveSmallIntegerField("年度")
    period_kind = models.CharField("周期类型", max_length=10, choices=PeriodKind.choices)
    # 1–12 for a month, 1–4 for a quarter.
    period = models.PositiveSmallIntegerField("周期")
    score = models.PositiveIntegerField("学习积分")
    imported_by = models.ForeignKey(
        "accounts.User",
        verbose_name="导入人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("导入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = XuexiScoreQuerySet.as_manager()

    class Meta:
        verbose_name = "学习强国积分"
        verbose_name_plural = "学习强国积分"
        ordering = ["-year", "member", "period_kind", "period", "pk"]
        indexes = [models.Index(fields=["year", "member"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year", "period_kind", "period"],
                name="training_xuexiscore_unique_period",
            ),
            models.CheckConstraint(
                condition=Q(period_kind="month", period__gte=1, period__lte=12)
                | Q(period_kind="quarter", period__gte=1, period__lte=4),
                name="training_xuexiscore_period",
            ),
        ]

    def __str__(self):
        return f"{self.member.name} {self.period_label}：{self.score}分"

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.period_kind, self.period)


QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")


def period_label(year: int, kind: str, period: int) -> str:
    if kind == XuexiScore.PeriodKind.QUARTER:
        return f"{year}年{QUARTER_NAMES[period - 1]}"
    return f"{year}年{period}月"
