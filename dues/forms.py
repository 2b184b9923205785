"""Forms of the dues ledger: they shape choices to the user's scope and turn input into
values; the rules (and their Chinese refusals) are the services'."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from alxa_dangjian.core.forms import MultipleFileField
from alxa_dangjian.core.periods import month_label, month_start, shift_month
from branches.models import Member, Organization

from .models import BaseKind, DuesAssessment, DuesBracket, DuesExpense, DuesPayment, DuesSetting

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")
MONEY_FIELD = {"max_digits": 12, "decimal_places": 2}
MONEY_ERRORS = {
    "invalid": "请填写金额（数字，最多两位小数）。",
    "max_digits": "金额位数过多，请核对。",
    "max_decimal_places": "金额最多保留两位小数（精确到分）。",
    "max_whole_digits": "金额位数过多，请核对。",
}


def parse_month(value: str) -> datetime.date:
    match = MONTH_PATTERN.match((value or "").strip())
    if not match:
        raise ValidationError("月份格式应为 2026-03。")
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValidationError("月份不存在，请核对。")
    return datetime.date(year, month, 1)


class MonthField(forms.CharField):
    """A month as YYYY-MM (the phone's month picker), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"})

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return f"{value:%Y-%m}"
        return value

    def to_python(self, value):
        value = super().to_python(value)
        return parse_month(value) if value else None


def money(label, **kwargs):
    return forms.DecimalField(label=label, error_messages=MONEY_ERRORS, **MONEY_FIELD, **kwargs)


class AssessmentForm(forms.Form):
    effective_from = MonthField(label="起始月份", help_text="从该月起按本核定交纳。")
    base_kind = forms.ChoiceField(label="基数类别", choices=BaseKind.choices)
    base_amount = money(
        "计算基数（元/月）",
        required=False,
        help_text="在职党员填税后月工资收入，离退休党员填月离退休费；按固定金额交纳的不填。",
    )
    voluntary_extra = money("自愿多交（元/月）", required=False)
    reduction = forms.ChoiceField(
        label="减免", choices=DuesAssessment.Reduction.choices, required=False
    )
    reduced_due = money("减交后应交（元/月）", required=False)
    approval_number = forms.CharField(label="批准文号", max_length=60, required=False)
    reduction_reason = forms.CharField(label="减免理由", max_length=200, required=False)
    reason = forms.CharField(label="变更说明", max_length=200, required=False)


class PaymentForm(forms.Form):
    member = forms.ModelChoiceField(
        label="党员",
        queryset=Member.objects.none(),
        error_messages={"invalid_choice": "该党员不存在或不在您的管理范围内。"},
    )
    months = forms.MultipleChoiceField(
        label="所交月份",
        widget=forms.CheckboxSelectMultiple,
        help_text="按季交纳可一次勾选当月及以后3个月；补交最多追溯6个月。",
        error_messages={"invalid_choice": "所选月份超出了可登记的范围。"},
    )
    paid_on = forms.DateField(label="交纳日期", widget=DATE_WIDGET)
    amount = money("金额（元）")
    method = forms.ChoiceField(label="交纳方式", choices=DuesPayment.Method.choices)
    receipt_number = forms.CharField(label="收据编号", max_length=40, required=False)
    paid_by = forms.ChoiceField(
        label="交纳人", choices=DuesPayment.PaidBy.choices, initial=DuesPayment.PaidBy.SELF
    )
    payer_name = forms.CharField(label="代交人姓名", max_length=50, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, members, setting: DuesSetting, shown=None, today=None, **kwargs):
        """`members` are the members the form accepts; `shown` (a list of them), when given,
        the only ones its list offers (a large scope searches first)."""
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        self.fields["member"].queryset = members
        if shown is not None:
            field = self.fields["member"]
            field.widget.choices = [("", field.empty_label), *((m.pk, str(m)) for m in shown)]
            field.help_text = "范围内党员较多：请先在上方按姓名查找，再从结果中选择。"
        self.fields["months"].choices = month_choices(setting, today)
        self.fields["paid_on"].initial = today

    def clean_months(self):
        return [parse_month(value) for value in self.cleaned_data["months"]]


def month_choices(setting: DuesSetting, today: datetime.date) -> list[tuple[str, str]]:
    """The months a payment made today may cover: the back-payment window to a quarter ahead."""
    first = shift_month(month_start(today), -setting.back_payment_months)
    count = setting.back_payment_months + setting.advance_months
    months = [shift_month(first, n) for n in range(count)]
    return [(f"{m:%Y-%m}", month_label(m)) for m in months]


class MonthBatchForm(forms.Form):
    """The header of the grid's form; the member lines are read by the view."""

    month = forms.ChoiceField(label="所交月份")
    paid_on = forms.DateField(label="交纳日期", widget=DATE_WIDGET)
    method = forms.ChoiceField(label="交纳方式", choices=DuesPayment.Method.choices)

    def __init__(self, *args, setting: DuesSetting, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        self.fields["month"].choices = month_choices(setting, today)
        self.fields["paid_on"].initial = today

    def clean_month(self):
        return parse_month(self.cleaned_data["month"])


class RemittanceForm(forms.Form):
    organization = forms.ModelChoiceField(
        label="上缴党组织",
        queryset=Organization.objects.none(),
        error_messages={"invalid_choice": "该党组织不存在或不在您的管理范围内。"},
    )
    period_from = MonthField(label="所属期间起（月）")
    period_to = MonthField(label="所属期间止（月）")
    amount = money("上缴金额（元）")
    remitted_on = forms.DateField(label="上缴日期", widget=DATE_WIDGET)
    receipt_number = forms.CharField(label="凭证编号", max_length=40, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["remitted_on"].initial = timezone.localdate()


class ExpenseForm(forms.Form):
    organization = forms.ModelChoiceField(
        label="使用党组织",
        queryset=Organization.objects.none(),
        error_messages={"invalid_choice": "该党组织不存在或不在您的管理范围内。"},
    )
    category = forms.ChoiceField(label="用途类别", choices=DuesExpense.Category.choices)
    purpose = forms.CharField(label="事由", max_length=200)
    amount = money("金额（元）")
    spent_on = forms.DateField(label="支出日期", widget=DATE_WIDGET)
    files = MultipleFileField(
        label="支出凭证",
        required=False,
        help_text="发票、审批单或照片：图片、PDF 或 Office 文件，可多选。",
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["spent_on"].initial = timezone.localdate()


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="审批", choices=[("approve", "批准"), ("return", "退回")], widget=forms.RadioSelect
    )
    comment = forms.CharField(label="意见", max_length=200, required=False)


class BracketForm(forms.ModelForm):
    class Meta:
        model = DuesBracket
        fields = ["lower", "upper", "rate_percent", "fixed_amount", "note"]


class SettingForm(forms.ModelForm):
    class Meta:
        model = DuesSetting
        fields = ["rounding", "warning_months", "alert_months", "back_payment_months"]
        fields += ["advance_months"]


class CopyTableForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    effective_from = forms.DateField(label="生效日期", widget=DATE_WIDGET)
    source = forms.CharField(label="依据", max_length=200, required=False)


def decimal_or_none(raw: str):
    """A grid cell's amount: blank means "the assessed due"."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except ArithmeticError:
        raise ValidationError(f"金额“{raw}”不是数字。") from None
    if not value.is_finite():
        raise ValidationError(f"金额“{raw}”不是数字。")
    return value
