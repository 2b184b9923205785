"""Developing new members (发展党员工作细则, 2014): one case per person, dated steps, and the
timing rules as rows so the work committee can adjust them without a code change."""

import datetime

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from alxa_dangjian.core import rules
from alxa_dangjian.core.collation import PINYIN
from alxa_dangjian.core.idnumber import mask_id_number

from .members import ETHNIC_GROUPS, Member
from .organizations import Organization


class Step(models.TextChoices):
    """The dated steps the portal tracks, in order (a subset of the 25 steps)."""

    APPLICATION = "application", "递交入党申请书"
    TALK = "talk", "党组织派人谈话"
    ACTIVIST = "activist", "确定为入党积极分子"
    CANDIDATE = "candidate", "确定为发展对象"
    TRAINING = "training", "发展对象集中培训"
    PRE_REVIEW = "pre_review", "上级党委预审"
    ADMISSION_MEETING = "admission_meeting", "支部大会讨论接收预备党员"
    ADMISSION_APPROVAL = "admission_approval", "上级党委审批预备党员"
    OATH = "oath", "入党宣誓"
    CONFIRMATION_MEETING = "confirmation_meeting", "支部大会讨论预备党员转正"
    CONFIRMATION_APPROVAL = "confirmation_approval", "上级党委审批转正"


STEP_ORDER = list(Step.values)


class Stage(models.TextChoices):
    APPLICANT = "applicant", "入党申请人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"


# The stage a case is in once a step is done.
STAGE_AFTER_STEP = {
    Step.APPLICATION: Stage.APPLICANT,
    Step.TALK: Stage.APPLICANT,
    Step.ACTIVIST: Stage.ACTIVIST,
    Step.CANDIDATE: Stage.CANDIDATE,
    Step.TRAINING: Stage.CANDIDATE,
    Step.PRE_REVIEW: Stage.CANDIDATE,
    Step.ADMISSION_MEETING: Stage.PROBATIONARY,
    Step.ADMISSION_APPROVAL: Stage.PROBATIONARY,
    Step.OATH: Stage.PROBATIONARY,
    Step.CONFIRMATION_MEETING: Stage.PROBATIONARY,
    Step.CONFIRMATION_APPROVAL: Stage.FULL,
}


class TimingRule(models.Model):
    """Either "step B at least / at most N days after step A", or a minimum age at a step."""

    code = models.SlugField("规则代码", max_length=40, unique=True)
    description = models.CharField("规则说明", max_length=200)
    step = models.CharField("被检查的步骤", max_length=30, choices=Step.choices)
    after_step = models.CharField(
        "起算步骤", max_length=30, choices=Step.choices, blank=True, help_text="年龄规则留空。"
    )
    min_days = models.PositiveIntegerField("至少间隔（天）", null=True, blank=True)
    max_days = models.PositiveIntegerField("至多间隔（天）", null=True, blank=True)
    min_age = models.PositiveSmallIntegerField("最低年龄（周岁）", null=True, blank=True)
    # A hard rule refuses the entry; a soft one is recorded and shown as a broken rule.
    is_hard = models.BooleanField("违反时拒绝录入", default=False)
    is_active = models.BooleanField("启用", default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "发展党员时限规则"
        verbose_name_plural = "发展党员时限规则"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(min_age__isnull=False, after_step="")
                    | (
                        ~models.Q(after_step="")
                        & (models.Q(min_days__isnull=False) | models.Q(max_days__isnull=False))
                    )
                ),
                name="branches_timingrule_interval_or_age",
            ),
        ]

    def __str__(self):
        return self.description

    def violation(self, dates: dict, birth_date: datetime.date | None) -> str | None:
        """A Chinese message if the recorded dates break this rule, else None."""
        day = dates.get(self.step)
        if day is None:
            return None
        if self.min_age is not None:
            if birth_date is None:
                return None
            before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
            age = day.year - birth_date.year - before_birthday
            if age < self.min_age:
                return f"{self.description}（{Step(self.step).label}时{age}周岁）"
            return None
        start = dates.get(self.after_step)
        if start is None:
            return None
        gap = (day - start).days
        if self.min_days is not None and gap < self.min_days:
            return f"{self.description}（实际间隔{gap}天）"
        if self.max_days is not None and gap > self.max_days:
            return f"{self.description}（实际间隔{gap}天）"
        return None

    def due_date(self, dates: dict) -> datetime.date | None:
        """The latest date this rule allows for its step, once its starting step is done."""
        start = dates.get(self.after_step)
        if self.max_days is None or start is None or self.step in dates:
            return None
        return start + datetime.timedelta(days=self.max_days)


class DevelopmentCaseQuerySet(ScopedQuerySet):
    def open(self):
        return self.exclude(stage=Stage.FULL).filter(is_closed=False)

    def admitted_between(self, start: datetime.date, end: datetime.date):
        """Cases whose 上级党委审批 (admission as probationary member) is dated in the range:
        the cockpit's 本年接收预备党员 and the case list's admitted_from/admitted_to."""
        return self.filter(
            pk__in=DevelopmentStep.objects.filter(
                step=Step.ADMISSION_APPROVAL, done_on__range=(start, end)
            ).values("case_id")
        )

    def with_steps(self):
        """Every case's steps in one extra query, for rule evaluation over many cases (and
        its member, whose probation end dates the 转正 meeting)."""
        return self.select_related("member").prefetch_related(
            models.Prefetch(
                "steps",
                queryset=DevelopmentStep.objects.select_related("recorded_by").order_by(
                    "done_on", "pk"
                ),
            )
        )


