"""Forms of the member screens: the member record, transfers in, between branches and out, the
roster filter and lost contact.

Rules live in the models' `clean()` and in `services`; these forms only shape choices to the
user's scope and turn the answers into Chinese messages.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError

from alxa_dangjian.core.forms import DATE_WIDGET
from alxa_dangjian.core.idnumber import InvalidIdNumber, normalize_id_number, parse_id_number
from alxa_dangjian.core.params import FIRST_YEAR, LAST_YEAR

from ..member_fields import form_fields
from ..models import (
    ETHNIC_GROUPS,
    Member,
    Organization,
    PartyGroup,
)
from ..models.members import MSG_ID_NUMBER_WITHHELD, AgeBand, full_on
from .layout import submit_helper, two_columns

EXTENSION_CHOICES = [(0, "未延长"), *((n, f"{n}个月") for n in range(6, 13))]


def member_branches(user):
    """Branches where this user may keep members: visible, active, not 临时党支部."""
    return (
        Organization.objects.visible_to(user)
        .branches()
        .active()
        .exclude(type=Organization.Type.TEMPORARY_BRANCH)
        .order_by("path")
    )


# Members ------------------------------------------------------------------------------------


def _with_extension(names: list[str]) -> list[str]:
    """The member fields (branches/member_fields.py), with the probation's extension after the
    member's type."""
    at = names.index("status") + 1
    return [*names[:at], "probation_extension_months", *names[at:]]


class MemberForm(forms.ModelForm):
    """Create a member. Birth date and gender may be left blank: the ID number supplies them."""

    probation_extension_months = forms.TypedChoiceField(
        label="延长预备期", choices=EXTENSION_CHOICES, coerce=int, initial=0
    )

    class Meta:
        model = Member
        fields = _with_extension(form_fields())
        widgets = {
            "birth_date": DATE_WIDGET,
            "work_started_on": DATE_WIDGET,
            "joined_on": DATE_WIDGET,
            "confirmed_on": DATE_WIDGET,
        }
        # Only reached in a race with another save: clean_id_number answers first.
        error_messages = {"id_number": {"unique": MSG_ID_NUMBER_WITHHELD}}

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        self.by = by
        if self.instance._state.adding:
            self.fields["organization"].queryset = member_branches(by)
            self.fields["organization"].empty_label = "请选择党支部"
            branches = list(self.fields["organization"].queryset[:2])
            if len(branches) == 1:  # a secretary's own branch
                self.initial.setdefault("organization", branches[0].pk)
        self.fields["gender"].required = False
        self.fields["gender"].choices = [("", "按身份证号码识别"), *Member.Gender.choices]
        self.fields["birth_date"].required = False
        self.fields["birth_date"].help_text = "留空则按身份证号码自动识别。"
        self.helper = submit_helper()
        self.helper.layout = two_columns(self.fields)

    def clean_id_number(self):
        number = normalize_id_number(self.cleaned_data["id_number"])
        self.refuse_registered(number)
        return number

    def refuse_registered(self, number: str) -> None:
        """A number another member holds: named where the user may see that member, the
        neutral answer elsewhere (MSG_ID_NUMBER_WITHHELD)."""
        holder = (
            Member.objects.filter(id_number=number)
            .exclude(pk=self.instance.pk)
            .values_list("pk", flat=True)
            .first()
        )
        if holder is None:
            return
        visible = (
            Member.objects.visible_to(self.by)
            .filter(pk=holder)
            .select_related("organization")
            .first()
        )
        if visible is None:
            raise ValidationError(MSG_ID_NUMBER_WITHHELD, code="withheld")
        raise ValidationError(
            "该身份证号码已登记为“{organization}”的党员{name}。".format(
                organization=visible.organization.display_name, name=visible.name
            ),
            code="unique",
        )

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("id_number")
        if number:
            try:
                info = parse_id_number(number)
            except InvalidIdNumber:
                info = None  # Member.clean() names the problem on the ID field
            if info is not None:
                cleaned["birth_date"] = cleaned.get("birth_date") or info.birth_date
                cleaned["gender"] = cleaned.get("gender") or info.gender
        for field, label in (("gender", "性别"), ("birth_date", "出生日期")):
            if not cleaned.get(field) and field not in self.errors:
                self.add_error(field, f"请填写{label}，或填写有效的身份证号码以自动识别。")
        return cleaned


