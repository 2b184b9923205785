"""最强党支部 ratings: the standards catalogue, annual rounds, applications with their item
scores and evidence, the titles awarded (and withdrawn), and 三期护航 supervision notes.

The flow is in `branches/services/ratings.py`, its rules in `branches/rules/ratings.py`; these
models hold one row's facts. Standards and rounds are league-wide (set by the work committee,
read by everyone); applications, titles and notes belong to an organisation and follow the
access rule.
"""

import itertools
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from alxa_dangjian.core.files import StoredFile
from alxa_dangjian.core.numbers import format_score

from .organizations import Organization

SAMPLE_MARK = "示例，请按工委文件调整"


class Level(models.TextChoices):
    """The ladder, lowest first: a higher level needs the one below it (same scope)."""

    STRONGEST = "strongest", "最强党支部"
    MODEL_POINT = "model_point", "示范点"
    MODEL_BASE = "model_base", "示范基地"


LADDER = [Level.STRONGEST, Level.MODEL_POINT, Level.MODEL_BASE]


class Scope(models.TextChoices):
    ORGAN = "organ", "盟直机关"
    LEAGUE = "league", "全盟"


class RatingStandard(models.Model):
    """One item of a year's standards catalogue, for one guidance category and aspect."""

    class Aspect(models.TextChoices):
        ORGANIZATION = "organization", "组织设置"
        TEAM = "team", "队伍建设"
        OPERATION = "operation", "运行机制"
        SUPPORT = "support", "基本保障"

    class FiveStrong(models.TextChoices):
        POLITICAL = "political", "政治功能强"
        TEAM = "team", "队伍建设强"
        LIFE = "life", "组织生活强"
        ROLE = "role", "作用发挥强"
        MASSES = "masses", "群众工作强"

    class Method(models.TextChoices):
        PASS_FAIL = "pass_fail", "达标制（达标得满分，不达标0分）"
        POINTS = "points", "计分制（0至满分）"
        DEDUCTION = "deduction", "扣分制（最多扣至上限）"

    year = models.PositiveSmallIntegerField("年度", db_index=True)
    code = models.CharField("编号", max_length=20)
    text = models.TextField("标准内容")
    category = models.CharField(
        "分类指导类别", max_length=20, choices=Organization.Category.choices
    )
    aspect = models.CharField("方面", max_length=20, choices=Aspect.choices)
    five_strong = models.CharField("五强", max_length=20, choices=FiveStrong.choices)
    method = models.CharField("计分方式", max_length=20, choices=Method.choices)
    # Pass/fail and points: the score of a fully met item; deduction: the most it may take off.
    max_score = models.DecimalField("分值（扣分制为最多扣分）", max_digits=6, decimal_places=1)
    evidence_required = models.TextField("佐证材料要求", blank=True)
    is_sample = models.BooleanField(
        "示例条目", default=False, help_text=f"勾选表示此条为系统示例（{SAMPLE_MARK}）。"
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "最强党支部评定标准"
        verbose_name_plural = "最强党支部评定标准"
        ordering = ["year", "category", "sort_order", "code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "code"], name="branches_ratingstandard_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(max_score__gt=0),
                name="branches_ratingstandard_max_positive",
                violation_error_message="分值须大于0（扣分制填写最多扣分）。",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.code}"

    def get_absolute_url(self):
        return reverse("branches:ratingstandard-edit", args=[self.pk])

    @property
    def score_range(self) -> tuple[Decimal, Decimal]:
        """Lowest and highest score an item may get (deductions are stored negative)."""
        if self.method == self.Method.DEDUCTION:
            return -self.max_score, Decimal(0)
        return Decimal(0), self.max_score

    @property
    def range_label(self) -> str:
        low, high = self.score_range
        if self.method == self.Method.PASS_FAIL:
            return f"{format_score(0)} 或 {format_score(high)}"
        return f"{format_score(low)} 至 {format_score(high)}"

    def check_score(self, value, *, field: str) -> None:
        """Refuse a score this item cannot have, naming the item and its range in Chinese."""
        if value is None:
            return
        low, high = self.score_range
        allowed = (
            value in (low, high) if self.method == self.Method.PASS_FAIL else low <= value <= high
        )
        if not allowed:
            message = "第{code}项的得分只能是{range}（{method}），{value}超出范围。"
            raise ValidationError(
                {
                    field: message.format(
                        code=self.code,
                        range=self.range_label,
                        method=self.get_method_display(),
                        value=value,
                    )
                }
            )


class RatingRound(models.Model):
    """One year's rating at one scope. An application names the level it applies for, so a
    round serves the whole ladder with one set of stage dates."""

    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    year = models.PositiveSmallIntegerField("年度")
    scope = models.CharField("层级范围", max_length=10, choices=Scope.choices)
    title = models.CharField("名称", max_length=100, blank=True)
    apply_opens_on = models.DateField("申报开始日期")
    apply_closes_on = models.DateField("申报截止日期")
    recommend_closes_on = models.DateField("党委推荐截止日期")
    review_closes_on = models.DateField("工委审核截止日期")
    publicity_starts_on = models.DateField("公示开始日期")
    publicity_ends_on = models.DateField("公示结束日期")
    target_share = models.DecimalField(
        "目标占比（%）", max_digits=5, decimal_places=2, default=Decimal("50.00")
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "评定轮次"
        verbose_name_plural = "评定轮次"
        ordering = ["-year", "scope", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "scope"], name="branches_ratinground_unique"),
            models.CheckConstraint(
                condition=Q(apply_closes_on__gte=F("apply_opens_on"))
                & Q(recommend_closes_on__gte=F("apply_closes_on"))
                & Q(review_closes_on__gte=F("recommend_closes_on"))
                & Q(publicity_starts_on__gte=F("review_closes_on"))
                & Q(publicity_ends_on__gte=F("publicity_starts_on")),
                name="branches_ratinground_stages_in_order",
                violation_error_message="各阶段日期须依次排列：申报、党委推荐、工委审核、公示。",
            ),
            models.CheckConstraint(
                condition=Q(target_share__gte=0) & Q(target_share__lte=100),
                name="branches_ratinground_target_share_percent",
                violation_error_message="目标占比应在0至100之间。",
            ),
        ]

    def __str__(self):
        return self.title or f"{self.year}年度{self.get_scope_display()}“最强党支部”评定"

    def get_absolute_url(self):
        return reverse("branches:ratinground-detail", args=[self.pk])

    def clean(self):
        if self.pk and self.applications.exists():
            saved = type(self).objects.filter(pk=self.pk).values("year", "scope").first()
            if saved and (saved["year"], saved["scope"]) != (self.year, self.scope):
                raise ValidationError("本轮已有申报，不能再修改年度或层级范围。")
        stages = [
            ("apply_opens_on", "申报开始日期"),
            ("apply_closes_on", "申报截止日期"),
            ("recommend_closes_on", "党委推荐截止日期"),
            ("review_closes_on", "工委审核截止日期"),
            ("publicity_starts_on", "公示开始日期"),
            ("publicity_ends_on", "公示结束日期"),
        ]
        for (earlier, earlier_label), (later, later_label) in itertools.pairwise(stages):
            first, second = getattr(self, earlier), getattr(self, later)
            if first and second and second < first:
                message = "{later}不能早于{earlier}。"
                raise ValidationError(
                    {later: message.format(later=later_label, earlier=earlier_label)}
                )

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class RatingApplication(models.Model):
    """A branch's application for one level in one round, with its self-assessment."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已申报"
        RECOMMENDED = "recommended", "党委已推荐"
        APPROVED = "approved", "工委审核通过"
        PUBLICIZED = "publicized", "公示中"
        NAMED = "named", "已命名"
        RETURNED = "returned", "已退回"

    round = models.ForeignKey(
        RatingRound, verbose_name="评定轮次", on_delete=models.PROTECT, related_name="applications"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="党支部",
        on_delete=models.PROTECT,
        related_name="rating_applications",
    )
    level = models.CharField("申报等次", max_length=20, choices=Level.choices)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    return_reason = models.TextField("退回理由", blank=True)
    committee_opinion = models.TextField("党委推荐意见", blank=True)
    review_opinion = models.TextField("工委审核意见", blank=True)
    submitted_at = models.DateTimeField("申报时间", null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "最强党支部申报"
        verbose_name_plural = "最强党支部申报"
        ordering = ["round", "organization__path", "level", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organization", "level"],
                name="branches_ratingapplication_unique_level",
            ),
        ]

    def __str__(self):
        return f"{self.organization.display_name} {self.get_level_display()}申报"

    def get_absolute_url(self):
        return reverse("branches:ratingapplication-detail", args=[self.pk])


class RatingItemScoreQuerySet(ScopedQuerySet):
    scope_field = "application__organization"


class RatingItemScore(models.Model):
    """The self-assessment and the staff review of one standard item in one application.

    Deduction items are stored as negative numbers, so an application's total is a plain sum.
    """

    application = models.ForeignKey(
        RatingApplication, verbose_name="申报", on_delete=models.CASCADE, related_name="scores"
    )
    standard = models.ForeignKey(
        RatingStandard, verbose_name="标准条目", on_delete=models.PROTECT, related_name="scores"
    )
    self_score = models.DecimalField("自评分", max_digits=6, decimal_places=1, null=True)
    self_note = models.TextField("自评说明", blank=True)
    review_score = models.DecimalField("审核得分", max_digits=6, decimal_places=1, null=True)
    review_comment = models.TextField("审核意见", blank=True)

    objects = RatingItemScoreQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评定条目得分"
        verbose_name_plural = "评定条目得分"
        ordering = ["application", "standard__sort_order", "standard__code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "standard"], name="branches_ratingitemscore_unique"
            ),
        ]

    def __str__(self):
        return f"{self.standard.code}"

    def clean(self):
        if self.standard_id:
            self.standard.check_score(self.self_score, field="self_score")
            self.standard.check_score(self.review_score, field="review_score")


def evidence_path(instance, filename):
    """A random name without extension, like activity files: never served directly."""
    return f"ratings/{instance.item.application.round.year}/{uuid.uuid4().hex}"


class RatingEvidenceQuerySet(ScopedQuerySet):
    scope_field = "item__application__organization"


class RatingEvidence(StoredFile):
    """A file supporting one item of a self-assessment (checked on upload, served scoped)."""

    item = models.ForeignKey(
        RatingItemScore, verbose_name="评定条目", on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)

    objects = RatingEvidenceQuerySet.as_manager()
    # A removed file leaves a record: who removed what, when and why.
    history = HistoricalRecords(excluded_fields=["file"])

    class Meta(StoredFile.Meta):
        verbose_name = "评定佐证材料"
        verbose_name_plural = "评定佐证材料"

    def get_absolute_url(self):
        return reverse("branches:ratingevidence-download", args=[self.pk])


class RatingTitleQuerySet(ScopedQuerySet):
    def of_round(self, year, scope):
        """The titles a round named: those of its year and scope, whether awarded through
        an application of the round or recorded from before the portal (no application).
        `year` and `scope` may be OuterRef()s, to count per round in one query."""
        return self.filter(year=year, scope=scope)

    def active_at_end_of(self, year: int):
        """Titles awarded in `year` or earlier and not withdrawn by 31 December of `year`."""
        end = f"{year}-12-31"
        return self.filter(year__lte=year).filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=end)
        )


class RatingTitle(models.Model):
    """A level awarded to an organisation at a scope in a year; counts until withdrawn (摘牌).

    `application` is empty for titles recorded from before the portal (imported history).
    """

    organization = models.ForeignKey(
        Organization, verbose_name="党支部", on_delete=models.PROTECT, related_name="rating_titles"
    )
    level = models.CharField("等次", max_length=20, choices=Level.choices)
    scope = models.CharField("层级范围", max_length=10, choices=Scope.choices)
    year = models.PositiveSmallIntegerField("命名年度")
    application = models.OneToOneField(
        RatingApplication,
        verbose_name="申报",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="title",
    )
    awarded_on = models.DateField("命名日期")
    withdrawn_on = models.DateField("摘牌日期", null=True, blank=True)
    withdrawal_reason = models.TextField("摘牌理由", blank=True)

    objects = RatingTitleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "命名称号"
        verbose_name_plural = "命名称号"
        ordering = ["-year", "organization__path", "level", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "level", "scope", "year"],
                name="branches_ratingtitle_unique",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | ~Q(withdrawal_reason=""),
                name="branches_ratingtitle_withdrawal_has_reason",
                violation_error_message="摘牌时请填写理由。",
            ),
        ]

    def __str__(self):
        return f"{self.year}年 {self.organization.display_name} {self.get_level_display()}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None


class SupervisionNote(models.Model):
    """三期护航: one supervision point for a branch in a round, owned and followed up."""

    class Phase(models.TextChoices):
        GUIDE = "guide", "前期导航"
        ESCORT = "escort", "中期护航"
        CORRECT = "correct", "后期纠偏"

    class FollowUp(models.TextChoices):
        OPEN = "open", "待跟进"
        IN_PROGRESS = "in_progress", "跟进中"
        DONE = "done", "已办结"

    organization = models.ForeignKey(
        Organization,
        verbose_name="党支部",
        on_delete=models.PROTECT,
        related_name="supervision_notes",
    )
    round = models.ForeignKey(
        RatingRound,
        verbose_name="评定轮次",
        on_delete=models.PROTECT,
        related_name="supervision_notes",
    )
    phase = models.CharField("阶段", max_length=10, choices=Phase.choices)
    text = models.TextField("护航内容")
    owner = models.ForeignKey(
        "accounts.User", verbose_name="责任人", on_delete=models.PROTECT, related_name="+"
    )
    follow_up = models.CharField(
        "跟进状态", max_length=20, choices=FollowUp.choices, default=FollowUp.OPEN
    )
    due_on = models.DateField("完成时限")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "三期护航记录"
        verbose_name_plural = "三期护航记录"
        ordering = ["round", "organization__path", "phase", "due_on", "pk"]

    def __str__(self):
        return f"{self.organization.display_name} {self.get_phase_display()}"
