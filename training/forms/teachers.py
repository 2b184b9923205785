"""Forms of the teacher pool (师资库) and the course menu (课程菜单)."""

from django import forms

from branches.models import Member

from ..models import Course, Teacher


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
