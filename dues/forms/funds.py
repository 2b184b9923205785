"""Dues funds: a remittance handed up, an expense with its vouchers, and its review."""

from django import forms
from django.utils import timezone

from alxa_dangjian.core.forms import DATE_WIDGET, MultipleFileField
from branches.models import Organization

from ..models import DuesExpense
from .fields import MonthField, money


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
