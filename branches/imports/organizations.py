"""Organisation import (党组织): organisations matched by 全称 — a new name creates an
organisation under its 上级党组织 (an existing one, or another row of the file: parents are
created first, level by level), a known one updates 简称, 分类指导类别, 成立日期 and 有效.
Type and parent of an existing organisation are not changed by an import (moving a subtree
is done on the organisation's page).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.utils import timezone

from alxa_dangjian.accounts import roles
from alxa_dangjian.core import caching, history
from alxa_dangjian.ledgers.imports import cells
from alxa_dangjian.ledgers.imports.base import (
    MSG_NOT_IN_SCOPE,
    Change,
    ImportColumn,
    Importer,
    ImportResult,
)
from alxa_dangjian.ledgers.imports.registry import register

from ..models import Organization

ORGANIZATION_UPDATE_FIELDS = ("short_name", "category", "established_on", "is_active")
_STATE_LABELS = [(True, "有效"), (False, "已撤销")]


# 分类指导类别 as the organisations and the 评星标准 catalogue both import it.
CATEGORY_COLUMN = ImportColumn(
    "分类指导类别",
    "category",
    cells.choice(Organization.Category.choices),
    required=True,
    example="党群部门",
    width=16,
)


@register
class OrganizationImporter(Importer):
    code = "organizations"
    title = "党组织"
    description = (
        "按全称匹配：系统中没有的新建（上级党组织可以是系统中已有的，也可以是同一文件中的其他行），"
        "已有的更新简称、分类指导类别、成立日期和有效状态。"
        "已有党组织的组织类型和上级党组织不能通过导入修改。导出的党组织台账可直接导入。"
    )
    # Creating organisations reshapes the tree: the work committee's staff do it.
    permission = roles.PUBLISH
    columns = (
        ImportColumn(
            "全称",
            "name",
            cells.text(100),
            required=True,
            help="党组织全称，在全系统中唯一；已有的全称将更新该党组织。",
            example="某某局机关第一党支部",
            width=28,
            alternatives=(ImportColumn("党组织名称", "name", cells.text(100), required=True),),
        ),
        ImportColumn("简称", "short_name", cells.text(40), default="", example="某某局一支部"),
        ImportColumn(
            "组织类型",
            "type",
            cells.choice(Organization.Type.choices),
            required=True,
            example="党支部",
            width=12,
        ),
        ImportColumn(
            "上级党组织",
            "parent",
            cells.text(100),
            help="上级党组织的全称：系统中已有的（须在您的管理范围内），或本文件中另一行的全称。",
            example="某某局机关党委",
            width=28,
        ),
        CATEGORY_COLUMN,
        ImportColumn("成立日期", "established_on", cells.date(), example="2015-03-01", width=12),
        ImportColumn(
            "有效",
            "is_active",
            cells.yes_no,
            default=True,
            help="是或否；不填视为“是”。",
            example="是",
            width=6,
            alternatives=(
                ImportColumn("状态", "is_active", cells.choice(_STATE_LABELS), default=True),
            ),
        ),
    )
    # Columns of the exported 党组织台账 that are computed, not imported.
    ignored_headers = frozenset(
        {"党员总数", "正式党员", "预备党员", "届次", "选举日期", "届满日期"}
    )
    field_headers = {"type": "组织类型"}

    def validate(self, rows, *, errors, user):
        self.report_duplicates(rows, errors, field_name="name")
        name_header = errors.header_of("name")
        in_file = {}
        for row in rows:
            in_file.setdefault(row.values.get("name"), row)
        in_file.pop(None, None)
        wanted = set(in_file) | {row.values.get("parent") for row in rows}
        wanted -= {None, ""}
        visible = {
            org.name: org
            for org in Organization.objects.visible_to(user)
            .filter(name__in=sorted(wanted))
            .select_related("parent")
        }
        taken_elsewhere = set(
            Organization.objects.filter(name__in=sorted(set(in_file) - set(visible))).values_list(
                "name", flat=True
            )
        )

        # First pass: each row's own checks; new organisations are built, not yet placed.
        planned: dict[str, Organization] = {}
        parents: dict[str, str] = {}
        changes: dict[int, Change] = {}
        for row in rows:
            values = row.values
            name, parent_name, type_ = values.get("name"), values.get("parent"), values.get("type")
            if name in taken_elsewhere:
                errors.add(row.number, name_header, f"全称“{name}”已被您管理范围以外的党组织使用")
            existing = visible.get(name)
            if parent_name and parent_name == name:
                errors.add(row.number, "上级党组织", "上级党组织不能是它自己")
            elif parent_name and parent_name not in visible and parent_name not in in_file:
                errors.add(row.number, "上级党组织", MSG_NOT_IN_SCOPE.format(name=parent_name))
            if existing is not None:
                self._check_unchanged_placement(row, existing, errors)
            elif type_ == Organization.Type.WORK_COMMITTEE:
                errors.add(row.number, "组织类型", "党工委/机关工委是组织树的根，不能通过导入新建")
            elif values.get("parent") is None and "parent" in values:
                errors.add(row.number, "上级党组织", "新建党组织须填写上级党组织")
            if row.number in errors.failed_rows:
                continue
            label = f"{name}（{Organization.Type(type_).label}）"
            fields = {f: values[f] for f in ORGANIZATION_UPDATE_FIELDS}
            if existing is not None:
                changed = tuple(f for f, v in fields.items() if getattr(existing, f) != v)
                for f, v in fields.items():
                    setattr(existing, f, v)
                action = Change.UPDATE if changed else Change.UNCHANGED
                changes[row.number] = Change(row.number, action, existing, label, changed)
            else:
                planned[name] = Organization(name=name, type=type_, **fields)
                parents[name] = parent_name
                changes[row.number] = Change(row.number, Change.CREATE, planned[name], label)

        # Second pass: place new organisations under their parents, parents first.
        depths = {name: _depth_in_file(name, parents, planned) for name in planned}
        for name in sorted(planned, key=lambda n: -1 if depths[n] is None else depths[n]):
            row = in_file[name]
            if row.number in errors.failed_rows:
                continue
            if depths[name] is None:
                errors.add(row.number, "上级党组织", "上级党组织之间形成循环引用")
                continue
            parent_name = parents[name]
            parent = planned.get(parent_name) or visible.get(parent_name)
            parent_row = in_file.get(parent_name)
            if parent is None or (
                parent_name in planned and parent_row.number in errors.failed_rows
            ):
                # The parent is a row of this file that will not be created.
                errors.add(
                    row.number,
                    "上级党组织",
                    "上级党组织“{name}”（第{row}行）有错误，请先修正该行".format(
                        name=parent_name, row=parent_row.number
                    ),
                )
                continue
            organization = planned[name]
            unsaved = parent.pk is None
            if unsaved:
                # validate_tree() tells "no parent" by parent_id; a parent created by this
                # file has no id yet, so it carries a placeholder during the check.
                parent.pk = 0
            organization.parent = parent
            try:
                organization.validate_tree()
            except ValidationError as error:
                self.report_validation_error(errors, row, error)
            finally:
                if unsaved:
                    parent.pk = None
                    organization.parent = parent
        return [c for number, c in sorted(changes.items()) if number not in errors.failed_rows]

    @staticmethod
    def _check_unchanged_placement(row, existing, errors):
        values = row.values
        if values.get("type") and values["type"] != existing.type:
            errors.add(
                row.number,
                "组织类型",
                "已有党组织的组织类型（系统中为“{old}”）不能通过导入修改".format(
                    old=existing.get_type_display()
                ),
            )
        current_parent = existing.parent.name if existing.parent_id else None
        if values.get("parent") != current_parent:
            errors.add(
                row.number,
                "上级党组织",
                "已有党组织的上级党组织（系统中为“{old}”）不能通过导入修改".format(
                    old=current_parent or "无"
                ),
            )

    def write(self, result: ImportResult, *, user) -> None:
        caching.changed(caching.ORGANIZATIONS)
        now = timezone.now()
        updated = [c for c in result.changes if c.action == Change.UPDATE]
        if updated:
            history.baseline(Organization, [c.instance.pk for c in updated])
            for change in updated:
                change.instance.updated_at = now
            Organization.objects.bulk_update(
                [c.instance for c in updated], [*ORGANIZATION_UPDATE_FIELDS, "updated_at"]
            )
            Organization.history.bulk_history_create(
                [c.instance for c in updated],
                update=True,
                default_user=user,
                default_change_reason=IMPORT_REASON,
            )
        pending = [c.instance for c in result.changes if c.action == Change.CREATE]
        created = list(pending)
        # Level by level: a level's parents all have their path once the previous level is in.
        while pending:
            level = [org for org in pending if org.parent.pk is not None]
            pending = [org for org in pending if org.parent.pk is None]
            if not level:
                raise RuntimeError("organisations planned under a parent that is never created")
            for org in level:
                org.parent = org.parent  # takes the parent's new id, keeps it cached
                # Unique placeholder until the primary key, which the path embeds, exists.
                org.path = f"tmp-{uuid.uuid4().hex}"
            Organization.objects.bulk_create(level)
            for org in level:
                org.path = f"{org.parent.path}{org.pk:06d}/"
                org.depth = org.path.count("/") - 1
            Organization.objects.bulk_update(level, ["path", "depth"])
        # One history record per organisation written, in one bulk insert.
        Organization.history.bulk_history_create(
            created, default_user=user, default_change_reason=IMPORT_REASON
        )


IMPORT_REASON = "导入党组织信息"


def _depth_in_file(name, parents, planned) -> int | None:
    """How many new organisations of the file sit above ``name``; None in a cycle."""
    seen = {name}
    depth = 0
    parent = parents[name]
    while parent in planned:
        if parent in seen:
            return None
        seen.add(parent)
        depth += 1
        parent = parents[parent]
    return depth
