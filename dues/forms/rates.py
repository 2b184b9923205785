"""The rate standard: its brackets, a copy of a table from a date, and the league's settings."""

from django import forms

from alxa_dangjian.core.forms import DATE_WIDGET

from ..models import DuesBracket, DuesSetting


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
