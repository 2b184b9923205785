"""Payments on the branch's ledger: one member's months, or a whole branch's month."""

import datetime

from django import forms
from django.utils import timezone

from alxa_dangjian.core.forms import DATE_WIDGET
from alxa_dangjian.core.periods import month_label, month_start, shift_month
from branches.models import Member

from ..models import DuesPayment, DuesSetting
from .fields import money, parse_month


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