class MemberEditForm(MemberForm):
    """Edit a member. The branch changes only by a transfer, 转出 only by the transfer-out form.
    Every change lands in the member's 变更记录; a key field's (入党日期, 转正日期 …: see
    services/members.py KEY_MEMBER_FIELDS) needs a reason, which the service asks for."""

    change_reason = forms.CharField(
        label="修改理由",
        max_length=100,
        required=False,
        help_text="修改入党日期、转正日期、出生日期、身份证号码或党籍状态时必须填写；"
        "记入该党员的变更记录。",
    )

    class Meta(MemberForm.Meta):
        fields = _with_extension(form_fields(edit=True))

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, by=by, **kwargs)
        member = self.instance
        organization = self.fields["organization"]
        organization.disabled = True
        organization.queryset = Organization.objects.filter(pk=member.organization_id)
        organization.help_text = "如需变更所在党支部，请办理组织关系转接。"
        self.fields["party_group"].queryset = PartyGroup.objects.filter(
            organization_id=member.organization_id
        )
        self.fields["party_group"].empty_label = "未编入党小组"
        # The full number is personal data: the form never shows it, it only takes a new one.
        id_number = self.fields["id_number"]
        id_number.required = False
        id_number.widget.attrs["placeholder"] = member.masked_id_number
        id_number.help_text = "如需更正，请输入完整号码；留空则保持不变。"
        self.initial["id_number"] = ""
        # 转正 and 延长预备期 are 支部大会 decisions recorded with their vote, not edits.
        for name in ("status", "probation_extension_months"):
            self.fields[name].disabled = True
            self.fields[name].help_text = (
                "须经支部大会表决：请在党员页面“转正/延长预备期/取消预备党员资格”"
                "或发展党员档案中登记。"
            )
        standing = self.fields["standing"]
        if member.standing == Member.Standing.TRANSFERRED_OUT:
            standing.disabled = True
            standing.help_text = "已转出的党员须由接收党支部办理转入。"
        else:
            standing.choices = [
                choice
                for choice in standing.choices
                if choice[0] != Member.Standing.TRANSFERRED_OUT
            ]

    def clean_id_number(self):
        if not self.cleaned_data["id_number"].strip():
            return self.instance.id_number
        return super().clean_id_number()


class TransferInForm(MemberForm):
    """A member arriving from outside the system, with their transfer letter."""

    from_external = forms.CharField(label="转出党组织", max_length=100)
    transferred_on = forms.DateField(label="转接日期", widget=DATE_WIDGET)
    letter_number = forms.CharField(label="介绍信编号", max_length=60)

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, by=by, **kwargs)
        self.returning = False
        self.fields["transferred_on"].initial = datetime.date.today
        self.order_fields(["from_external", "transferred_on", "letter_number"])
        self.helper = submit_helper("办理转入")
        self.helper.layout = two_columns(self.fields)

    def clean_id_number(self):
        number = normalize_id_number(self.cleaned_data["id_number"])
        self.returning = Member.objects.filter(
            id_number=number, standing=Member.Standing.TRANSFERRED_OUT
        ).exists()
        if not self.returning:
            self.refuse_registered(number)
        return number

    def validate_unique(self):
        # A member who once transferred out comes back on the same record (receive_member).
        if not self.returning:
            super().validate_unique()


