"""Per-member assessments (核定), payments and the paid months they cover."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from alxa_dangjian.accounts.scoping import ScopedQuerySet
from branches.models import Member, Organization

from .rates import MONEY, BaseKind, DuesRateTable


class DuesAssessmentQuerySet(ScopedQuerySet):
    scope_field = "member__organization"

    def in_force(self, month):
        """Assessments that took effect on or before `month` (the latest per member rules)."""
        return self.filter(effective_from__lte=month)


class DuesAssessment(models.Model):
    """A member's base and monthly due from a month on, until the next assessment."""

    class Reduction(models.TextChoices):
        NONE = "", "无"
        REDUCED = "reduced", "减交"
        EXEMPT = "exempt", "免交"
        DEFERRED = "deferred", "缓交"

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="dues_assessments"
    )
    effective_from = models.DateField("起始月份", help_text="从该月起按本核定交纳。")
    base_kind = models.CharField("基数类别", max_length=20, choices=BaseKind.choices)
    base_amount = models.DecimalField(
        "计算基数（元/月）",
        **MONEY,
        default=Decimal("0.00"),
        help_text="在职党员为税后月工资收入，离退休党员为月离退休费；按固定金额交纳的填0。",
    )
    rate_table = models.ForeignKey(
        DuesRateTable, verbose_name="党费标准", on_delete=models.PROTECT, related_name="+"
    )
    computed_due = models.DecimalField("按标准应交（元/月）", **MONEY)
    reduction = models.CharField(
        "减免", max_length=10, choices=Reduction.choices, default=Reduction.NONE, blank=True
    )
    reduced_due = models.DecimalField("减交后应交（元/月）", **MONEY, null=True, blank=True)
    approval_number = models.CharField("批准文号", max_length=60, blank=True)
    reduction_reason = models.CharField("减免理由", max_length=200, blank=True)
    voluntary_extra = models.DecimalField("自愿多交（元/月）", **MONEY, default=Decimal("0.00"))
    # The first month of the run of assessments without exemption that this one belongs to
    # (None when it exempts): dues are owed from there. Kept by services.assess_member so
    # that arrears find a member's window in one lookup.
    owed_since = models.DateField("欠缴起算月份", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="核定人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("核定时间", auto_now_add=True)

    objects = DuesAssessmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费核定"
        verbose_name_plural = "党费核定"
        ordering = ["member", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "effective_from"], name="dues_duesassessment_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(base_amount__gte=0, computed_due__gte=0, voluntary_extra__gte=0),
                name="dues_duesassessment_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(reduction="") | ~Q(approval_number=""),
                name="dues_duesassessment_reduction_needs_approval",
            ),
        ]

    def __str__(self):
        return f"{self.member.name} {self.effective_from:%Y年%m月}起 每月{self.monthly_due}元"

    def get_absolute_url(self):
        return reverse("dues:duesassessment-detail", args=[self.pk])

    @property
    def due(self) -> Decimal:
        """What the member owes a month (after an approved reduction), without extras."""
        if self.reduction == self.Reduction.EXEMPT:
            return Decimal("0.00")
        if self.reduction == self.Reduction.REDUCED and self.reduced_due is not None:
            return self.reduced_due
        return self.computed_due

    @property
    def monthly_due(self) -> Decimal:
        """What the member pays a month: the due plus any voluntary extra."""
        return self.due + self.voluntary_extra


class DuesPaymentQuerySet(ScopedQuerySet):
    pass


class DuesPayment(models.Model):
    """One payment by (or on behalf of) a member, covering one or more months."""

    class Method(models.TextChoices):
        CASH = "cash", "现金"
        TRANSFER = "transfer", "银行转账"
        WECHAT = "wechat", "微信"
        ALIPAY = "alipay", "支付宝"
        PAYROLL = "payroll", "工资代扣"
        OTHER = "other", "其他"

    class PaidBy(models.TextChoices):
        SELF = "self", "本人交纳"
        ON_BEHALF = "on_behalf", "他人代交"

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="dues_payments"
    )
    # The branch that collected it: receipts are numbered per branch and its ledger lists it.
    organization = models.ForeignKey(
        Organization, verbose_name="收缴党支部", on_delete=models.PROTECT, related_name="+"
    )
    paid_on = models.DateField("交纳日期")
    amount = models.DecimalField("金额（元）", **MONEY)
    method = models.CharField("交纳方式", max_length=10, choices=Method.choices)
    receipt_number = models.CharField("收据编号", max_length=40, blank=True)
    paid_by = models.CharField("交纳人", max_length=10, choices=PaidBy.choices, default=PaidBy.SELF)
    payer_name = models.CharField("代交人姓名", max_length=50, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = DuesPaymentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费交纳"
        verbose_name_plural = "党费交纳"
        ordering = ["-paid_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "receipt_number"],
                condition=~Q(receipt_number=""),
                name="dues_duespayment_unique_receipt",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dues_duespayment_positive"),
        ]

    def __str__(self):
        return f"{self.member.name} {self.paid_on:%Y-%m-%d} {self.amount}元"

    def get_absolute_url(self):
        return reverse("dues:duespayment-detail", args=[self.pk])


class DuesMonthQuerySet(ScopedQuerySet):
    scope_field = "member__organization"


class DuesMonth(models.Model):
    """A month a member has paid for: one row per member and month, so a month is never paid
    twice and arrears are a count of missing rows."""

    payment = models.ForeignKey(
        DuesPayment, verbose_name="交纳记录", on_delete=models.CASCADE, related_name="months"
    )
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="dues_months"
    )
    month = models.DateField("所属月份")
    due = models.DecimalField("应交（元）", **MONEY)
    amount = models.DecimalField("实交（元）", **MONEY)
    # Copied from the payment so that "paid on time" is one filter on this table.
    paid_on = models.DateField("交纳日期")

    objects = DuesMonthQuerySet.as_manager()

    class Meta:
        verbose_name = "党费月份"
        verbose_name_plural = "党费月份"
        ordering = ["member", "month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_duesmonth_once"),
        ]
        indexes = [models.Index(fields=["month", "member"])]

    def __str__(self):
        return f"{self.member_id} {self.month:%Y-%m}"
