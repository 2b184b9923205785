"""Member import (党员信息): members matched by 公民身份号码 — a new number creates a member, a
known one inside the importer's subtree updates it, so an exported 党员花名册 with full ID
numbers imports back unchanged.  Blank optional cells clear the field (the file is the record).
An import never moves a member to another branch nor changes their 党籍状态: those are
transfers and standing changes with their own history, done on the member's page.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import scope_path
from alxa_dangjian.core import caching, history
from alxa_dangjian.core.idnumber import parse_id_number
from alxa_dangjian.ledgers.imports import cells
from alxa_dangjian.ledgers.imports.base import (
    MSG_NOT_IN_SCOPE,
    Change,
    ImportColumn,
    Importer,
    ImportResult,
)
from alxa_dangjian.ledgers.imports.registry import register

from ..member_fields import MEMBER_FIELDS, MemberField
from ..models import ETHNIC_GROUPS, Member, Organization, PartyGroup

LOOKUP_CHUNK = 5000  # values per IN (…) list: far below every database's parameter limit


def _chunks(values: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _phone(value):
    value = cells.text(20)(value)
    if "*" in value:
        raise cells.CellError("电话已打码（含“*”），请填写完整号码或留空")
    return value


_ETHNIC_SHORT = {group[:-1]: group for group in ETHNIC_GROUPS}  # 蒙古 → 蒙古族

# The fields a row writes; the branch and the party group are looked up by name.
WRITTEN_FIELDS = tuple(field.name for field in MEMBER_FIELDS if not field.lookup)


# How each declared member field is read from its column (branches/member_fields.py gives the
# header, the order and the width).
READ = {
    "name": dict(parse=cells.text(50), required=True, example="张伟"),
    "gender": dict(
        parse=cells.choice(Member.Gender.choices),
        help="男或女；不填则按身份证号码填写。",
        example="男",
    ),
    "ethnicity": dict(
        parse=cells.choice([(g, g) for g in ETHNIC_GROUPS], aliases=_ETHNIC_SHORT),
        required=True,
        help="56个民族之一，如 汉族、蒙古族、回族。",
        example="蒙古族",
    ),
    "birth_date": dict(
        parse=cells.date(),
        help="不填则按身份证号码填写；填写时须与身份证号码一致。",
        example=cells.DATE_EXAMPLE,
    ),
    "id_number": dict(
        parse=cells.id_number,
        required=True,
        help="18位，须通过校验，出生日期、性别须与号码一致；请将该列设为文本格式。"
        "已有此号码的党员将被更新。",
        example="152921198503070012",
        text_format=True,
    ),
    "native_place": dict(parse=cells.text(50), default="", example="内蒙古阿拉善左旗"),
    "education": dict(
        parse=cells.choice(Member.Education.choices), required=True, example="大学本科"
    ),
    "degree": dict(
        parse=cells.choice(Member.Degree.choices),
        default="",
        help="不填视为“无”。",
        example="学士",
    ),
    "work_started_on": dict(parse=cells.date(), example="2008-07-01"),
    "phone": dict(parse=_phone, default="", example="13800000000", text_format=True),
    "category": dict(
        parse=cells.choice(Member.Category.choices), required=True, example="党政机关工作人员"
    ),
    "party_post": dict(parse=cells.text(50), default="", example="组织委员"),
    "joined_on": dict(
        parse=cells.date(),
        required=True,
        help="支部大会通过接收为预备党员的日期；入党时须年满18周岁。",
        example="2010-07-01",
    ),
    "confirmed_on": dict(
        parse=cells.date(), help="预备党员不填；不能早于入党日期。", example="2011-07-01"
    ),
    "status": dict(parse=cells.choice(Member.Status.choices), required=True, example="正式党员"),
    "standing": dict(
        parse=cells.choice(Member.Standing.choices),
        required=True,
        help="新登记的党员一般填“正常”；已有党员的党籍状态不能通过导入变更。",
        example="正常",
    ),
    "organization": dict(
        parse=cells.text(100),
        required=True,
        help="党支部全称（或唯一的简称），须在您的管理范围内，不能是临时党支部。",
        example="某某局机关第一党支部",
    ),
    "party_group": dict(
        parse=cells.text(60),
        default="",
        help="须是该党支部已建立的党小组名称；不填表示不编入党小组。",
        example="第一党小组",
    ),
    "is_floating": dict(
        parse=cells.yes_no, default=False, help="是或否；不填视为“否”。", example="否"
    ),
    "lost_contact_since": dict(
        parse=cells.date(),
        help="与党组织失去联系的起始日期；未失联不填。导出的花名册中的「失联」列（是/否）也可识别。",
        example="",
    ),
}


def _column(field: MemberField) -> ImportColumn:
    alternatives = ()
    if field.roster_header:
        # The roster says only whether contact is lost: "是" keeps the date already on
        # record, "否" clears it.
        alternatives = (
            ImportColumn(
                field.roster_header,
                "lost_contact",
                cells.yes_no,
                default=False,
                width=field.roster_width,
            ),
        )
    return ImportColumn(
        field.header, field.name, width=field.width, alternatives=alternatives, **READ[field.name]
    )


@register
class MemberImporter(Importer):
    code = "members"
    title = "党员信息"
    description = (
        "按公民身份号码匹配：系统中没有的新增，已有的按文件内容更新（空白单元格会清空该项）。"
        "所在党支部须在您的管理范围内；调整组织关系、变更党籍状态请在党员页面办理。"
        "导出的党员花名册（含完整身份证号码）可直接导入。"
    )
    permission = roles.EDIT_RECORDS
    columns = tuple(_column(field) for field in MEMBER_FIELDS)
    field_headers = {field.name: field.header for field in MEMBER_FIELDS if field.lookup}

    def extra_notes(self):
        return [
            "5. 按公民身份号码匹配：系统中没有的号码新增党员，已有的号码按文件内容更新该党员"
            "（空白单元格会清空该项）。打码的身份证号码（含*）无法导入，"
            "导出花名册时请勾选“包含完整的身份证号码”。",
            "6. 导入不能调整党员的组织关系或党籍状态，请在党员页面办理组织关系转接等手续。",
        ]

    def validate(self, rows, *, errors, user):
        self.report_duplicates(rows, errors, field_name="id_number")
        organizations = _organizations_by_name(
            {row.values.get("organization") for row in rows}, user
        )
        group_names = {row.values.get("party_group") for row in rows} - {None, ""}
        groups = {}
        if group_names and organizations:
            groups = {
                (group.organization_id, group.name): group
                for group in PartyGroup.objects.filter(
                    organization__in={o.pk for o in organizations.values()},
                    name__in=group_names,
                )
            }
        ids = sorted({row.values["id_number"] for row in rows if row.values.get("id_number")})
        existing = {}
        for chunk in _chunks(ids):
            existing.update(
                (member.id_number, member)
                for member in Member.objects.filter(id_number__in=chunk).select_related(
                    "organization"
                )
            )
        user_path = scope_path(user) or "\0"

        changes = []
        for row in rows:
            values = row.values
            organization = None
            name = values.get("organization")
            if name:
                organization = organizations.get(name)
                if organization is None:
                    errors.add(row.number, "所在党支部", MSG_NOT_IN_SCOPE.format(name=name))
                elif not organization.is_active:
                    errors.add(row.number, "所在党支部", f"党组织“{name}”已撤销，不能导入党员")
            member = existing.get(values.get("id_number"))
            # A number held outside the user's subtree is planned like a number never seen,
            # so the preview tells nothing about it; the commit refuses the whole file
            # without naming the row (Change.withheld).
            withheld = member is not None and not scoping.in_subtree(member.organization, user_path)
            if withheld:
                member = None
            if member is not None and organization and member.organization_id != organization.pk:
                errors.add(
                    row.number,
                    "所在党支部",
                    "该党员现属“{current}”，导入不能调整组织关系，请在党员页面办理组织关系转接".format(
                        current=member.organization.name
                    ),
                )
            group = None
            if values.get("party_group") and organization:
                group = groups.get((organization.pk, values["party_group"]))
                if group is None:
                    errors.add(
                        row.number,
                        "党小组",
                        "“{branch}”没有名为“{group}”的党小组，请先在党支部页面建立".format(
                            branch=organization.display_name, group=values["party_group"]
                        ),
                    )
            if row.number in errors.failed_rows:
                continue
            change = self._plan_member(row, member, organization, group, errors)
            if change is not None:
                change.withheld = withheld
                changes.append(change)
        return changes

    def _plan_member(self, row, member, organization, group, errors) -> Change | None:
        values = dict(row.values)
        if not (values["gender"] and values["birth_date"]):
            info = parse_id_number(values["id_number"])
            values["gender"] = values["gender"] or info.gender
            values["birth_date"] = values["birth_date"] or info.birth_date
        if "lost_contact" in values:
            lost = values.pop("lost_contact")
            values["lost_contact_since"] = (
                member.lost_contact_since if lost and member is not None else None
            )
            if lost and values["lost_contact_since"] is None:
                errors.add(
                    row.number,
                    "失联",
                    "原先未登记失联的党员，请改用「失联起始日期」列填写失联起始日期",
                )
                return None
        fields = {name: values[name] for name in WRITTEN_FIELDS}
        if (
            fields["lost_contact_since"]
            and fields["joined_on"]
            and fields["lost_contact_since"] < fields["joined_on"]
        ):
            header = errors.header_of("lost_contact_since") or errors.header_of("lost_contact")
            errors.add(row.number, header, "失联起始日期不能早于入党日期")
            return None
        label = f"{fields['name']}（{organization.display_name}）"

        if member is None:
            member = Member(organization=organization, party_group=group, **fields)
            action = Change.CREATE
            changed = ()
        else:
            changed = tuple(
                name for name, value in fields.items() if getattr(member, name) != value
            )
            if member.party_group_id != (group.pk if group else None):
                changed += ("party_group",)
            if not changed:
                return Change(row.number, Change.UNCHANGED, member, label)
            if "standing" in changed:
                errors.add(
                    row.number,
                    "党籍状态",
                    "党籍状态不能通过导入变更（系统中为“{old}”），请在党员页面办理".format(
                        old=member.get_standing_display()
                    ),
                )
                return None
            for name, value in fields.items():
                setattr(member, name, value)
            member.party_group = group
            action = Change.UPDATE
        try:
            member.clean()
        except ValidationError as error:
            self.report_validation_error(errors, row, error)
            return None
        return Change(row.number, action, member, label, changed)

    def write(self, result: ImportResult, *, user) -> None:
        caching.changed(caching.MEMBERS)
        created = [c.instance for c in result.changes if c.action == Change.CREATE]
        updated = [c for c in result.changes if c.action == Change.UPDATE]
        Member.objects.bulk_create(created, batch_size=500)
        # One history record per row written, in one bulk insert (plus the prior state of
        # rows that had none).
        Member.history.bulk_history_create(
            created, batch_size=500, default_user=user, default_change_reason=IMPORT_REASON
        )
        if updated:
            history.baseline(Member, [change.instance.pk for change in updated])
            now = timezone.now()
            fields = sorted({name for change in updated for name in change.changed_fields})
            for change in updated:
                change.instance.updated_at = now
            Member.objects.bulk_update(
                [change.instance for change in updated],
                [*fields, "updated_at"],
                batch_size=500,
            )
            Member.history.bulk_history_create(
                [change.instance for change in updated],
                batch_size=500,
                update=True,
                default_user=user,
                default_change_reason=IMPORT_REASON,
            )


IMPORT_REASON = "导入党员信息"


def _organizations_by_name(names, user) -> dict[str, Organization]:
    """Organisations of the user's subtree named in the file, by full name — or by short name
    where exactly one organisation of the subtree has it.  One query."""
    names = sorted(set(names) - {None, ""})
    if not names:
        return {}
    found = list(
        Organization.objects.visible_to(user).filter(Q(name__in=names) | Q(short_name__in=names))
    )
    by_name = {org.name: org for org in found}
    by_short = defaultdict(list)
    for org in found:
        if org.short_name:
            by_short[org.short_name].append(org)
    for short, matches in by_short.items():
        if short not in by_name and len(matches) == 1:
            by_name[short] = matches[0]
    return by_name
