"""Organisational life (三会一课 and more): kinds and frequency rules as rows, activity records
with attendance and files, and the review flow. The compliance engine is in compliance.py."""

import datetime

from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.scoping import ScopedQuerySet, scope_path
from alxa_dangjian.core import rules
from branches.models import Member, Organization, PartyGroup

PRIOR_YEAR_MAX_MONTHS = 3


class ActivityKind(models.Model):
    # Quorum checks before submit: voting members (支部党员大会) or committee seats (支委会).
    class Quorum(models.TextChoices):
        NONE = "", "无"
        VOTING_MEMBERS = "voting_members", "有表决权的党员过半数"
        COMMITTEE = "committee", "支部委员过半数"

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30, unique=True)
    description = models.CharField("说明", max_length=200, blank=True)
    quorum = models.CharField("到会要求", max_length=20, choices=Quorum.choices, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    # 组织生活会 and 民主评议党员 for year N are often held early in N+1: a record of such a
    # kind held in the first `prior_year_months` months may belong to the previous year (and
    # does unless the secretary says otherwise). At most PRIOR_YEAR_MAX_MONTHS, which bounds
    # how far into the next year the compliance engine reads.
    prior_year_months = models.PositiveSmallIntegerField(
        "可计入上年度的月数",
        default=0,
        validators=[MaxValueValidator(PRIOR_YEAR_MAX_MONTHS)],
        help_text="次年前几个月召开的可计入上一年度（如填2：次年1—2月召开的默认计入上年度）；"
        "0表示按日期所属年度，最多3个月。",
    )

    class Meta:
        verbose_name = "组织生活类型"
        verbose_name_plural = "组织生活类型"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name


class FrequencyRule(models.Model):
    """How often a kind must be held: at least `min_count` per period, for some organisations."""

    class Period(models.TextChoices):
        MONTH = "month", "每月"
        QUARTER = "quarter", "每季度"
        YEAR = "year", "每年"

    kind = models.ForeignKey(
        ActivityKind, verbose_name="类型", on_delete=models.PROTECT, related_name="rules"
    )
    period = models.CharField("周期", max_length=10, choices=Period.choices)
    min_count = models.PositiveSmallIntegerField("最少次数", default=1)
    # Organisation type values (Organization.Type) the rule applies to.
    organization_types = models.JSONField("适用组织类型", default=list)
    requires_committee = models.BooleanField(
        "仅适用于设支部委员会的组织", default=False, help_text="如支委会：设有3名以上委员时才要求。"
    )
    per_party_group = models.BooleanField(
        "按党小组计", default=False, help_text="如党小组会：每个党小组各需召开。"
    )
    effective_from = models.DateField("生效日期", default=datetime.date(2019, 1, 1))
    effective_to = models.DateField("失效日期", null=True, blank=True)
    source = models.CharField("依据", max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "频次规则"
        verbose_name_plural = "频次规则"
        ordering = ["kind__sort_order", "period"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_count__gte=1), name="activities_frequencyrule_min_count"
            ),
        ]

    def __str__(self):
        return f"{self.kind.name}：{self.get_period_display()}至少{self.min_count}次"

    def is_effective(self, start: datetime.date, end: datetime.date) -> bool:
        return self.effective_from <= end and (
            self.effective_to is None or self.effective_to >= start
        )


def covering(start: datetime.date, end: datetime.date) -> models.Q:
    """Exemptions in force at some time between `start` and `end`."""
    return models.Q(starts_on__lte=end) & (
        models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=start)
    )


