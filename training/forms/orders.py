"""Forms of course orders (点菜 / 配菜): ordering, assigning, answering and scheduling."""

from django import forms

from alxa_dangjian.core.forms import DATE_WIDGET
from branches.models import Organization

from ..models import Course, CourseOrder, TrainingClass


class OrderForm(forms.ModelForm):
    class Meta:
        model = CourseOrder
        fields = ["organization", "course", "wished_on", "audience", "note"]
        widgets = {"wished_on": DATE_WIDGET}

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["course"].queryset = Course.objects.active()


class AssignForm(forms.Form):
    course = forms.ModelChoiceField(label="课程", queryset=Course.objects.none())
    organizations = forms.ModelMultipleChoiceField(
        label="配送至党支部", queryset=Organization.objects.none()
    )
    scheduled_on = forms.DateField(label="安排日期", widget=DATE_WIDGET)
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
    scheduled_on = forms.DateField(label="改期至", widget=DATE_WIDGET)


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
