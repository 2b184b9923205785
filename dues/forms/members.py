"""A member's assessment: the base, reductions and voluntary extra from a month on."""

from django import forms

from ..models import BaseKind, DuesAssessment
from .fields import MonthField, money


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
