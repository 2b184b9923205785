"""党员花名册: every member's record (the national member-information items), ID numbers and phones
masked unless the export asks for full personal data.

The queryset is scoped with `visible_to(user)` and shaped into `values_list` rows, so an export
runs a fixed number of queries at any size.
"""

from django import forms

from alxa_dangjian.core.idnumber import mask_id_number
from alxa_dangjian.ledgers.params import (
    PersonalDataLedgerForm,
    in_chosen_subtree,
)
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column

from ..models import Member
from ..models.members import mask_phone

YES, NO = "是", "否"


# --- 党员花名册 -----------------------------------------------------------------------------


class RosterForm(PersonalDataLedgerForm):
    standing = forms.ChoiceField(
        label="党籍状态",
        choices=[("", "全部"), *Member.Standing.choices],
        required=False,
        initial=Member.Standing.NORMAL,
    )


ROSTER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "native_place",
    "education",
    "degree",
    "work_started_on",
    "phone",
    "category",
    "party_post",
    "joined_on",
    "confirmed_on",
    "status",
    "standing",
    "organization__name",
    "party_group__name",
    "is_floating",
    "lost_contact_since",
)

ROSTER_COLUMNS = (
    Column("姓名", 10),
    Column("性别", 6),
    Column("民族", 8),
    Column("出生日期", 12, "date"),
    Column("公民身份号码", 21),
    Column("籍贯", 12),
    Column("学历", 10),
    Column("学位", 6),
    Column("参加工作日期", 12, "date"),
    Column("电话", 13),
    Column("人员类别", 16),
    Column("党内职务", 12),
    Column("入党日期", 12, "date"),
    Column("转正日期", 12, "date"),
    Column("党员类型", 10),
    Column("党籍状态", 9),
    Column("所在党支部", 24),
    Column("党小组", 12),
    Column("流动党员", 8),
    Column("失联", 6),
)

_GENDER = dict(Member.Gender.choices)
_EDUCATION = dict(Member.Education.choices)
_DEGREE = dict(Member.Degree.choices)
_CATEGORY = dict(Member.Category.choices)
_STATUS = dict(Member.Status.choices)
_STANDING = dict(Member.Standing.choices)


def roster_queryset(user, options):
    members = in_chosen_subtree(Member.objects.visible_to(user), options)
    if options.get("standing"):
        members = members.filter(standing=options["standing"])
    return members.order_by("organization__path", "name", "pk").values_list(*ROSTER_FIELDS)


def roster_row(member, context):
    (
        name,
        gender,
        ethnicity,
        birth_date,
        id_number,
        native_place,
        education,
        degree,
        work_started_on,
        phone,
        category,
        party_post,
        joined_on,
        confirmed_on,
        status,
        standing,
        branch,
        party_group,
        is_floating,
        lost_contact_since,
    ) = member
    full = context.full_personal_data
    return (
        name,
        _GENDER.get(gender, gender),
        ethnicity,
        birth_date,
        id_number if full else mask_id_number(id_number),
        native_place,
        _EDUCATION.get(education, education),
        _DEGREE.get(degree, degree),
        work_started_on,
        phone if full else mask_phone(phone),
        _CATEGORY.get(category, category),
        party_post,
        joined_on,
        confirmed_on,
        _STATUS.get(status, status),
        _STANDING.get(standing, standing),
        branch,
        party_group,
        YES if is_floating else NO,
        YES if lost_contact_since else NO,
    )


roster = register(
    Ledger(
        code="member-roster",
        title="党员花名册",
        description="党员基本信息（全国党员信息采集项），身份证号码和电话默认隐去部分数字。",
        columns=ROSTER_COLUMNS,
        queryset=roster_queryset,
        row=roster_row,
        params_form=RosterForm,
    )
)