class Exemption(models.Model):
    """A branch excused from a rule for a while (e.g. newly founded, merged), with a reason."""

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="exemptions"
    )
    rule = models.ForeignKey(
        FrequencyRule, verbose_name="频次规则", on_delete=models.CASCADE, related_name="exemptions"
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    reason = models.CharField("原因", max_length=200)
    approved_by = models.ForeignKey(
        "accounts.User", verbose_name="批准人", on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "频次豁免"
        verbose_name_plural = "频次豁免"

    def __str__(self):
        return f"{self.organization.display_name} {self.rule}"


# 三会一课 judges branches by these rows (activities/indicators.py).
rules.register(FrequencyRule, feeds=["three-meetings-one-lesson"])
rules.register(Exemption, feeds=["three-meetings-one-lesson"])


class CampaignTag(models.Model):
    name = models.CharField("主题标签", max_length=30, unique=True)

    class Meta:
        verbose_name = "活动标签"
        verbose_name_plural = "活动标签"
        ordering = ["name"]

    def __str__(self):
        return self.name


class ActivityQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Hosted in the user's subtree, or joined by a branch of it (shown on both records).
        The hosted records are filtered on the join, not
        as `pk IN (every hosted record)`: at ten times the league that subquery outgrew
        work_mem and PostgreSQL re-ran it per row (the staff's record list past 120 s)."""
        path = scope_path(user)
        if path is None:
            return self.none()
        # A partner sees the record whatever its answer (it must see it to confirm it);
        # only a confirmed partner counts it (`in_subtree`).
        return self.filter(
            scoping.subtree_q(path) | models.Q(pk__in=_joined(path, any_answer=True))
        )

    def counted(self):
        """Records that count towards compliance: submitted or approved (not drafts)."""
        return self.filter(status__in=[Activity.Status.SUBMITTED, Activity.Status.APPROVED])

    def of_branch(self, organization):
        """Records a branch counts: hosted by it, or joined by it with its confirmation."""
        return self.filter(
            models.Q(organization=organization)
            | models.Q(
                pk__in=Activity.joint_organizations.through.objects.filter(
                    organization=organization, status="confirmed"
                ).values("activity_id")
            )
        )

    def in_subtree(self, path: str):
        """Records of an organisation's subtree (its `path`): hosted in it, or joined by an
        organisation of it. What the record list shows for ?organization= and what the
        cockpit counts (as `hosted_in` plus `joined_from_outside`, the same rows)."""
        return self.filter(scoping.subtree_q(path) | models.Q(pk__in=_joined(path)))

    def hosted_in(self, path: str):
        return scoping.within(self, path)

    def joined_from_outside(self, path: str):
        """Records hosted outside the subtree that an organisation of it joined: `in_subtree`
        less `hosted_in`, counted apart because an OR across the join keeps the database
        from using its indexes."""
        return self.filter(pk__in=_joined(path)).exclude(scoping.subtree_q(path))

    def held_between(self, start: datetime.date, end: datetime.date):
        return self.filter(held_on__range=(start, end))

    def of_kind(self, kind):
        """Records of `kind` (an ActivityKind or its pk): its main kind, or one it combines
        (`also_kinds`), each record once. Every list filtered by kind and every count per kind
        goes through here (or `count_by_kind`, its counts for every kind at once), so a figure
        and the list it opens agree."""
        combined = Activity.also_kinds.through.objects.filter(activitykind=kind)
        return self.filter(models.Q(kind=kind) | models.Q(pk__in=combined.values("activity_id")))

    def count_by_kind(self, with_order: bool = False) -> tuple[int, list[tuple]]:
        """(records, [(kind id, kind name, `of_kind(kind).count()`), …] in kind order, kinds
        without records left out), in one statement: the main kinds' GROUP BY and the
        combined kinds' (a combined kind equal to the main one left out, as `of_kind` counts
        such a record once) under UNION ALL. `with_order` puts each kind's `sort_order`
        first in its tuple, for callers merging the counts of several statements."""
        fields = ("id", "name", "sort_order")
        main = (
            self.order_by()
            .values(*(f"kind__{f}" for f in fields))
            .annotate(is_main=models.Value(1), n=models.Count("pk"))
        )
        through = Activity.also_kinds.through.objects.filter(
            activity__in=self.values("pk")
        ).exclude(activitykind_id=models.F("activity__kind_id"))
        combined = (
            through.order_by()
            .values(*(f"activitykind__{f}" for f in fields))
            .annotate(is_main=models.Value(0), n=models.Count("pk"))
        )
        total, per_kind = 0, {}
        main = main.values_list(*(f"kind__{f}" for f in fields), "is_main", "n")
        combined = combined.values_list(*(f"activitykind__{f}" for f in fields), "is_main", "n")
        for pk, name, order, is_main, n in main.union(combined, all=True):
            total += n if is_main else 0
            per_kind.setdefault(pk, [order, name, 0])[2] += n
        rows = sorted((order, pk, name, n) for pk, (order, name, n) in per_kind.items())
        if with_order:
            return total, rows
        return total, [(pk, name, n) for _, pk, name, n in rows]


class Activity(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        APPROVED = "approved", "已审核"
        RETURNED = "returned", "已退回"

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.PROTECT, related_name="activities"
    )
    kind = models.ForeignKey(
        ActivityKind, verbose_name="类型", on_delete=models.PROTECT, related_name="activities"
    )
    # A combined meeting (主题党日暨党课, 支部党员大会暨主题党日) is one record that counts once
    # for each kind it names: `kind` is the main one, `also_kinds` the others.
    also_kinds = models.ManyToManyField(
        ActivityKind,
        verbose_name="同时作为",
        blank=True,
        related_name="combined_activities",
        help_text="合并召开的会议（如“主题党日暨党课”）同时计入所选的各类型。",
    )
    # The record belongs to the year before its date (所属年度 = held_on.year − 1) for its
    # kinds that allow it (ActivityKind.prior_year_months); set by the service.
    counts_for_previous_year = models.BooleanField("计入上年度", default=False)
    party_group = models.ForeignKey(
        PartyGroup,
        verbose_name="党小组",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    held_on = models.DateField("日期", db_index=True)
    theme = models.CharField("主题", max_length=200)
    place = models.CharField("地点", max_length=100, blank=True)
    host = models.CharField("主持人/主讲人", max_length=50, blank=True)
    minutes = models.TextField("会议记录", blank=True)
    tags = models.ManyToManyField(CampaignTag, verbose_name="主题标签", blank=True)
    joint_organizations = models.ManyToManyField(
        Organization,
        verbose_name="联合开展的党组织",
        blank=True,
        related_name="joint_activities",
        through="activities.JointParticipation",
    )
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    review_comment = models.CharField("审核意见", max_length=300, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "组织生活记录"
        verbose_name_plural = "组织生活记录"
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["organization", "kind", "held_on"])]

    def __str__(self):
        return f"{self.held_on} {self.kind.name}：{self.theme}"

    def get_absolute_url(self):
        return reverse("activities:activity-detail", args=[self.pk])

    @property
    def belongs_to_year(self) -> int:
        """所属年度."""
        return self.held_on.year - (1 if self.counts_for_previous_year else 0)

    def counting_day(self, kind: "ActivityKind") -> datetime.date:
        """The day the record counts on for `kind`: the last day of the previous year when it
        belongs to that year and the kind allows it, else its date (as the engine counts)."""
        if self.counts_for_previous_year and kind.prior_year_months:
            return datetime.date(self.held_on.year - 1, 12, 31)
        return self.held_on

    @property
    def kind_ids(self) -> set[int]:
        """The main kind and the combined ones (prefetch `also_kinds` when listing)."""
        return {self.kind_id, *(k.pk for k in self.also_kinds.all())}

    @property
    def kinds_label(self) -> str:
        """ "主题党日暨党课": the main kind, then the combined ones (prefetch `also_kinds`)."""
        others = sorted(self.also_kinds.all(), key=lambda k: (k.sort_order, k.pk))
        return "暨".join([self.kind.name, *(k.name for k in others)])


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "出席"
        LEAVE = "leave", "请假"
        ABSENT = "absent", "缺席"

    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField("出勤", max_length=10, choices=Status.choices, default=Status.PRESENT)
    reason = models.CharField("原因", max_length=100, blank=True)

    class Meta:
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"], name="activities_attendance_once_per_member"
            )
        ]

    def __str__(self):
        return f"{self.member.name} {self.get_status_display()}"


class ActivityEvent(models.Model):
    """History of the review flow: who moved a record to which state, when, and why."""

    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField("原状态", max_length=20, choices=Activity.Status.choices)
    to_status = models.CharField("新状态", max_length=20, choices=Activity.Status.choices)
    comment = models.CharField("意见", max_length=300, blank=True)
    by = models.ForeignKey(
        "accounts.User", verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display()}→{self.get_to_status_display()}"


def _joined(path: str, *, any_answer: bool = False):
    """Ids of the records joined by an organisation of the subtree at `path` that confirmed
    (a partner counts only once its side has confirmed, activities/models/joint.py), or,
    with `any_answer`, whatever the partner answered."""
    links = scoping.within(Activity.joint_organizations.through.objects, path)
    if not any_answer:
        links = links.filter(status="confirmed")
    return links.values("activity_id")
