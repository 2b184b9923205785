"""Where collected dues go: remittances (上缴) upward and expenses (使用) by the permitted
categories, each expense approved above the spending organisation and backed by vouchers."""

import uuid

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from alxa_dangjian.core.files import StoredFile
from branches.models import Organization

from .rates import MONEY


class DuesRemittance(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name="上缴党组织", on_delete=models.PROTECT, related_name="+"
    )
    to_organization = models.ForeignKey(
        Organization, verbose_name="接收党组织", on_delete=models.PROTECT, related_name="+"
    )
    period_from = models.DateField("所属期间起（月）")
    period_to = models.DateField("所属期间止（月）")
    amount = models.DecimalField("上缴金额（元）", **MONEY)
    remitted_on = models.DateField("上缴日期")
    receipt_number = models.CharField("凭证编号", max_length=40, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费上缴"
        verbose_name_plural = "党费上缴"
        ordering = ["-remitted_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="dues_duesremittance_positive"),
            models.CheckConstraint(
                condition=Q(period_to__gte=models.F("period_from")),
                name="dues_duesremittance_period_order",
            ),
        ]

    def __str__(self):
        return f"{self.organization.display_name} 上缴 {self.amount}元"

    def get_absolute_url(self):
        return reverse("dues:duesremittance-detail", args=[self.pk])


class DuesExpense(models.Model):
    class Category(models.TextChoices):
        TRAINING = "training", "培训党员"
        MATERIALS = "materials", "订阅或购买党员教育资料、设备"
        COMMENDATION = "commendation", "表彰先进基层党组织、优秀党员"
        HARDSHIP = "hardship", "补助生活困难党员"
        DISASTER = "disaster", "补助遭受严重自然灾害的党员和修缮党员住房"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审批"
        APPROVED = "approved", "已批准"
        RETURNED = "returned", "已退回"

    organization = models.ForeignKey(
        Organization, verbose_name="使用党组织", on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField("用途类别", max_length=20, choices=Category.choices)
    purpose = models.CharField("事由", max_length=200)
    amount = models.DecimalField("金额（元）", **MONEY)
    spent_on = models.DateField("支出日期")
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    review_comment = models.CharField("审批意见", max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User",
        verbose_name="审批人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审批时间", null=True, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费使用"
        verbose_name_plural = "党费使用"
        ordering = ["-spent_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="dues_duesexpense_positive"),
        ]

    def __str__(self):
        return f"{self.organization.display_name} {self.get_category_display()} {self.amount}元"

    def get_absolute_url(self):
        return reverse("dues:duesexpense-detail", args=[self.pk])


def voucher_path(instance, filename):
    """A random name without extension: nothing a web server could be tricked into running."""
    return f"dues/{instance.expense.spent_on.year}/{uuid.uuid4().hex}"


class DuesVoucherQuerySet(ScopedQuerySet):
    scope_field = "expense__organization"


class DuesVoucher(StoredFile):
    expense = models.ForeignKey(
        DuesExpense, verbose_name="党费使用", on_delete=models.CASCADE, related_name="vouchers"
    )
    file = models.FileField("文件", upload_to=voucher_path, max_length=200)

    objects = DuesVoucherQuerySet.as_manager()
    # A removed file leaves a record: who removed what, when and why.
    history = HistoricalRecords(excluded_fields=["file"])

    class Meta(StoredFile.Meta):
        verbose_name = "党费使用凭证"
        verbose_name_plural = "党费使用凭证"

    def get_absolute_url(self):
        return reverse("dues:duesvoucher-download", args=[self.pk])
