"""Forms of the league-wide training rules: schemes (培训方案) and their components, the
yearly 学时 minimums and how a day counts."""

from django import forms

from alxa_dangjian.core import rules

from ..models import HourCounting, HourRule, SchemeComponent, TrainingScheme


class SchemeForm(forms.ModelForm):
    change_reason = rules.reason_field()

    class Meta:
        model = TrainingScheme
        fields = ["year", "code", "name", "is_sample", "note"]


class ComponentForm(forms.ModelForm):
    class Meta:
        model = SchemeComponent
        fields = ["order", "quantity", "unit", "course_form", "audience", "description"]


ComponentFormSet = forms.inlineformset_factory(
    TrainingScheme, SchemeComponent, form=ComponentForm, extra=2, can_delete=True
)


class HourRuleForm(forms.ModelForm):
    change_reason = rules.reason_field()

    class Meta:
        model = HourRule
        fields = ["year", "audience", "minimum", "source"]


class HourCountingForm(forms.ModelForm):
    change_reason = rules.reason_field()

    class Meta:
        model = HourCounting
        fields = ["year", "full_day", "half_day", "per_hour"]
