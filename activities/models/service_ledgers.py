"""Service ledgers (服务台账): 我为群众办实事, 承诺践诺, volunteer teams and services, pairings
and featured projects. The ledger types are rows (seeded by a data migration, editable by
staff); each record belongs to one organisation and is scoped like every organisation datum."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.scoping import ScopedQuerySet
from alxa_dangjian.core.files import StoredFile
from branches.models import Member, Organization

# Each segment of Organization.path is six digits and a slash.
PATH_SEGMENT = 7


class ServiceLedgerType(models.Model):
    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    description = models.CharField("说明", max_length=300, blank=True)
    # What `ServiceRecord.quantity` and `.partner` mean for this type, shown on forms and lists.
    quantity_label = models.CharField("数量含义", max_length=30, blank=True)
    partner_label = models.CharField("服务对象含义", max_length=30, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务台账类型"
        verbose_name_plural = "服务台账类型"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name


class ServiceRecordQuerySet(ScopedQuerySet):
    def in_subtree(self, organization):
        return scoping.within(self, organization)

    def in_year(self, year: int):
        """Records running at some time in `year` (a pairing that spans years counts in each)."""
        return self.filter(started_on__lte=datetime.date(year, 12, 31)).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=datetime.date(year, 1, 1))
        )

    def started_by(self, day: datetime.date):
        """Records begun by `day`: with `in_year`, what the cockpit counts up to its day."""
        return self.filter(started_on__lte=day)

    def counts_by_type_and_branch_of(self, organization) -> list[dict]:
        """One GROUP BY: records and quantities per type and per child of `organization`.

        Each row names the type and the path of the child subtree the records belong to
        (`unit_path`); records owned by `organization` itself carry its own path.
        """
        width = (organization.depth + 2) * PATH_SEGMENT
        return list(
            self.in_subtree(organization)
            .order_by()
            .values("type_id", unit_path=Substr("organization__path", 1, width))
            .annotate(n=Count("pk"), quantity=Sum("quantity"))
        )


class ServiceRecord(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "计划"
        IN_PROGRESS = "in_progress", "进行中"
        COMPLETED = "completed", "已完成"
        TERMINATED = "terminated", "已终止"

    STATUS_COLORS = {
        Status.PLANNED: "secondary",
        Status.IN_PROGRESS: "primary",
        Status.COMPLETED: "success",
        Status.TERMINATED: "dark",
    }

    type = models.ForeignKey(
        ServiceLedgerType, verbose_name="台账类型", on_delete=models.PROTECT, related_name="records"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="责任党组织",
        on_delete=models.PROTECT,
        related_name="service_records",
    )
    title = models.CharField("名称", max_length=200)
    description = models.TextField("内容", blank=True)
    people = models.CharField(
        "参与人员", max_length=500, blank=True, help_text="可填写姓名、人数或单位。"
    )
    members = models.ManyToManyField(
        Member, verbose_name="参与党员", blank=True, related_name="service_records"
    )
    partner = models.CharField(
        "服务对象", max_length=200, blank=True, help_text="如嘎查、社区、结对户或帮扶单位。"
    )
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.IN_PROGRESS
    )
    quantity = models.DecimalField(
        "数量", max_digits=10, decimal_places=1, null=True, blank=True,
        help_text="如服务时长（小时）或服务人数，可不填。",
    )  # fmt: skip
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "服务台账记录"
        verbose_name_plural = "服务台账记录"
        ordering = ["-started_on", "-pk"]
        indexes = [
            models.Index(fields=["organization", "type", "started_on"]),
            # The list's order: newest first, read from the index, so a page is cheap at scale.
            models.Index(fields=["started_on", "id"], name="activities_service_started_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="activities_servicerecord_end_after_start",
                violation_error_message="结束日期不能早于开始日期。",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=0),
                name="activities_servicerecord_quantity_not_negative",
                violation_error_message="数量不能为负数。",
            ),
        ]

    def __str__(self):
        return f"{self.type.name}：{self.title}"

    def get_absolute_url(self):
        return reverse("activities:servicerecord-detail", args=[self.pk])

    @property
    def status_color(self) -> str:
        return self.STATUS_COLORS[self.status]

    @property
    def quantity_text(self) -> str:
        """120 rather than 120.0; empty when not given."""
        return "" if self.quantity is None else f"{self.quantity.normalize():f}"

    @property
    def name(self) -> str:
        """The record's title, under the name every other object of the portal answers to."""
        return self.title

    def clean(self):
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": "结束日期不能早于开始日期。"})
        if self.status == self.Status.COMPLETED and not self.ended_on:
            raise ValidationError({"ended_on": "已完成的事项请填写结束日期。"})
        if self.organization_id and not self.organization.is_active:
            raise ValidationError({"organization": "该党组织已撤销，不能登记服务台账。"})


def evidence_path(instance, filename):
    """A random name without extension, as for activity attachments (see attachments.py)."""
    return f"service-ledgers/{instance.record.started_on.year}/{uuid.uuid4().hex}"


class ServiceEvidenceQuerySet(ScopedQuerySet):
    scope_field = "record__organization"


class ServiceEvidence(StoredFile):
    """A photo or file proving a service record; checked like an activity attachment (the
    content sniffed by `attachments.sniff`, the extension agreeing with it)."""

    record = models.ForeignKey(
        ServiceRecord,
        verbose_name="服务台账记录",
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)

    objects = ServiceEvidenceQuerySet.as_manager()
    # A removed file leaves a record: who removed what, when and why.
    history = HistoricalRecords(excluded_fields=["file"])

    class Meta(StoredFile.Meta):
        verbose_name = "服务台账佐证材料"
        verbose_name_plural = "服务台账佐证材料"

    def get_absolute_url(self):
        return reverse("activities:serviceevidence-download", args=[self.pk])

    @property
    def name(self) -> str:
        return self.original_name
