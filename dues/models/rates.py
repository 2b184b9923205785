"""The dues standard as rows (中组部《关于中国共产党党费收缴、使用和管理的规定》2008): rate
tables versioned by the date they take effect, their brackets per kind of base, and the
settings (rounding, the arrears windows) that the work committee may change."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 12, "decimal_places": 2}


class BaseKind(models.TextChoices):
    SALARY = "salary", "在职工资"
    PENSION = "pension", "离退休费"
    STUDENT = "student", "学生"
    UNEMPLOYED = "unemployed", "下岗失业"
    RELIEF = "relief", "享受低保"
    FARMER = "farmer", "农牧民"


# Kinds whose due is a percentage of an amount (the others pay a fixed sum).
KINDS_WITH_BASE = (BaseKind.SALARY, BaseKind.PENSION)


class DuesRateTable(models.Model):
    """One version of the standard; the version in force on a day is the latest one that
    took effect on or before it."""

    name = models.CharField("名称", max_length=100)
    effective_from = models.DateField("生效日期", unique=True)
    source = models.CharField("依据", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费标准"
        verbose_name_plural = "党费标准"
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"

    @classmethod
    def in_force(cls, day: datetime.date):
        return cls.objects.filter(effective_from__lte=day).order_by("-effective_from").first()

    def bracket_for(self, base_kind: str, base_amount: Decimal):
        """The bracket whose (lower, upper] range holds the amount (fixed kinds: their row)."""
        amount = Decimal(base_amount or 0)
        brackets = self.brackets.filter(base_kind=base_kind)
        if base_kind in KINDS_WITH_BASE:
            brackets = brackets.filter(
                Q(lower__isnull=True) | Q(lower__lt=amount),
                Q(upper__isnull=True) | Q(upper__gte=amount),
            )
        return brackets.order_by("lower", "pk").first()

    def monthly_due(self, base_kind: str, base_amount: Decimal, *, rounding: Decimal) -> Decimal:
        """The month's due under this table, rounded half up to `rounding` (0.01 or 0.1 yuan).

        Rates are flat on the whole base: 3000.01 yuan at 1 % is 30.00 yuan, not a marginal sum.
        """
        bracket = self.bracket_for(base_kind, base_amount)
        if bracket is None:
            raise ValidationError(
                "党费标准“{table}”中没有适用于“{kind}”{amount}元的档次，请联系工委设置。".format(
                    table=self.name,
                    kind=BaseKind(base_kind).label,
                    amount=base_amount,
                )
            )
        return bracket.due_on(base_amount, rounding=rounding)


class DuesBracket(models.Model):
    table = models.ForeignKey(
        DuesRateTable, verbose_name="党费标准", on_delete=models.CASCADE, related_name="brackets"
    )
    base_kind = models.CharField("基数类别", max_length=20, choices=BaseKind.choices)
    lower = models.DecimalField(
        "下限（不含）", **MONEY, null=True, blank=True, help_text="不填表示没有下限。"
    )
    upper = models.DecimalField(
        "上限（含）", **MONEY, null=True, blank=True, help_text="不填表示没有上限。"
    )
    rate_percent = models.DecimalField(
        "比例（%）", max_digits=5, decimal_places=2, null=True, blank=True
    )
    fixed_amount = models.DecimalField("固定金额（元/月）", **MONEY, null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费档次"
        verbose_name_plural = "党费档次"
        ordering = ["table", "base_kind", "lower", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(rate_percent__isnull=False) & Q(fixed_amount__isnull=True))
                | (Q(rate_percent__isnull=True) & Q(fixed_amount__isnull=False)),
                name="dues_duesbracket_rate_or_fixed",
            ),
            models.CheckConstraint(
                condition=Q(rate_percent__isnull=True)
                | Q(rate_percent__gte=0, rate_percent__lte=100),
                name="dues_duesbracket_rate_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(fixed_amount__isnull=True) | Q(fixed_amount__gte=0),
                name="dues_duesbracket_fixed_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.get_base_kind_display()} {self.range_label}：{self.due_label}"

    @property
    def range_label(self) -> str:
        if self.base_kind not in KINDS_WITH_BASE:
            return ""
        if self.lower is None and self.upper is None:
            return "全部"
        if self.lower is None:
            return f"{self.upper}元及以下"
        if self.upper is None:
            return f"{self.lower}元以上"
        return f"{self.lower}元以上至{self.upper}元"

    @property
    def due_label(self) -> str:
        if self.rate_percent is not None:
            return f"{self.rate_percent.normalize():f}%"
        return f"每月{self.fixed_amount}元"

    def due_on(self, base_amount: Decimal, *, rounding: Decimal) -> Decimal:
        if self.fixed_amount is not None:
            return self.fixed_amount
        raw = Decimal(base_amount) * self.rate_percent / Decimal(100)
        return raw.quantize(rounding, rounding=ROUND_HALF_UP).quantize(Decimal("0.01"))

    def clean(self):
        if (self.rate_percent is None) == (self.fixed_amount is None):
            raise ValidationError("比例和固定金额须填写且只填写其中一项。")
        if self.rate_percent is not None and self.base_kind not in KINDS_WITH_BASE:
            raise ValidationError({"rate_percent": "学生、下岗失业、低保、农牧民按固定金额交纳。"})
        if self.lower is not None and self.upper is not None and self.upper <= self.lower:
            raise ValidationError({"upper": "上限须大于下限。"})
        if self.rate_percent is not None and not Decimal(0) <= self.rate_percent <= 100:
            raise ValidationError({"rate_percent": "比例须在0至100之间。"})
        if self.fixed_amount is not None and self.fixed_amount < 0:
            raise ValidationError({"fixed_amount": "固定金额不能为负数。"})


class DuesSetting(models.Model):
    """The settings of the dues ledger: one row, seeded, edited by the work committee."""

    class Rounding(models.TextChoices):
        FEN = "0.01", "精确到分（0.01元）"
        JIAO = "0.1", "精确到角（0.1元）"

    rounding = models.CharField(
        "计算结果取整", max_length=4, choices=Rounding.choices, default=Rounding.FEN
    )
    warning_months = models.PositiveSmallIntegerField(
        "提醒：累计未交月数", default=3, help_text="累计未交达到该月数的党员列入提醒名单。"
    )
    alert_months = models.PositiveSmallIntegerField(
        "警示：连续未交月数",
        default=6,
        help_text="《党章》第三十八条：连续6个月不交纳党费的，视为自行脱党。",
    )
    back_payment_months = models.PositiveSmallIntegerField(
        "补交最多月数", default=6, help_text="一次补交最多可追溯的月数。"
    )
    advance_months = models.PositiveSmallIntegerField(
        "预交最多月数", default=3, help_text="按季交纳时，一次最多交纳的当月及以后月数。"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费设置"
        verbose_name_plural = "党费设置"
        constraints = [
            models.CheckConstraint(
                condition=Q(warning_months__gte=1, alert_months__gte=1, advance_months__gte=1),
                name="dues_duessetting_positive_windows",
            ),
        ]

    def __str__(self):
        return "党费设置"

    @classmethod
    def load(cls) -> "DuesSetting":
        """The settings row (the seeded defaults if it has been removed)."""
        return cls.objects.order_by("pk").first() or cls()

    @property
    def rounding_unit(self) -> Decimal:
        return Decimal(self.rounding)
