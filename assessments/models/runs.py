"""The year-end runs (述职评议考核): each run over a scope for one target, its chunks, the
measures the chunks store and the results the finaliser writes, staff's decisions on ties
at the 好 quota line, and the score card that a run's numbers are frozen and published on.
The writes are assessments/services/runs.py, results.py and review.py.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from branches.models import Organization

from .scoring import AssessmentScheme, Grade, Target


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
