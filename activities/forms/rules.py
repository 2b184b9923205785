"""Forms of the league-wide frequency rules (set by the work committee) and of per-branch
exemptions."""

from django import forms

from alxa_dangjian.core import rules
from alxa_dangjian.core.forms import DATE_WIDGET
from branches.models import Organization

from ..compliance import JUDGED_TYPES
from ..models import Exemption, FrequencyRule


class FrequencyRuleForm(forms.ModelForm):
    change_reason = rules.reason_field()
    min_count = forms.IntegerField(label="最少次数", min_value=1, max_value=31)
    organization_types = forms.MultipleChoiceField(
        label="适用组织类型",
        choices=[(t.value, t.label) for t in Organization.Type if t != "work_committee"],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = FrequencyRule
        fields = [
            "period",
            "min_count",
            "organization_types",
            "requires_committee",
            "per_party_group",
            "effective_from",
            "effective_to",
            "source",
        ]
        widgets = {
            "effective_from": DATE_WIDGET,
            "effective_to": DATE_WIDGET,
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("effective_from"), cleaned.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", "失效日期不能早于生效日期。")
        return cleaned


class ExemptionForm(forms.ModelForm):
    class Meta:
        model = Exemption
        fields = ["organization", "rule", "starts_on", "ends_on", "reason"]
        widgets = {
            "starts_on": DATE_WIDGET,
            "ends_on": DATE_WIDGET,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = (
            Organization.objects.visible_to(user)
            .active()
            .filter(type__in=JUDGED_TYPES)
            .order_by("path")
        )
        self.fields["rule"].queryset = FrequencyRule.objects.select_related("kind")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "结束日期不能早于开始日期。")
        return cleaned
