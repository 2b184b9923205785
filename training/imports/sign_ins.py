"""Sign-in sheet import (培训签到表) through the ledger import mechanism: each row names a
class by its number and a person by name plus ID number (full, or its last 4–6 characters),
and optionally how long they attended. Unknown people, people outside the class's
organisation, and hours beyond the class length are errors by row and column; the import
writes every row or none (alxa_dangjian.ledgers.imports)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from alxa_dangjian.accounts import roles
from alxa_dangjian.core import caching, history, params
from alxa_dangjian.ledgers.imports import cells
from alxa_dangjian.ledgers.imports.base import Change, ImportColumn, Importer, ImportResult
from alxa_dangjian.ledgers.imports.registry import register

from ..hours import DURATION_HELP, parse_duration
from ..models import Enrollment, HourCounting, TrainingClass
from ..services.classes import check_hours, check_member_for_class, may_manage_class
from .people import ID_NUMBER_COLUMN, match_member, member_candidates

NOT_FOUND = "未找到编号为{number}的培训班，或该培训班不在您的管理范围内"


def _class_number(value):
    text = cells.text(12)(value)
    number = params.parse_integer(text, low=1, high=10**12)
    if number is None:
        raise cells.CellError("应填写培训班页面上的培训班编号（数字）")
    return number


@register
class SignInImporter(Importer):
    code = "training-signin"
    title = "培训签到表"
    description = (
        "按培训班编号、姓名和身份证号码（完整号码或后4至6位）登记签到和学时。"
        "参训人员须是培训班主办党组织及其下级组织的党员；学时不能超过培训班总学时。"
        "已报名的人员按文件更新签到，未报名的自动报名。"
    )
    permission = roles.EDIT_RECORDS
    columns = (
        ImportColumn(
            "培训班编号",
            "class_number",
            _class_number,
            required=True,
            help="培训班页面上显示的编号。",
            example="12",
            width=10,
        ),
        ImportColumn("姓名", "name", cells.text(50), required=True, example="张伟", width=10),
        ID_NUMBER_COLUMN,
        ImportColumn(
            "签到",
            "signed_in",
            cells.yes_no,
            default=True,
            help="是或否；不填视为“是”。",
            example="是",
            width=6,
        ),
        ImportColumn(
            "参训时长",
            "duration",
            cells.text(20),
            default="",
            help=DURATION_HELP,
            example="全程",
            width=12,
        ),
    )

    def validate(self, rows, *, errors, user):
        clean = [row for row in rows if row.number not in errors.failed_rows]
        numbers = {row.values["class_number"] for row in clean}
        classes = {
            c.pk: c
            for c in TrainingClass.objects.visible_to(user)
            .filter(pk__in=numbers)
            .select_related("organization")
        }
        candidates = member_candidates(user, clean, "organization")
        countings = {
            year: HourCounting.objects.for_year(year)
            for year in {c.starts_on.year for c in classes.values()}
        }

        planned = []  # (row, class, member, hours)
        for row in clean:
            values = row.values
            training_class = classes.get(values["class_number"])
            if training_class is None:
                errors.add(
                    row.number, "培训班编号", NOT_FOUND.format(number=values["class_number"])
                )
                continue
            if not may_manage_class(user, training_class):
                errors.add(row.number, "培训班编号", "您无权登记该培训班的签到")
                continue
            member = match_member(row, candidates, errors)
            if member is None:
                continue
            if problem := check_member_for_class(training_class, member):
                errors.add(row.number, "姓名", problem)
                continue
            hours = Decimal(0)
            if values["signed_in"]:
                try:
                    parsed = parse_duration(
                        values["duration"], countings[training_class.starts_on.year]
                    )
                except ValidationError as error:
                    errors.add(row.number, "参训时长", error.messages[0])
                    continue
                hours = training_class.length_hours if parsed is None else parsed
                if problem := check_hours(training_class, member, hours):
                    errors.add(row.number, "参训时长", problem)
                    continue
            planned.append((row, training_class, member, hours))

        first_seen: dict[tuple[int, int], int] = {}
        for row, training_class, member, _ in planned:
            key = (training_class.pk, member.pk)
            if key in first_seen:
                errors.add(row.number, "姓名", f"{member.name}与第{first_seen[key]}行重复")
            else:
                first_seen[key] = row.number

        existing = {
            (e.training_class_id, e.member_id): e
            for e in Enrollment.objects.filter(
                training_class__in=[c for _, c, _, _ in planned],
                member__in=[m for _, _, m, _ in planned],
            )
        }
        changes = []
        for row, training_class, member, hours in planned:
            if row.number in errors.failed_rows:
                continue
            signed_in = row.values["signed_in"]
            label = f"{member.name}（{training_class.title}，{hours}学时）"
            enrollment = existing.get((training_class.pk, member.pk))
            if enrollment is None:
                enrollment = Enrollment(training_class=training_class, member=member)
                action = Change.CREATE
            elif (enrollment.signed_in, enrollment.hours_earned) == (signed_in, hours):
                changes.append(Change(row.number, Change.UNCHANGED, enrollment, label))
                continue
            else:
                action = Change.UPDATE
            enrollment.signed_in = signed_in
            enrollment.hours_earned = hours
            changes.append(Change(row.number, action, enrollment, label))
        return changes

    def write(self, result: ImportResult, *, user) -> None:
        caching.changed(caching.TRAINING)
        now = timezone.now()
        rows = [c.instance for c in result.changes if c.action != Change.UNCHANGED]
        history.baseline(Enrollment, [e.pk for e in rows])
        for enrollment in rows:
            enrollment.signed_in_at = now if enrollment.signed_in else None
            enrollment.source = Enrollment.Source.IMPORT
            enrollment.recorded_by = user
            enrollment.updated_at = now
        created = [e for e in rows if e.pk is None]
        updated = [e for e in rows if e.pk is not None]
        Enrollment.objects.bulk_create(created, batch_size=500)
        Enrollment.objects.bulk_update(
            updated,
            ["signed_in", "signed_in_at", "hours_earned", "source", "recorded_by", "updated_at"],
            batch_size=500,
        )
        # One history record per row written (one bulk insert each for new and changed rows).
        reason = "导入培训签到表"
        Enrollment.history.bulk_history_create(
            created, batch_size=500, default_user=user, default_change_reason=reason
        )
        Enrollment.history.bulk_history_create(
            updated, batch_size=500, update=True, default_user=user, default_change_reason=reason
        )

    def extra_notes(self):
        return [
            "5. 培训班编号见培训班页面；在培训班页面下载的签到表已填好该班报名人员。",
            "6. 签到填“否”表示未参加，学时记为0。",
        ]

    @classmethod
    def sheet_for(cls, training_class: TrainingClass, enrollments) -> io.BytesIO:
        """The import template with one row per enrolled person of `training_class`."""
        buffer = io.BytesIO()
        cls().write_template(buffer)
        buffer.seek(0)
        workbook = load_workbook(buffer)
        sheet = workbook.worksheets[0]
        for offset, enrollment in enumerate(enrollments, 2):
            member = enrollment.member
            sheet.cell(row=offset, column=1, value=str(training_class.pk))
            sheet.cell(row=offset, column=2, value=member.name)
            sheet.cell(row=offset, column=3, value=member.id_number[-4:])
        out = io.BytesIO()
        workbook.save(out)
        out.seek(0)
        return out
