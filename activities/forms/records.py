"""Forms of organisational life. Rules live in `services`; these forms shape choices to the
hosting branch and turn the answers (and the services' refusals) into Chinese messages."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from alxa_dangjian.core.forms import DATE_WIDGET, MultipleFileField
from branches.models import Organization

from ..models import Activity, ActivityKind, CampaignTag
from ..services.records import LOGGABLE_TYPES, Mark, backfill_start

ATTENDANCE_PREFIX = "att-"
REASON_PREFIX = "reason-"
NAME_SEPARATORS = re.compile(r"[、，,；;\n\r]+")


class ActivityForm(forms.ModelForm):
    joint_names = forms.CharField(
        label="联合开展的党组织",
        required=False,
        max_length=1000,
        help_text="填写其他党支部的全称或简称，多个用顿号分隔；不联合开展的留空。"
        "您管理范围以外的党支部须经其书记或上级党组织确认后，才计入该支部的组织生活。",
    )
    belongs_to_year = forms.IntegerField(
        label="所属年度",
        required=False,
        min_value=1949,
        max_value=2100,
        help_text="组织生活会、民主评议党员在次年年初召开的，默认计入上一年度；不填则按日期自动确定。",
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), "请填写四位年份。"),
    )
    files = MultipleFileField(
        label="照片和文件",
        required=False,
        help_text="可一次选择多个：图片（JPG、PNG、GIF、WebP）、PDF、Word、Excel、PowerPoint。",
    )

    class Meta:
        model = Activity
        fields = [
            "kind",
            "also_kinds",
            "party_group",
            "held_on",
            "theme",
            "place",
            "host",
            "minutes",
            "tags",
        ]
        widgets = {
            "held_on": DATE_WIDGET,
            "minutes": forms.Textarea(attrs={"rows": 4}),
            "tags": forms.CheckboxSelectMultiple,
            "also_kinds": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = Q(is_active=True)
        if self.instance.pk:
            kinds |= Q(pk=self.instance.kind_id)
        self.fields["kind"].queryset = ActivityKind.objects.filter(kinds)
        self.fields["kind"].empty_label = "请选择类型"
        # Stopped kinds stay listed only where the record already names them; whether one
        # may be chosen (and never the main kind) is the service's rule.
        also = Q(is_active=True)
        if self.instance.pk:
            also |= Q(pk__in=self.instance.also_kinds.values("pk"))
        self.fields["also_kinds"].queryset = ActivityKind.objects.filter(also)
        self.fields["also_kinds"].required = False
        self.fields["party_group"].queryset = organization.party_groups.order_by("name")
        self.fields["party_group"].required = False
        self.fields["party_group"].help_text = "仅党小组会需要选择。"
        self.fields["tags"].queryset = CampaignTag.objects.all()
        # Hints for the phone's date picker; the service enforces the same window.
        self.fields["held_on"].widget.attrs.update(
            {"min": backfill_start().isoformat(), "max": timezone.localdate().isoformat()}
        )
        if self.instance.pk:
            self.initial["belongs_to_year"] = self.instance.belongs_to_year
            self.fields["held_on"].widget.attrs.pop("min")
            self.initial["joint_names"] = "、".join(
                org.name for org in self.instance.joint_organizations.all()
            )
        self.instance.organization = organization

    def clean_joint_names(self) -> list[Organization]:
        """Partners are named, not picked from a list: a branch sees only its own subtree, so
        the names of other branches are never listed to it."""
        names = [n.strip() for n in NAME_SEPARATORS.split(self.cleaned_data["joint_names"])]
        names = list(dict.fromkeys(n for n in names if n))
        if not names:
            return []
        found = Organization.objects.filter(Q(name__in=names) | Q(short_name__in=names)).active()
        found = list(found.filter(type__in=LOGGABLE_TYPES))
        organizations, unknown, ambiguous = [], [], []
        for name in names:
            exact = [org for org in found if org.name == name]
            matches = exact or [org for org in found if org.short_name == name]
            if not matches:
                unknown.append(name)
            elif len(matches) > 1:
                ambiguous.append(name)
            else:
                organizations.append(matches[0])
        if unknown:
            raise ValidationError(
                "找不到有效的党支部“{names}”，请核对全称。".format(names="、".join(unknown))
            )
        if ambiguous:
            raise ValidationError(
                "简称“{names}”对应多个党组织，请填写全称。".format(names="、".join(ambiguous))
            )
        return organizations

    def attendance(self, data) -> dict[int, Mark]:
        """Read the roster taps (`att-<member id>`, `reason-<member id>`) from the POST data.

        Whether each id belongs to the branch is the service's question; here only the
        shape is checked.
        """
        marks = {}
        for key in data:
            if not key.startswith(ATTENDANCE_PREFIX):
                continue
            raw = key.removeprefix(ATTENDANCE_PREFIX)
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
                self.add_error(None, "出勤名单数据有误，请刷新页面后重新填写。")
                return {}
            reason = data.get(f"{REASON_PREFIX}{raw}", "")
            marks[int(raw)] = Mark(data.get(key, ""), reason)
        return marks


class SubmitForm(forms.Form):
    confirm_quorum = forms.BooleanField(
        label="我已知晓到会人数未达到要求，仍然提交", required=False
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label="退回意见",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "退回时请填写退回意见，说明需要修改的地方。"},
    )


class UploadForm(forms.Form):
    files = MultipleFileField(label="添加照片或文件", required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].error_messages["required"] = "请选择要上传的照片或文件。"


COUNTED_FILTER = "counted"
# Drafts and returned records: those a month's count leaves out (the calendar's 草稿等 N).
UNCOUNTED_FILTER = "uncounted"
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _plausible(day):
    """Dates far outside the portal's years are dropped like any invalid filter."""
    return day if day is not None and FIRST_YEAR <= day.year <= LAST_YEAR else None


class ActivityFilterForm(forms.Form):
    """The list's filters; a value that is not one of the choices is simply ignored."""

    kind = forms.ModelChoiceField(
        queryset=ActivityKind.objects.all(), required=False, empty_label="全部类型"
    )
    # ASCII digits ("\d" also takes other scripts' digits) and years a date can hold a month past.
    month = forms.RegexField(regex=r"^2[01][0-9]{2}-(0[1-9]|1[0-2])$", required=False)
    status = forms.ChoiceField(
        choices=[
            ("", "全部状态"),
            (COUNTED_FILTER, "已提交或已审核（计入统计）"),
            (UNCOUNTED_FILTER, "草稿或已退回（未计入统计）"),
            *Activity.Status.choices,
        ],
        required=False,
    )
    # Held between `start` and `end` (either may be left open): the cockpit's figures link
    # here with the year up to the day they count to.
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)

    def clean_start(self):
        return _plausible(self.cleaned_data.get("start"))

    def clean_end(self):
        return _plausible(self.cleaned_data.get("end"))
