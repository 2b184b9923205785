"""党员花名册: every member's record (the national member-information items), ID numbers and phones
masked unless the export asks for full personal data. The columns are the member fields'
declaration (branches/member_fields.py), which the member import reads back.

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

from ..member_fields import MEMBER_FIELDS
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


def _shown(field):
    """How the roster shows one stored value: `(value, full_personal_data) -> cell`, or None
    to write it as stored."""
    if field.name == "id_number":
        return lambda value, full: value if full else mask_id_number(value)
    if field.name == "phone":
        return lambda value, full: value if full else mask_phone(value)
    if field.roster_header or field.name == "is_floating":  # 是/否 in place of the value
        return lambda value, full: YES if value else NO
    labels = {} if field.lookup else dict(Member._meta.get_field(field.name).flatchoices)
    if labels:
        return lambda value, full: labels.get(value, value)
    return None


ROSTER_LOOKUPS = tuple(field.roster_lookup for field in MEMBER_FIELDS)
ROSTER_COLUMNS = tuple(Column(*field.roster_column) for field in MEMBER_FIELDS)
_SHOWN = tuple(_shown(field) for field in MEMBER_FIELDS)


def roster_queryset(user, options):
    members = in_chosen_subtree(Member.objects.visible_to(user), options)
    if options.get("standing"):
        members = members.filter(standing=options["standing"])
    return members.order_by("organization__path", "name", "pk").values_list(*ROSTER_LOOKUPS)


def roster_row(member, context):
    full = context.full_personal_data
    return tuple(
        value if shown is None else shown(value, full)
        for shown, value in zip(_SHOWN, member, strict=True)
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
