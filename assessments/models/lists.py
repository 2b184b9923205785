"""党建工作责任清单 (the "three lists"): per year, type and owner a list of items, each with
three checkpoints — 年初定单 (plan), 半年小结 (mid-year), 年底对账 (year-end) — filled by the
owner inside a date window and confirmed or returned by a reviewer above.

Which three lists a work committee keeps is not settled (DOMAIN.md §8), so list types are rows;
the seeded person-based reading is one of several. The writes live in
`assessments/services/lists.py`.
"""

import datetime
import uuid

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.scoping import ScopedQuerySet
from alxa_dangjian.core.files import StoredFile
from branches.models import Organization


class ResponsibilityListType(models.Model):
    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    owner_label = models.CharField(
        "责任主体", max_length=40, help_text="如“党组（党委）”“书记”“班子成员”。"
    )
    # 第一责任人 and 一岗双责 lists belong to a person holding a post in the organisation.
    needs_person = models.BooleanField("按人建立", default=False)
    description = models.CharField("说明", max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "责任清单类型"
        verbose_name_plural = "责任清单类型"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name


class Stage(models.TextChoices):
    PLAN = "plan", "年初定单"
    MID = "mid", "半年小结"
    FINAL = "final", "年底对账"


class CheckpointWindow(models.Model):
    """When each checkpoint of a year may be filled in; staff set it, one row per year."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    plan_opens_on = models.DateField("年初定单开始")
    plan_closes_on = models.DateField("年初定单截止")
    mid_opens_on = models.DateField("半年小结开始")
    mid_closes_on = models.DateField("半年小结截止")
    final_opens_on = models.DateField("年底对账开始")
    final_closes_on = models.DateField("年底对账截止")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "清单填报时间"
        verbose_name_plural = "清单填报时间"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan_opens_on__lte=models.F("plan_closes_on"))
                & Q(mid_opens_on__lte=models.F("mid_closes_on"))
                & Q(final_opens_on__lte=models.F("final_closes_on")),
                name="assessments_checkpointwindow_opens_before_closes",
                violation_error_message="每个环节的开始日期不能晚于截止日期。",
            ),
        ]

    def __str__(self):
        return f"{self.year}年清单填报时间"

    @classmethod
    def default_for(cls, year: int) -> "CheckpointWindow":
        """An unsaved window with the usual dates (示例，请按工委文件调整): plan in the first
        quarter, mid-year in June–July, year-end from November to the next January."""
        return cls(
            year=year,
            plan_opens_on=datetime.date(year, 1, 1),
            plan_closes_on=datetime.date(year, 3, 31),
            mid_opens_on=datetime.date(year, 6, 1),
            mid_closes_on=datetime.date(year, 7, 31),
            final_opens_on=datetime.date(year, 11, 1),
            final_closes_on=datetime.date(year + 1, 1, 31),
        )

    @classmethod
    def for_year(cls, year: int) -> "CheckpointWindow":
        """The saved window of the year, or the default one when staff have set none."""
        return cls.objects.filter(year=year).first() or cls.default_for(year)

    def dates(self, stage: str) -> tuple[datetime.date, datetime.date]:
        return getattr(self, f"{stage}_opens_on"), getattr(self, f"{stage}_closes_on")

    def is_open(self, stage: str, day: datetime.date) -> bool:
        opens, closes = self.dates(stage)
        return opens <= day <= closes


class ResponsibilityListQuerySet(ScopedQuerySet):
    scope_field = "owner_organization"

    def in_subtree(self, organization):
        return scoping.within(self, organization, "owner_organization")


class ResponsibilityList(models.Model):
    year = models.PositiveSmallIntegerField("年度")
    type = models.ForeignKey(
        ResponsibilityListType,
        verbose_name="清单类型",
        on_delete=models.PROTECT,
        related_name="lists",
    )
    owner_organization = models.ForeignKey(
        Organization,
        verbose_name="责任党组织",
        on_delete=models.PROTECT,
        related_name="responsibility_lists",
    )
    # For a person's list (书记, 班子成员): who holds it, by name and post; "" for the organisation.
    owner_person = models.CharField("责任人", max_length=40, blank=True)
    owner_post = models.CharField("职务", max_length=40, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="建立人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ResponsibilityListQuerySet.as_manager()

    class Meta:
        verbose_name = "责任清单"
        verbose_name_plural = "责任清单"
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "type", "owner_organization", "owner_person"],
                name="assessments_responsibilitylist_one_per_owner",
                violation_error_message="该责任主体本年度已有这一类清单。",
            ),
        ]
        indexes = [models.Index(fields=["year", "owner_organization"])]

    def __str__(self):
        return f"{self.year}年{self.owner_label}{self.type.name}"

    def get_absolute_url(self):
        return reverse("assessments:responsibilitylist-detail", args=[self.pk])

    @property
    def owner_label(self) -> str:
        """Who answers for the list: the organisation, or the person and post in it."""
        name = self.owner_organization.display_name
        if self.owner_person:
            post = f"{self.owner_post}" if self.owner_post else ""
            return f"{name}{post}{self.owner_person}"
        return name

    @property
    def name(self) -> str:
        return str(self)


class ResponsibilityItemQuerySet(ScopedQuerySet):
    scope_field = "list__owner_organization"


class ResponsibilityItem(models.Model):
    list = models.ForeignKey(
        ResponsibilityList, verbose_name="责任清单", on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField("序号", default=0)
    content = models.TextField("责任事项", max_length=1000)
    deadline = models.DateField("完成时限")
    # The unfinished item of last year's list this one continues (set by the carry-over).
    carried_from = models.OneToOneField(
        "self",
        verbose_name="结转自",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ResponsibilityItemQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "责任事项"
        verbose_name_plural = "责任事项"
        ordering = ["list", "order", "pk"]

    def __str__(self):
        return self.content[:40]

    def get_absolute_url(self):
        return f"{self.list.get_absolute_url()}#item-{self.pk}"

    @property
    def name(self) -> str:
        return str(self)


class CheckpointEntryQuerySet(ScopedQuerySet):
    scope_field = "item__list__owner_organization"


class CheckpointEntry(models.Model):
    """One checkpoint of one item: what the owner reported and what the reviewer decided."""

    class Progress(models.TextChoices):
        NOT_STARTED = "not_started", "未启动"
        IN_PROGRESS = "in_progress", "推进中"
        DONE = "done", "已完成"

    class Review(models.TextChoices):
        DRAFT = "draft", "未提交"
        SUBMITTED = "submitted", "待审核"
        CONFIRMED = "confirmed", "已确认"
        RETURNED = "returned", "已退回"

    REVIEW_COLORS = {
        Review.DRAFT: "secondary",
        Review.SUBMITTED: "warning",
        Review.CONFIRMED: "success",
        Review.RETURNED: "danger",
    }

    item = models.ForeignKey(
        ResponsibilityItem,
        verbose_name="责任事项",
        on_delete=models.CASCADE,
        related_name="entries",
    )
    stage = models.CharField("环节", max_length=10, choices=Stage.choices)
    # Empty for the plan, whose content is the item itself.
    progress = models.CharField("进展", max_length=20, choices=Progress.choices, blank=True)
    completed_on = models.DateField("完成日期", null=True, blank=True)
    note = models.TextField("情况说明", max_length=2000, blank=True)
    review = models.CharField(
        "审核状态", max_length=20, choices=Review.choices, default=Review.DRAFT
    )
    review_comment = models.CharField("审核意见", max_length=300, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User",
        verbose_name="提交人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User",
        verbose_name="审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    objects = CheckpointEntryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "清单环节"
        verbose_name_plural = "清单环节"
        ordering = ["item", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "stage"], name="assessments_checkpointentry_one_per_stage"
            ),
            models.CheckConstraint(
                condition=~Q(progress="done") | Q(completed_on__isnull=False),
                name="assessments_checkpointentry_done_has_date",
                violation_error_message="已完成的事项请填写完成日期。",
            ),
        ]

    def __str__(self):
        return f"{self.item}（{self.get_stage_display()}）"

    @property
    def name(self) -> str:
        return str(self)

    @property
    def review_color(self) -> str:
        return self.REVIEW_COLORS[self.review]

    @property
    def is_editable(self) -> bool:
        return self.review in (self.Review.DRAFT, self.Review.RETURNED)

    @property
    def closed_on_time(self) -> bool:
        """The year-end rule: confirmed as done by the item's deadline."""
        return (
            self.stage == Stage.FINAL
            and self.review == self.Review.CONFIRMED
            and self.progress == self.Progress.DONE
            and self.completed_on is not None
            and self.completed_on <= self.item.deadline
        )


def evidence_path(instance, filename):
    """A random name without extension, as for activity attachments."""
    return f"assessments/lists/{uuid.uuid4().hex}"


class CheckpointEvidenceQuerySet(ScopedQuerySet):
    scope_field = "entry__item__list__owner_organization"


class CheckpointEvidence(StoredFile):
    """A file proving a mid-year or year-end report, checked like an activity attachment."""

    entry = models.ForeignKey(
        CheckpointEntry, verbose_name="清单环节", on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)

    objects = CheckpointEvidenceQuerySet.as_manager()
    # A removed file leaves a record: who removed what, when and why.
    history = HistoricalRecords(excluded_fields=["file"])

    class Meta(StoredFile.Meta):
        verbose_name = "清单佐证材料"
        verbose_name_plural = "清单佐证材料"

    def get_absolute_url(self):
        return reverse("assessments:checkpointevidence-download", args=[self.pk])

    @property
    def name(self) -> str:
        return self.original_name
