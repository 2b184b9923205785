"""The year-end assessment (述职评议考核): schemes of weighted indicators per year and target,
the inputs reviewers give (民主测评 votes, 述职 reports, manual scores and overrides), the
versioned aggregation runs with their results, and the review state of each score card.

The rules that an administrator may change (weights, maxima, caps, thresholds, the quota for
好, the 民主测评 formula) are rows. Writes go through `assessments/services/`; the run
machinery is `assessments/services/results.py` and `assessments/tasks.py`.
"""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
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


class AssessmentRunQuerySet(ScopedQuerySet):
    scope_field = "scope"

    def done(self):
        return self.filter(status=AssessmentRun.Status.DONE)


class AssessmentRun(models.Model):
    """One year-end aggregation over a scope for one target. Its results live in separate
    tables keyed by the run, so a failed or killed run leaves the previous run's intact."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "计算中"
        FAILED = "failed", "失败"
        DONE = "done", "已完成"

    year = models.PositiveSmallIntegerField("年度")
    scope = models.ForeignKey(
        Organization, verbose_name="范围", on_delete=models.PROTECT, related_name="+"
    )
    scheme = models.ForeignKey(
        AssessmentScheme, verbose_name="考核方案", on_delete=models.PROTECT, related_name="runs"
    )
    scheme_version = models.PositiveIntegerField("方案版本")
    # The sheet as it was when the run started (indicators, thresholds, quota, formula).
    snapshot = models.JSONField("方案快照", default=dict)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    organization_count = models.PositiveIntegerField("考核组织数", default=0)
    chunk_count = models.PositiveIntegerField("分块数", default=0)
    chunks_done = models.PositiveIntegerField("已完成分块", default=0)
    # Rows read per auto indicator, summed over the chunks by the finaliser.
    inputs = models.JSONField("读取记录数", default=dict)
    # Organisations whose total or grade differ from the previous done run of the same kind.
    diff = models.JSONField("与上次结果的差异", default=list)
    # Organisation × manual indicator pairs without a score when the results were last
    # totalled: while above zero the run's ranks and grades are provisional (暂定).
    missing_scores = models.PositiveIntegerField("未录入的评审打分", default=0)
    previous = models.ForeignKey(
        "self",
        verbose_name="上次运行",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The rule rows the indicators were computed from (alxa_dangjian.core.rules): per rule
    # table, each row's history id. A re-run of a year repeats the versions of the run it
    # repeats (`rules_from`) unless staff chose today's rules.
    rule_versions = models.JSONField("规则版本", default=dict)
    rules_from = models.ForeignKey(
        "self",
        verbose_name="沿用规则版本的计算",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Rule rows that differ from the previous run's, and the indicators whose measures moved.
    rule_changes = models.JSONField("规则变化", default=list)
    measure_changes = models.JSONField("指标变化", default=list)
    error = models.TextField("错误信息", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Touched by every chunk: a running run silent for longer than the timeout is stalled.
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    # When its chunks were last handed to the broker, and how many times: a queued run
    # without it was never sent (the broker was down); the sweeper sends it, and sends the
    # unfinished chunks of a run whose workers were lost again
    # (assessments.services.runs.sweep_runs).
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    dispatch_count = models.PositiveSmallIntegerField("发送次数", default=0)

    objects = AssessmentRunQuerySet.as_manager()

    class Meta:
        verbose_name = "年度考核计算"
        verbose_name_plural = "年度考核计算"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.year}年{self.scope.display_name}考核计算 #{self.pk}"

    def get_absolute_url(self):
        return reverse("assessments:assessmentrun-detail", args=[self.pk])

    @property
    def target(self) -> str:
        return self.snapshot.get("target", "")

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_stalled(self) -> bool:
        if not self.is_active:
            return False
        last = self.heartbeat_at or self.created_at
        timeout = datetime.timedelta(seconds=settings.ASSESSMENT_RUN_STALL_SECONDS)
        return last is not None and timezone.now() - last > timeout

    @property
    def is_unsent(self) -> bool:
        """Queued while the broker could not be reached: the sweeper sends it later."""
        return self.status == self.Status.QUEUED and self.sent_at is None and bool(self.error)

    @property
    def is_provisional(self) -> bool:
        return self.missing_scores > 0

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.chunk_count:
            return 0
        return int(self.chunks_done * 100 / (self.chunk_count + 1))


class RunChunk(models.Model):
    """A slice of a run's organisations (ids in order), computed by one task."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    organization_ids = models.JSONField(default=list)
    is_done = models.BooleanField(default=False)
    inputs = models.JSONField(default=dict)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Touched when a worker starts the chunk and after each indicator: the sweeper tells a
    # slow chunk from a lost one by it.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "计算分块"
        verbose_name_plural = "计算分块"
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="assessments_runchunk_unique")
        ]

    def __str__(self):
        return f"#{self.run_id}-{self.number}"


