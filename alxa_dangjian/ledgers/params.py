"""The filters of a ledger export, validated for the requesting user.

A ledger's form subclasses `LedgerForm`. Its cleaned data (the "options") reach the ledger's
queryset function; `params()` is the JSON form kept on the ExportJob, from which a background
job re-validates them for the same user before it runs.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from alxa_dangjian.accounts import roles
from branches.models import Organization

# The single parameter that adds full ID numbers (and phone numbers) to a ledger.
FULL_PERSONAL_DATA = "full_id"


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        indent = "　" * max(obj.depth - self.base_depth, 0)
        return f"{indent}{obj.name}"


class LedgerForm(forms.Form):
    """Every ledger can be narrowed to one organisation's subtree inside the user's scope."""

    organization = OrganizationChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        label="党组织范围",
        empty_label="本级及全部下级",
        help_text="选择一个党组织，导出它及其下级组织的数据。",
        error_messages={"invalid_choice": "所选党组织不存在或不在您的管理范围内。"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["organization"]
        field.queryset = Organization.objects.visible_to(user).order_by("path")
        field.base_depth = user.organization.depth if user.organization_id else 0

    @property
    def names_foreign_organization(self) -> bool:
        """An organisation outside the user's scope was named: answer 404, confirm nothing."""
        return self.has_error("organization", "invalid_choice")

    @property
    def full_personal_data(self) -> bool:
        return bool(self.cleaned_data.get(FULL_PERSONAL_DATA))

    def params(self) -> dict:
        """The cleaned options as JSON: model instances by primary key, empty values left out."""
        params = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, models.Model):
                value = value.pk
            if value in (None, "", False):
                continue
            params[name] = value
        return params

    def describe(self) -> str:
        """The scope and filters in words, for the workbook subtitle and the export log."""
        organization = self.cleaned_data.get("organization") or self.user.organization
        parts = [f"范围：{organization.name if organization else '—'}"]
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if name in ("organization", FULL_PERSONAL_DATA) or value in (None, "", False):
                continue
            if isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(value, value)
            parts.append(f"{field.label}：{value}")
        return "；".join(parts)


class PersonalDataLedgerForm(LedgerForm):
    """A ledger holding ID and phone numbers: masked unless a reviewing role asks for them."""

    full_id = forms.BooleanField(
        required=False,
        label="包含完整的身份证号码和联系电话",
        help_text="默认隐去部分数字。导出完整信息会被记录，请妥善保管文件。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.user.may(roles.REVIEW):
            del self.fields[FULL_PERSONAL_DATA]

    def clean(self):
        cleaned = super().clean()
        asked = self.data.get(FULL_PERSONAL_DATA) not in (None, "", "0", "false", False)
        if asked and FULL_PERSONAL_DATA not in self.fields:
            raise ValidationError("您的角色无权导出完整的身份证号码和联系电话。")
        return cleaned


def in_chosen_subtree(queryset, options, lookup="organization__path"):
    """Narrow an already scoped queryset to the subtree of the form's chosen organisation."""
    organization = options.get("organization")
    if organization is None:
        return queryset
    return queryset.filter(**{f"{lookup}__startswith": organization.path})


class YearLedgerForm(LedgerForm):
    """A ledger for one year, this year unless another is given."""

    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        required=False,
        error_messages={
            "invalid": "年份须为整数，例如 2025。",
            "min_value": "年份须在 2000 至 2100 之间。",
            "max_value": "年份须在 2000 至 2100 之间。",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year

    def clean_year(self):
        return self.cleaned_data.get("year") or timezone.localdate().year
