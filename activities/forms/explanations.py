"""Forms of the explanations of overdue items (activities/services/explanations.py holds the
rules)."""

from django import forms

from ..models import OverdueExplanation
from ..services.explanations import REASON_MAX


class ExplanationForm(forms.Form):
    kind = forms.ChoiceField(
        label="办理方式",
        choices=OverdueExplanation.Kind.choices,
        initial=OverdueExplanation.Kind.NOT_HELD,
        widget=forms.RadioSelect,
        help_text="未开展说明：提交后该事项不再列为待办，合规监测中记为“已说明”（不计为已开展）。"
        "补录申请：经上级党委批准后，可登记该期间的组织生活记录。",
        error_messages={
            "required": "请选择“未开展说明”或“补录申请”。",
            "invalid_choice": "请选择“未开展说明”或“补录申请”。",
        },
    )
    reason = forms.CharField(
        label="理由",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="请写明未按期开展或未及时登记的原因，不少于10个字。",
        error_messages={
            "required": "请说明原因，不少于10个字。",
            "max_length": f"理由不能超过{REASON_MAX}字。",
        },
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "批准"), ("reject", "不批准")],
        error_messages={
            "required": "请选择批准或不批准。",
            "invalid_choice": "请选择批准或不批准。",
        },
    )
    comment = forms.CharField(
        label="审批意见",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "审批意见不能超过300字。"},
    )