class MeasureResult(models.Model):
    """One auto indicator's measure for one organisation in one run (the records behind it
    are reached through the indicator's drill-down)."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="measures")
    chunk = models.PositiveIntegerField()
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=40)
    numerator = models.DecimalField(max_digits=14, decimal_places=4)
    denominator = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    inputs = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "自动指标结果"
        verbose_name_plural = "自动指标结果"
        constraints = [
            models.UniqueConstraint(
                fields=["run", "organization", "code"], name="assessments_measureresult_unique"
            )
        ]
        indexes = [models.Index(fields=["run", "chunk"])]

    def __str__(self):
        return f"{self.code} {self.numerator}/{self.denominator}"


class AssessmentResultQuerySet(ScopedQuerySet):
    pass


class AssessmentResult(models.Model):
    """One organisation's total, grade and rank in one run; `parts` holds each indicator's
    points (by indicator id) as the finaliser computed them."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="results")
    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="+"
    )
    total = models.DecimalField("总分", max_digits=7, decimal_places=2)
    grade = models.CharField("等次", max_length=20, choices=Grade.choices)
    rank = models.PositiveIntegerField("名次")
    vetoed = models.BooleanField("一票否决", default=False)
    capped_by_quota = models.BooleanField("因名额未评为“好”", default=False)
    # Tied on total across the 好 quota line and not yet decided by staff (graded 较好 until
    # a QuotaTieDecision says which of the tied get 好).
    quota_tie = models.BooleanField("名额线并列待定", default=False)
    parts = models.JSONField("各项得分", default=dict)

    objects = AssessmentResultQuerySet.as_manager()

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "organization"], name="assessments_assessmentresult_unique"
            )
        ]

    def __str__(self):
        return f"{self.organization} {self.total}（{self.get_grade_display()}）"


class QuotaTieDecision(models.Model):
    """Staff's decision on a tie at the 好 quota line of a run: which of the tied
    organisations get the remaining places, and why. Rows are only added, never changed, so
    earlier decisions stay as history; the latest applies while the tie is the one it
    decided (the same organisations), otherwise the tie is open again."""

    run = models.ForeignKey(
        AssessmentRun,
        verbose_name="年度考核计算",
        on_delete=models.CASCADE,
        related_name="tie_decisions",
    )
    tied = models.JSONField("并列的党组织", default=list)
    chosen = models.JSONField("评为“好”的党组织", default=list)
    reason = models.CharField("决定理由", max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="决定人", on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("决定时间", auto_now_add=True)

    class Meta:
        verbose_name = "名额线并列决定"
        verbose_name_plural = "名额线并列决定"
        ordering = ["-decided_at", "-pk"]

    def __str__(self):
        return f"#{self.run_id} 名额线并列决定"


class ScoreCardQuerySet(ScopedQuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def with_current_result(self):
        """Annotate the run a card shows (`shown_run`: the frozen one, else the latest done
        run of its year that assessed the organisation) and that run's `total`, `grade` and
        `rank`: correlated subqueries of the one query."""
        latest = (
            AssessmentResult.objects.filter(
                organization=models.OuterRef("organization"),
                run__year=models.OuterRef("year"),
                run__status=AssessmentRun.Status.DONE,
            )
            .order_by("-run_id")
            .values("run_id")[:1]
        )
        cards = self.annotate(
            shown_run=Coalesce(
                models.F("frozen_run"),
                models.Subquery(latest),
                output_field=models.BigIntegerField(),
            )
        )
        result = AssessmentResult.objects.filter(
            run=models.OuterRef("shown_run"), organization=models.OuterRef("organization")
        )
        # Another organisation of the same run with the same rank: shown as 并列.
        shared = AssessmentResult.objects.filter(
            run=models.OuterRef("shown_run"), rank=models.OuterRef("rank")
        ).exclude(organization=models.OuterRef("organization"))
        run = AssessmentRun.objects.filter(pk=models.OuterRef("shown_run"))
        return cards.annotate(
            total=models.Subquery(result.values("total")[:1]),
            grade=models.Subquery(result.values("grade")[:1]),
            rank=models.Subquery(result.values("rank")[:1]),
            quota_tie=models.Subquery(result.values("quota_tie")[:1]),
            missing_scores=models.Subquery(run.values("missing_scores")[:1]),
        ).annotate(rank_shared=models.Exists(shared))


class ScoreCard(models.Model):
    """The review state of one organisation's assessment in a year: to review → reviewed →
    frozen (the numbers of `frozen_run` are kept) → published to the organisation."""

    class Status(models.TextChoices):
        TO_REVIEW = "to_review", "待审核"
        REVIEWED = "reviewed", "已审核"
        FROZEN = "frozen", "已冻结"

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    target = models.CharField("考核对象", max_length=20, choices=Target.choices)
    status = models.CharField(
        "审核状态", max_length=20, choices=Status.choices, default=Status.TO_REVIEW
    )
    frozen_run = models.ForeignKey(
        AssessmentRun,
        verbose_name="冻结的计算结果",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    # Kept when the card is frozen (its status then says 已冻结), so publishing can still say
    # how many cards were never reviewed.
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    comment = models.CharField("审核意见", max_length=300, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScoreCardQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核评分卡"
        verbose_name_plural = "考核评分卡"
        ordering = ["organization__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="assessments_scorecard_once_a_year"
            )
        ]

    def __str__(self):
        return f"{self.organization} {self.year}年考核评分卡"

    def get_absolute_url(self):
        return reverse("assessments:scorecard-detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.FROZEN
