from django import forms

from alxa_dangjian.core import rules
from alxa_dangjian.core.forms import add_service_error
from branches.models import Member, Organization

from .models import (
    ClassSession,
    Course,
    CourseOrder,
    HourCounting,
    HourRule,
    SchemeComponent,
    Teacher,
    TrainingClass,
    TrainingScheme,
)

__all__ = ["add_service_error"]

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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


class TeacherForm(forms.ModelForm):
    class Meta:
        model = Teacher
        fields = ["name", "unit", "source", "topics", "phone", "status", "member", "note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.visible_to(user).in_good_standing()


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = ["title", "form", "hours", "teacher", "description", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = Teacher.objects.approved()


class OrderForm(forms.ModelForm):
    class Meta:
        model = CourseOrder
        fields = ["organization", "course", "wished_on", "audience", "note"]
        widgets = {"wished_on": DATE}

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["course"].queryset = Course.objects.active()


class AssignForm(forms.Form):
    course = forms.ModelChoiceField(label="课程", queryset=Course.objects.none())
    organizations = forms.ModelMultipleChoiceField(
        label="配送至党支部", queryset=Organization.objects.none()
    )
    scheduled_on = forms.DateField(label="安排日期", widget=DATE)
    audience = forms.ChoiceField(
        label="对象", choices=CourseOrder._meta.get_field("audience").choices
    )
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.active()
        self.fields["organizations"].queryset = organizations


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=300, required=False)


class RescheduleForm(ReasonForm):
    scheduled_on = forms.DateField(label="改期至", widget=DATE)


class ScheduleForm(forms.Form):
    training_class = forms.ModelChoiceField(
        label="排入已有培训班",
        queryset=TrainingClass.objects.none(),
        required=False,
        help_text="不选则为该支部新建一期支部培训。",
    )
    location = forms.CharField(label="地点", max_length=100, required=False)

    def __init__(self, *args, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training_class"].queryset = classes


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
        widgets = {"starts_on": DATE, "ends_on": DATE}

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
        widgets = {"held_on": DATE}

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
