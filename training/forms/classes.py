"""Forms of training classes: the class, a session of its timetable, enrolment."""

from django import forms

from alxa_dangjian.core.forms import DATE_WIDGET
from branches.models import Member

from ..models import ClassSession, Course, SchemeComponent, TrainingClass


class TrainingClassForm(forms.ModelForm):
    class Meta:
        model = TrainingClass
        fields = [
            "title",
            "kind",
            "organization",
            "starts_on",
            "ends_on",
            "component",
            "location",
            "cost",
            "note",
        ]
        widgets = {"starts_on": DATE_WIDGET, "ends_on": DATE_WIDGET}

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["component"].queryset = SchemeComponent.objects.select_related("scheme")
        self.fields["component"].label_from_instance = lambda c: (
            f"{c.scheme.year}年 {c.scheme.code}：{c}"
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "结束日期不能早于开始日期。")
        return cleaned


class SessionForm(forms.ModelForm):
    class Meta:
        model = ClassSession
        fields = ["held_on", "duration", "clock_hours", "course", "topic"]
        widgets = {"held_on": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.active()


class EnrollForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label="报名党员", queryset=Member.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members
