"""The 三期护航 note form: choices narrowed to what the user may name."""

from django import forms

from alxa_dangjian.core.forms import DATE_WIDGET

from ..models import RatingRound, SupervisionNote
from ..services.supervision import possible_owners, supervised_branches


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name()}（{obj.get_role_display()}）"


class SupervisionNoteForm(forms.ModelForm):
    owner = OwnerField(
        label="责任人",
        queryset=None,
        error_messages={"invalid_choice": "所选责任人不在您的管理范围内。"},
    )

    class Meta:
        model = SupervisionNote
        fields = ["round", "organization", "phase", "text", "owner", "follow_up", "due_on"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "due_on": DATE_WIDGET}
        error_messages = {
            "organization": {"invalid_choice": "所选党支部不在您的管理范围内。"},
            "round": {"invalid_choice": "所选评定轮次不存在。"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = RatingRound.objects.order_by("-year", "scope", "pk")
        self.fields["organization"].queryset = supervised_branches(user).order_by("path")
        self.fields["owner"].queryset = possible_owners(user).order_by("organization__path", "pk")
        if self.instance.pk:
            # A note stays on its branch and round; only its content and follow-up change.
            del self.fields["round"]
            del self.fields["organization"]
