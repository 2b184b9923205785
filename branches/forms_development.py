"""Forms of the member-development screens; the rules themselves live in branches/development.py."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError

from .models import DevelopmentCase, Member, Organization, Step

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form, by field where the form has that field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


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
    entitled_voters = forms.IntegerField(
        label="有表决权的党员数",
        min_value=1,
        max_value=32767,
        required=False,
        help_text="仅“支部大会讨论接收预备党员”填写：本支部正式党员人数。",
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
            del self.fields["entitled_voters"], self.fields["votes_for"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "登记步骤"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("step") != Step.ADMISSION_MEETING:
            # The vote belongs to one step only; figures typed for another are dropped.
            cleaned["entitled_voters"] = cleaned["votes_for"] = None
        cleaned.setdefault("entitled_voters", None)
        cleaned.setdefault("votes_for", None)
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
