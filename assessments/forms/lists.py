"""Forms of the responsibility lists. They shape input; the rules are in
assessments/services/lists.py."""

import datetime

from django import forms
from django.http import Http404
from django.utils import timezone

from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from alxa_dangjian.core.forms import DATE_WIDGET
from branches.models import Organization

from ..models import (
    CheckpointEntry,
    CheckpointWindow,
    ResponsibilityItem,
    ResponsibilityListType,
    Stage,
)
from ..services import lists


def year_choices(today: datetime.date | None = None) -> list[tuple[int, str]]:
    this_year = (today or timezone.localdate()).year
    return [(y, f"{y}年") for y in range(this_year + 1, this_year - 5, -1)]


class ListFilterForm(forms.Form):
    """The index's filters. A bad value falls back to the default instead of an error page."""

    year = forms.TypedChoiceField(label="年度", coerce=int, required=False)
    type = forms.ModelChoiceField(
        label="清单类型",
        queryset=ResponsibilityListType.objects.all(),
        required=False,
        empty_label="全部类型",
    )
    q = forms.CharField(label="党组织", required=False, max_length=40)

    def __init__(self, data, *, user):
        super().__init__(data)
        self.user = user
        self.fields["year"].choices = year_choices()

    def filters(self) -> dict:
        valid = self.is_valid()
        data = self.cleaned_data if valid else {}
        organization = None
        raw = self.data.get("organization")
        if raw:
            pk = params.parse_integer(str(raw), low=1, high=2**63 - 1)
            if pk is None:
                raise Http404("党组织参数无效。")
            organization = get_visible_or_404(Organization, self.user, pk=pk)
        return {
            "year": data.get("year") or timezone.localdate().year,
            "type": data.get("type"),
            "q": (data.get("q") or "").strip(),
            "organization": organization,
        }


class ListCreateForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int)
    type = forms.ModelChoiceField(
        label="清单类型", queryset=ResponsibilityListType.objects.filter(is_active=True)
    )
    owner_organization = forms.ModelChoiceField(
        label="责任党组织", queryset=Organization.objects.none()
    )
    owner_person = forms.CharField(
        label="责任人姓名",
        max_length=40,
        required=False,
        help_text="第一责任人清单、一岗双责清单必填。",
    )
    owner_post = forms.CharField(
        label="职务", max_length=40, required=False, help_text="如“书记”“组织委员”。"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        self.fields["year"].initial = timezone.localdate().year
        self.fields["owner_organization"].queryset = lists.owner_choices(user).order_by("path")
        self.fields["owner_organization"].initial = user.organization_id


class ItemForm(forms.ModelForm):
    class Meta:
        model = ResponsibilityItem
        fields = ["order", "content", "deadline"]
        widgets = {"content": forms.Textarea(attrs={"rows": 3}), "deadline": DATE_WIDGET}
        help_texts = {"order": "留空或0表示排在最后。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False


class CheckpointForm(forms.Form):
    progress = forms.ChoiceField(
        label="进展", choices=[("", "请选择")] + CheckpointEntry.Progress.choices, required=False
    )
    completed_on = forms.DateField(label="完成日期", required=False, widget=DATE_WIDGET)
    note = forms.CharField(
        label="情况说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, stage: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage = stage
        if stage == Stage.PLAN:
            del self.fields["progress"]
            del self.fields["completed_on"]
            self.fields["note"].label = "备注"


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "确认"), ("return", "退回")])
    comment = forms.CharField(label="审核意见", required=False, max_length=300)


class WindowForm(forms.ModelForm):
    class Meta:
        model = CheckpointWindow
        fields = [
            "year",
            "plan_opens_on",
            "plan_closes_on",
            "mid_opens_on",
            "mid_closes_on",
            "final_opens_on",
            "final_closes_on",
        ]
        widgets = {name: DATE_WIDGET for name in fields if name != "year"}


class ListTypeForm(forms.ModelForm):
    class Meta:
        model = ResponsibilityListType
        fields = [
            "name",
            "code",
            "owner_label",
            "needs_person",
            "description",
            "sort_order",
            "is_active",
        ]
        help_texts = {"code": "英文字母、数字或连字符，用于导出和接口。"}
