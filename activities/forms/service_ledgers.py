"""Forms of the service-ledger screens: the record form and the list's filters.

Choices are shaped to the user's scope here; the rules on one record live in
`ServiceRecord.clean()`.
"""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q

from alxa_dangjian.core.forms import DATE_WIDGET
from branches.models import Member, Organization

from ..models import ServiceLedgerType, ServiceRecord

# Beyond this many members in the owner's subtree a pick-list stops being usable: the
# participants are then written in 参与人员, or the record is owned by a single branch.
MAX_MEMBER_CHOICES = 300
FIRST_YEAR = 2019


def owner_choices(user):
    """Organisations that may own a record: visible and active, any level."""
    return Organization.objects.visible_to(user).active().order_by("path")


class ServiceRecordForm(forms.ModelForm):
    class Meta:
        model = ServiceRecord
        fields = [
            "type",
            "organization",
            "title",
            "description",
            "partner",
            "started_on",
            "ended_on",
            "status",
            "quantity",
            "people",
            "members",
        ]
        widgets = {
            "started_on": DATE_WIDGET,
            "ended_on": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 4}),
            "members": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = ServiceLedgerType.objects.filter(is_active=True)
        self.fields["type"].empty_label = "请选择台账类型"
        owners = owner_choices(by)
        self.fields["organization"].queryset = owners
        self.fields["organization"].empty_label = "请选择责任党组织"
        self.fields["organization"].error_messages["invalid_choice"] = (
            "所选党组织不存在或不在您的管理范围内。"
        )
        self.fields["quantity"].min_value = 0
        self._limit_members(self._owner(owners))
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "保存"))

    def _owner(self, owners):
        """The organisation whose subtree supplies the member choices: the one posted, else
        the one the form starts with."""
        if self.is_bound:
            value = self.data.get(self.add_prefix("organization"))
        else:
            value = self.initial.get("organization") or self.instance.organization_id
        value = getattr(value, "pk", value)
        value = str(value or "")
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            return None
        return owners.filter(pk=value).first()

    def _limit_members(self, owner):
        field = self.fields["members"]
        field.error_messages["invalid_choice"] = "所选党员“%(value)s”不属于责任党组织或其下级组织。"
        if owner is None:
            field.queryset = Member.objects.none()
            field.help_text = "请先选择责任党组织并保存，再选择参与党员。"
            return
        members = Member.objects.in_good_standing().in_subtree(owner)
        if members.count() > MAX_MEMBER_CHOICES:
            field.queryset = Member.objects.none()
            field.disabled = True
            field.help_text = (
                "该党组织党员较多，请在“参与人员”中填写，或将责任党组织选为具体的党支部。"
            )
            return
        field.queryset = members.select_related("organization").order_by(
            "organization__path", "name", "pk"
        )
        field.label_from_instance = lambda m: f"{m.name}（{m.organization.display_name}）"
        field.help_text = "可多选（按住 Ctrl 或 ⌘）；仅限责任党组织及其下级组织的党员。"


class ServiceRecordFilterForm(forms.Form):
    """The list's filters; an invalid value is dropped, never an error page."""

    ALL_YEARS = "all"

    q = forms.CharField(label="搜索", required=False, max_length=50)
    type = forms.ModelChoiceField(
        label="台账类型", queryset=ServiceLedgerType.objects.none(), required=False,
        to_field_name="code", empty_label="全部类型",
    )  # fmt: skip
    organization = forms.ModelChoiceField(
        label="党组织", queryset=Organization.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *ServiceRecord.Status.choices]
    )
    year = forms.ChoiceField(label="年度", required=False)
    # Begun by this day: the cockpit's figure counts the year up to today.
    until = forms.DateField(label="开始日期不晚于", required=False)

    def __init__(self, *args, by, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or datetime.date.today()
        self.fields["type"].queryset = ServiceLedgerType.objects.filter(is_active=True)
        self.fields["organization"].queryset = Organization.objects.visible_to(by)
        years = range(self.today.year + 1, FIRST_YEAR - 1, -1)
        self.fields["year"].choices = [
            *((str(y), f"{y}年") for y in years),
            (self.ALL_YEARS, "全部年度"),
        ]

    def filters(self) -> dict:
        """The valid filters, with defaults: the current year, the user's whole scope."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        year = data["year"] or str(self.today.year)
        data["year"] = None if year == self.ALL_YEARS else int(year)
        data["year_value"] = year
        until = data["until"]
        if until is not None and not FIRST_YEAR <= until.year <= self.today.year + 1:
            data["until"] = None
        return data

    def apply(self, records, data, *, with_type=True):
        """Narrow an already scoped queryset by the filters (the type filter optional, so the
        per-type counts can show every type)."""
        if data["q"]:
            text = data["q"].strip()
            records = records.filter(
                Q(title__icontains=text) | Q(partner__icontains=text) | Q(people__icontains=text)
            )
        if data["organization"]:
            records = records.in_subtree(data["organization"])
        if data["status"]:
            records = records.filter(status=data["status"])
        if data["year"]:
            records = records.in_year(data["year"])
        if data["until"]:
            records = records.started_by(data["until"])
        if with_type and data["type"]:
            records = records.filter(type=data["type"])
        return records
