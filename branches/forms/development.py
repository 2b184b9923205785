"""Forms of the member-development screens; the rules themselves live in
branches/rules/development.py and branches/services/development.py."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from alxa_dangjian.core.forms import DATE_WIDGET

from ..models import DevelopmentCase, Member, Organization, ProbationDecision, Step
from ..rules.development import VOTED_STEPS


class DevelopmentCaseForm(forms.ModelForm):
    applied_on = forms.DateField(label="递交入党申请书日期", widget=DATE_WIDGET)
    note = forms.CharField(label="说明", max_length=200, required=False)

    class Meta:
        model = DevelopmentCase
        fields = [
            "organization",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "ethnicity",
            "education",
            "unit",
        ]
        widgets = {"birth_date": DATE_WIDGET}

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = (
            Organization.objects.visible_to(by).active().branches().order_by("path")
        )
        self.fields["organization"].label = "所在党支部"
        self.fields["id_number"].help_text = "18位，须与出生日期、性别一致。"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "建立发展档案"))


class StepForm(forms.Form):
    step = forms.ChoiceField(label="步骤", choices=Step.choices)
    done_on = forms.DateField(label="日期", widget=DATE_WIDGET)
    note = forms.CharField(label="说明", max_length=200, required=False)
    present_voters = forms.IntegerField(
        label="到会有表决权的党员数",
        min_value=0,
        max_value=32767,
        required=False,
        help_text=(
            "仅支部大会讨论接收、转正时填写。有表决权的党员数按会议当日本支部正式党员名册"
            "自动计算，无需填写。"
        ),
    )
    votes_for = forms.IntegerField(
        label="赞成票数",
        min_value=0,
        max_value=32767,
        required=False,
        help_text="赞成票须超过有表决权党员的半数。",
    )

    def __init__(self, *args, with_vote: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_vote:
            del self.fields["present_voters"], self.fields["votes_for"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "登记步骤"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("step") not in VOTED_STEPS:
            # The vote belongs to the 支部大会 steps only; figures typed for another are dropped.
            cleaned["present_voters"] = cleaned["votes_for"] = None
        cleaned.setdefault("present_voters", None)
        cleaned.setdefault("votes_for", None)
        return cleaned


class ProbationDecisionForm(forms.Form):
    """转正 (members without a development case), 延长预备期 or 取消预备党员资格, decided by
    a 支部大会 vote."""

    kind = forms.ChoiceField(label="支部大会决定", choices=ProbationDecision.Kind.choices)
    held_on = forms.DateField(label="支部大会日期", widget=DATE_WIDGET)
    months = forms.TypedChoiceField(
        label="延长预备期",
        choices=[("", "—"), *((n, f"{n}个月") for n in range(6, 13))],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="仅延长预备期时填写，6至12个月，只能延长一次。",
    )
    reason = forms.CharField(
        label="理由", max_length=200, required=False, help_text="延长预备期、取消资格须填写。"
    )
    present_voters = forms.IntegerField(label="到会有表决权的党员数", min_value=0, max_value=32767)
    votes_for = forms.IntegerField(label="赞成票数", min_value=0, max_value=32767)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "present_voters"
        ].help_text = "有表决权的党员数按会议当日本支部正式党员名册自动计算；赞成票须超过其半数。"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "登记决定"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ProbationDecision.Kind.EXTEND and not cleaned.get("months"):
            self.add_error("months", "延长预备期须选择延长的月数。")
        return cleaned


class SponsorsForm(forms.Form):
    sponsors = forms.ModelMultipleChoiceField(
        label="入党介绍人",
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="请选择两名本支部正式党员。",
    )

    def __init__(self, *args, case: DevelopmentCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sponsors"].queryset = Member.objects.filter(
            organization=case.organization,
            status=Member.Status.FULL,
            standing=Member.Standing.NORMAL,
        ).order_by("name", "pk")
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "保存入党介绍人"))


class CloseForm(forms.Form):
    reason = forms.CharField(label="终止原因", max_length=200, initial="不再培养")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        button = Submit("submit", "终止发展")
        button.field_classes = "btn btn-outline-danger"
        self.helper.add_input(button)