class MemberFilterForm(forms.Form):
    """The member list's filters; an invalid value is dropped, never an error page."""

    ALL = "all"

    q = forms.CharField(label="搜索", required=False, max_length=50)
    organization = forms.ModelChoiceField(
        label="党组织", queryset=Organization.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label="党员类型", required=False, choices=[("", "全部类型"), *Member.Status.choices]
    )
    ethnicity = forms.ChoiceField(
        label="民族", required=False, choices=[("", "全部民族"), *((g, g) for g in ETHNIC_GROUPS)]
    )
    education = forms.ChoiceField(
        label="学历", required=False, choices=[("", "全部学历"), *Member.Education.choices]
    )
    age_band = forms.ChoiceField(
        label="年龄段", required=False, choices=[("", "全部年龄"), *AgeBand.choices]
    )
    category = forms.ChoiceField(
        label="人员类别", required=False, choices=[("", "全部类别"), *Member.Category.choices]
    )
    standing = forms.ChoiceField(
        label="党籍状态",
        required=False,
        choices=[
            ("", "党籍正常"),
            *(c for c in Member.Standing.choices if c[0] != Member.Standing.NORMAL),
            (ALL, "全部党籍状态"),
        ],
    )
    lost_contact = forms.BooleanField(label="仅失联党员", required=False)
    # The roll as it stood on a day (the cockpit's 党员 figures link with their day): joined
    # by then, 正式/预备 and 失联 as of then.
    as_of = forms.DateField(label="截至日期", required=False, widget=forms.HiddenInput)

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.visible_to(by).order_by("path")
        self.fields["organization"].empty_label = "全部党组织"
        for name, field in self.fields.items():
            css = "form-check-input" if name == "lost_contact" else "form-select"
            if name == "q":
                css = "form-control"
            field.widget.attrs.update({"class": css, "aria-label": field.label})
        self.fields["q"].widget.attrs["placeholder"] = "姓名或电话"

    def filter(self, members):
        """Apply the valid filters to an already scoped member queryset."""
        self.is_valid()
        data = self.cleaned_data
        members = members.search(data.get("q"))
        if data.get("organization"):
            members = members.in_subtree(data["organization"])
        as_of = data.get("as_of")
        if as_of is not None and not FIRST_YEAR <= as_of.year <= LAST_YEAR:
            as_of = None
        if as_of:
            members = members.as_of(as_of)
            if data.get("status"):
                full = full_on(as_of)
                members = members.filter(full if data["status"] == Member.Status.FULL else ~full)
        elif data.get("status"):
            members = members.filter(status=data["status"])
        for field in ("ethnicity", "education", "category"):
            if data.get(field):
                members = members.filter(**{field: data[field]})
        if data.get("age_band"):
            members = members.in_age_band(data["age_band"])
        standing = data.get("standing") or Member.Standing.NORMAL
        if standing != self.ALL:
            members = members.filter(standing=standing)
        if data.get("lost_contact"):
            members = members.lost_contact(as_of)
        return members


class TransferForm(forms.Form):
    """系统内调动: the receiving branch may be any branch of the league that keeps members."""

    to = forms.ModelChoiceField(label="接收党支部", queryset=Organization.objects.none())
    transferred_on = forms.DateField(label="转接日期", widget=DATE_WIDGET)
    letter_number = forms.CharField(label="介绍信编号", max_length=60, required=False)

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = (
            Organization.objects.active()
            .branches()
            .exclude(type=Organization.Type.TEMPORARY_BRANCH)
            .exclude(pk=member.organization_id)
            .order_by("path")
        )
        self.fields["to"].empty_label = "请选择接收党支部"
        self.fields["transferred_on"].initial = datetime.date.today
        self.helper = submit_helper("办理调动")


class TransferOutForm(forms.Form):
    to_external = forms.CharField(label="接收党组织（系统外）", max_length=100)
    transferred_on = forms.DateField(label="转接日期", widget=DATE_WIDGET)
    letter_number = forms.CharField(label="介绍信编号", max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transferred_on"].initial = datetime.date.today
        self.helper = submit_helper("办理转出")


class LostContactForm(forms.Form):
    since = forms.DateField(label="失联起始日期", widget=DATE_WIDGET)