# 发展党员程序合规 checks the year's steps against these rows (assessments/branch_indicators.py).
rules.register(TimingRule, feeds=["development-steps"])


class DevelopmentCase(models.Model):
    organization = models.ForeignKey(
        Organization,
        verbose_name="党支部",
        on_delete=models.PROTECT,
        related_name="development_cases",
    )
    name = models.CharField("姓名", max_length=50, db_collation=PINYIN)
    gender = models.CharField("性别", max_length=10, choices=Member.Gender.choices)
    birth_date = models.DateField("出生日期")
    id_number = models.CharField("公民身份号码", max_length=18)
    ethnicity = models.CharField(
        "民族", max_length=10, choices=[(g, g) for g in ETHNIC_GROUPS], default="汉族"
    )
    # Same values as the member's, so admission copies it into the roster unchanged.
    education = models.CharField("学历", max_length=20, choices=Member.Education.choices)
    unit = models.CharField("工作单位及职务", max_length=100, blank=True)
    stage = models.CharField("所处阶段", max_length=20, choices=Stage.choices, editable=False)
    sponsors = models.ManyToManyField(
        "branches.Member", verbose_name="入党介绍人", blank=True, related_name="sponsored_cases"
    )
    member = models.OneToOneField(
        "branches.Member",
        verbose_name="党员档案",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="development_case",
    )
    is_closed = models.BooleanField("已终止", default=False)
    closed_reason = models.CharField("终止原因", max_length=200, blank=True)
    closed_at = models.DateTimeField("终止时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = DevelopmentCaseQuerySet.as_manager()

    class Meta:
        verbose_name = "发展党员"
        verbose_name_plural = "发展党员"
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=models.Q(is_closed=False),
                name="branches_developmentcase_one_open_case_per_person",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_stage_display()}）"

    def get_absolute_url(self):
        return reverse("branches:developmentcase-detail", args=[self.pk])

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class DevelopmentStepQuerySet(ScopedQuerySet):
    scope_field = "case__organization"


class DevelopmentStep(models.Model):
    case = models.ForeignKey(
        DevelopmentCase, verbose_name="发展党员", on_delete=models.CASCADE, related_name="steps"
    )
    step = models.CharField("步骤", max_length=30, choices=Step.choices)
    done_on = models.DateField("日期")
    note = models.CharField("说明", max_length=200, blank=True)
    # The branch meeting's vote (接收预备党员, 预备党员转正) only. `entitled_voters` is read
    # from the roster of the meeting day (branches.rules.votes), never typed.
    entitled_voters = models.PositiveSmallIntegerField("有表决权的党员数", null=True, blank=True)
    present_voters = models.PositiveSmallIntegerField("到会有表决权的党员数", null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField("赞成票数", null=True, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = DevelopmentStepQuerySet.as_manager()

    class Meta:
        verbose_name = "发展步骤"
        verbose_name_plural = "发展步骤"
        ordering = ["case", "done_on"]
        constraints = [
            models.UniqueConstraint(fields=["case", "step"], name="branches_developmentstep_once"),
            models.CheckConstraint(
                condition=models.Q(votes_for__isnull=True)
                | models.Q(votes_for__lte=models.F("entitled_voters")),
                name="branches_developmentstep_votes_within_entitled",
            ),
        ]

    def __str__(self):
        return f"{self.case.name} {self.get_step_display()} {self.done_on}"


class ProbationDecisionQuerySet(ScopedQuerySet):
    scope_field = "member__organization"


class ProbationDecision(models.Model):
    """A 支部大会 decision on a probationary member, with its vote: 延长预备期, 取消预备党员
    资格, or 转正 of a member who has no development case (with a case, 转正 is its step)."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", "转正"
        EXTEND = "extend", "延长预备期"
        CANCEL = "cancel", "取消预备党员资格"

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="probation_decisions"
    )
    kind = models.CharField("决定", max_length=10, choices=Kind.choices)
    held_on = models.DateField("支部大会日期")
    months = models.PositiveSmallIntegerField("延长（月）", null=True, blank=True)
    reason = models.CharField("理由", max_length=200, blank=True)
    entitled_voters = models.PositiveSmallIntegerField("有表决权的党员数")
    present_voters = models.PositiveSmallIntegerField("到会有表决权的党员数")
    votes_for = models.PositiveSmallIntegerField("赞成票数")
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = ProbationDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "预备党员处理决定"
        verbose_name_plural = "预备党员处理决定"
        ordering = ["member", "held_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(kind="extend"),
                name="branches_probationdecision_extend_once",
            ),
        ]

    def __str__(self):
        return f"{self.member.name} {self.get_kind_display()} {self.held_on}"
