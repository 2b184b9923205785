"""League-wide training rules (DOMAIN.md §7): the yearly scheme ("2+1+10+N") of ordered
components, the yearly minimum hours per audience, and how attendance turns into 学时.
All are rows that the work committee's staff edit; none belongs to a subtree."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.core import rules


class CourseForm(models.TextChoices):
    THEORY = "theory", "理论课程"
    PRACTICE = "practice", "实践课程"
    ONLINE = "online", "网络课程"
    HANDS_ON = "hands_on", "实操课堂"
    EXCHANGE = "exchange", "交流课堂"


class Audience(models.TextChoices):
    ALL_MEMBERS = "all_members", "全体党员"
    COMMITTEE = "committee", "书记和支委"
    PARTY_WORKERS = "party_workers", "党务干部"
    ACTIVISTS = "activists", "入党积极分子"
    NEW_MEMBERS = "new_members", "新党员"


class TrainingSchemeQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(year=year)


class TrainingScheme(models.Model):
    """A year's rotation model, e.g. "2+1+10+N": what each member's training consists of."""

    year = models.PositiveSmallIntegerField("年度")
    code = models.CharField("模式代码", max_length=30, default="2+1+10+N")
    name = models.CharField("名称", max_length=100)
    is_sample = models.BooleanField(
        "示例方案", default=False, help_text="示例内容，请按工委文件调整后取消此项。"
    )
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = TrainingSchemeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "培训模式"
        verbose_name_plural = "培训模式"
        ordering = ["-year", "code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "code"], name="training_scheme_unique_code"),
        ]

    def __str__(self):
        return f"{self.year}年 {self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("training:scheme-detail", args=[self.pk])


class SchemeComponent(models.Model):
    """One part of a scheme: a quantity (blank = N, open-ended) of a unit, in a course form,
    for an audience — "2 天 理论课程 全体党员"."""

    class Unit(models.TextChoices):
        DAY = "day", "天"
        HOUR = "hour", "学时"
        CLASS = "class", "期"
        TOPIC = "topic", "专题"
        SESSION = "session", "次"

    scheme = models.ForeignKey(
        TrainingScheme, verbose_name="培训模式", on_delete=models.CASCADE, related_name="components"
    )
    order = models.PositiveSmallIntegerField("顺序")
    quantity = models.PositiveSmallIntegerField(
        "数量", null=True, blank=True, help_text="留空表示 N（不限数量）。"
    )
    unit = models.CharField("单位", max_length=10, choices=Unit.choices)
    course_form = models.CharField("课程形式", max_length=20, choices=CourseForm.choices)
    audience = models.CharField(
        "对象", max_length=20, choices=Audience.choices, default=Audience.ALL_MEMBERS
    )
    description = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "培训模式组成"
        verbose_name_plural = "培训模式组成"
        ordering = ["scheme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "order"], name="training_schemecomponent_unique_order"
            ),
        ]

    def __str__(self):
        return f"{self.quantity_display}{self.get_unit_display()}{self.get_course_form_display()}"

    @property
    def quantity_display(self) -> str:
        return "N" if self.quantity is None else str(self.quantity)

    @property
    def is_open_ended(self) -> bool:
        return self.quantity is None


class HourRuleQuerySet(models.QuerySet):
    def minimums_for(self, year: int) -> dict[str, int]:
        """{audience: minimum 学时} in force in `year` (the latest row from that year or before)."""
        minimums: dict[str, int] = {}
        for audience, minimum in (
            self.filter(year__lte=year).order_by("year", "pk").values_list("audience", "minimum")
        ):
            minimums[audience] = minimum
        return minimums


class HourRule(models.Model):
    """At least `minimum` 学时 a year for an audience, from `year` on until a later row
    (党员教育管理工作条例 2019: every member 32, secretaries and committee members 56)."""

    year = models.PositiveSmallIntegerField("自年度起")
    audience = models.CharField("对象", max_length=20, choices=Audience.choices)
    minimum = models.PositiveSmallIntegerField("每年最少学时")
    source = models.CharField("依据", max_length=100, blank=True)

    objects = HourRuleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "学时要求"
        verbose_name_plural = "学时要求"
        ordering = ["-year", "audience", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "audience"], name="training_hourrule_unique_audience"
            ),
        ]

    def __str__(self):
        return f"{self.get_audience_display()}：每年不少于{self.minimum}学时（{self.year}年起）"

    def get_absolute_url(self):
        return reverse("training:hourrule-edit", args=[self.pk])


class HourCountingQuerySet(models.QuerySet):
    def for_year(self, year: int | None = None) -> "HourCounting":
        """The counting in force in `year` (latest row from that year or before); the
        customary 8/4/1 when no row exists."""
        year = year or datetime.date.today().year
        counting = self.filter(year__lte=year).order_by("-year", "-pk").first()
        return counting or HourCounting(year=year)


class HourCounting(models.Model):
    """How attendance is credited in 学时: a full day, a half day, otherwise per hour."""

    year = models.PositiveSmallIntegerField("自年度起", unique=True)
    full_day = models.DecimalField("全天计学时", max_digits=4, decimal_places=1, default=8)
    half_day = models.DecimalField("半天计学时", max_digits=4, decimal_places=1, default=4)
    per_hour = models.DecimalField("每小时计学时", max_digits=4, decimal_places=1, default=1)

    objects = HourCountingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "学时计算办法"
        verbose_name_plural = "学时计算办法"
        ordering = ["-year"]

    def __str__(self):
        return (
            f"{self.year}年起：全天{self.full_day}学时，半天{self.half_day}学时，"
            f"其余每小时{self.per_hour}学时"
        )

    def get_absolute_url(self):
        return reverse("training:hourcounting-edit", args=[self.pk])

    def clean(self):
        if (
            self.half_day is not None
            and self.full_day is not None
            and self.half_day > self.full_day
        ):
            raise ValidationError({"half_day": "半天的学时不能多于全天。"})

    def credit(self, *, days: int = 0, half_days: int = 0, hours: Decimal = Decimal(0)) -> Decimal:
        return self.full_day * days + self.half_day * half_days + self.per_hour * Decimal(hours)


# 学时达标率 reads the hour minimums when a run computes it; the counting and the scheme are
# applied when attendance is recorded (hours are stored), so a run records them for the trace.
rules.register(HourRule, feeds=["training-hours-met"])
rules.register(HourCounting)
rules.register(TrainingScheme)
rules.register(SchemeComponent)
