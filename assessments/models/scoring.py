"""The year-end assessment (述职评议考核): schemes of weighted indicators per year and target,
and the inputs reviewers give (民主测评 votes, 述职 reports, manual scores and overrides).
The versioned aggregation runs, their results and the score cards are models/runs.py.

The rules that an administrator may change (weights, maxima, caps, thresholds, the quota for
好, the 民主测评 formula) are rows. Writes go through `assessments/services/`; the run
machinery is `assessments/services/results.py` and `assessments/tasks.py`.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from alxa_dangjian.core.files import StoredFile
from branches.models import Organization

SAMPLE_LABEL = "示例，请按工委文件调整"


class Target(models.TextChoices):
    BRANCH = "branch", "党支部"
    COMMITTEE = "committee", "基层党委"


# The organisation types assessed under each target (临时党支部 are not assessed).
TARGET_TYPES = {
    Target.BRANCH: (Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH),
    Target.COMMITTEE: (
        Organization.Type.COMMITTEE,
        Organization.Type.ORGAN_COMMITTEE,
        Organization.Type.GENERAL_BRANCH,
    ),
}


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "好"
    GOOD = "good", "较好"
    FAIR = "fair", "一般"
    POOR = "poor", "差"


GRADE_ORDER = [Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR]


class AssessmentScheme(models.Model):
    """One year's scoring sheet for one target. Every change bumps `version`; a run records
    the version and a snapshot of the sheet it used."""

    year = models.PositiveSmallIntegerField("年度")
    target = models.CharField("考核对象", max_length=20, choices=Target.choices)
    name = models.CharField("方案名称", max_length=100)
    note = models.CharField("说明", max_length=300, blank=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    # 民主测评: points per vote of each grade (out of 100); the part earns the indicator's
    # weight × Σ(votes × points) / (all votes × 100).
    vote_points_excellent = models.DecimalField(
        "测评“好”每票分值", max_digits=5, decimal_places=2, default=Decimal("100")
    )
    vote_points_good = models.DecimalField(
        "测评“较好”每票分值", max_digits=5, decimal_places=2, default=Decimal("80")
    )
    vote_points_fair = models.DecimalField(
        "测评“一般”每票分值", max_digits=5, decimal_places=2, default=Decimal("60")
    )
    vote_points_poor = models.DecimalField(
        "测评“差”每票分值", max_digits=5, decimal_places=2, default=Decimal("0")
    )
    # At most this share (0–1) or this number of the assessed organisations may be graded 好.
    excellent_quota_share = models.DecimalField(
        "“好”等次比例上限", max_digits=4, decimal_places=3, null=True, blank=True
    )
    excellent_quota_count = models.PositiveIntegerField("“好”等次名额上限", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ["-year", "target"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "target"], name="assessments_assessmentscheme_one_per_target"
            ),
            models.CheckConstraint(
                condition=Q(excellent_quota_share__isnull=True)
                | Q(excellent_quota_share__gte=0, excellent_quota_share__lte=1),
                name="assessments_assessmentscheme_quota_share_range",
            ),
        ]

    def __str__(self):
        return f"{self.year}年{self.get_target_display()}考核方案"

    def get_absolute_url(self):
        return reverse("assessments:assessmentscheme-detail", args=[self.pk])

    @property
    def vote_points(self) -> dict[str, Decimal]:
        return {
            Grade.EXCELLENT: self.vote_points_excellent,
            Grade.GOOD: self.vote_points_good,
            Grade.FAIR: self.vote_points_fair,
            Grade.POOR: self.vote_points_poor,
        }


class Indicator(models.Model):
    class Kind(models.TextChoices):
        GROUP = "group", "指标组"
        AUTO = "auto", "自动指标"
        MANUAL = "manual", "评审打分"
        DEMOCRATIC = "democratic", "民主测评"
        BONUS = "bonus", "加分项"
        DEDUCTION = "deduction", "扣分项"
        VETO = "veto", "一票否决"

    # Kinds whose weight counts towards the parent's (and the sheet's 100 points).
    WEIGHTED = (Kind.GROUP, Kind.AUTO, Kind.MANUAL, Kind.DEMOCRATIC)
    CAPPED = (Kind.BONUS, Kind.DEDUCTION)

    scheme = models.ForeignKey(
        AssessmentScheme,
        verbose_name="考核方案",
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级指标",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField("指标名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    auto_code = models.CharField("自动指标", max_length=40, blank=True)
    weight = models.DecimalField("分值（权重）", max_digits=6, decimal_places=2, default=0)
    # Manual: the raw score a reviewer gives runs 0..max_score and is scaled to the weight.
    # Auto with a plain value (e.g. a rating level): the value that earns the full weight.
    max_score = models.DecimalField(
        "满分/满分对应值", max_digits=8, decimal_places=2, null=True, blank=True
    )
    cap = models.DecimalField("加/扣分上限", max_digits=6, decimal_places=2, null=True, blank=True)
    description = models.CharField("评分说明", max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"
        ordering = ["scheme", "sort_order", "pk"]

    def __str__(self):
        return self.name

    @property
    def is_weighted(self) -> bool:
        return self.kind in self.WEIGHTED

    @property
    def takes_entry(self) -> bool:
        """Whether a reviewer may enter a score for it (an override, for an auto number)."""
        return self.kind in (
            self.Kind.AUTO,
            self.Kind.MANUAL,
            self.Kind.BONUS,
            self.Kind.DEDUCTION,
            self.Kind.VETO,
        )

    @property
    def entry_maximum(self) -> Decimal:
        if self.kind == self.Kind.MANUAL:
            return self.max_score or self.weight
        if self.kind == self.Kind.AUTO:
            return self.weight
        if self.kind in self.CAPPED:
            return self.cap or Decimal(0)
        return Decimal(1)


class GradeThreshold(models.Model):
    """The lowest total that earns a grade under a scheme."""

    scheme = models.ForeignKey(
        AssessmentScheme,
        verbose_name="考核方案",
        on_delete=models.CASCADE,
        related_name="thresholds",
    )
    grade = models.CharField("等次", max_length=20, choices=Grade.choices)
    min_score = models.DecimalField("最低分", max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = "等次分数线"
        verbose_name_plural = "等次分数线"
        ordering = ["-min_score"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "grade"], name="assessments_gradethreshold_one_per_grade"
            )
        ]

    def __str__(self):
        return f"{self.get_grade_display()} ≥ {self.min_score}"


class DemocraticVote(models.Model):
    """民主测评: how many voters graded the organisation 好/较好/一般/差 in a year."""

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    excellent = models.PositiveIntegerField("好（票）", default=0)
    good = models.PositiveIntegerField("较好（票）", default=0)
    fair = models.PositiveIntegerField("一般（票）", default=0)
    poor = models.PositiveIntegerField("差（票）", default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "民主测评"
        verbose_name_plural = "民主测评"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="assessments_democraticvote_once_a_year"
            )
        ]

    def __str__(self):
        return f"{self.organization} {self.year}年民主测评"

    @property
    def total(self) -> int:
        return self.excellent + self.good + self.fair + self.poor

    def counts(self) -> dict[str, int]:
        return {
            Grade.EXCELLENT: self.excellent,
            Grade.GOOD: self.good,
            Grade.FAIR: self.fair,
            Grade.POOR: self.poor,
        }


def duty_report_path(instance, filename):
    return f"assessments/{instance.year}/{uuid.uuid4().hex}"


class DutyReport(StoredFile):
    """The secretary's written 述职 report for a year: stored as uploaded, served scoped."""

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    file = models.FileField("文件", upload_to=duty_report_path, max_length=200)

    objects = ScopedQuerySet.as_manager()
    # A removed file leaves a record: who removed what, when and why.
    history = HistoricalRecords(excluded_fields=["file"])

    class Meta(StoredFile.Meta):
        verbose_name = "述职报告"
        verbose_name_plural = "述职报告"

    def get_absolute_url(self):
        return reverse("assessments:dutyreport-download", args=[self.pk])


class ScoreEntry(models.Model):
    """A reviewer's score for one indicator and organisation: the score of a manual
    indicator, bonus or deduction points, a veto (1 = vetoed), or an override of an auto
    number. Always with a reason; every change is kept in history."""

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="+"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name="考核指标", on_delete=models.CASCADE, related_name="entries"
    )
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)
    reason = models.CharField("理由", max_length=300)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评分人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评审得分"
        verbose_name_plural = "评审得分"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "indicator"], name="assessments_scoreentry_one_per_org"
            )
        ]

    def __str__(self):
        return f"{self.indicator.name}：{self.score}"
