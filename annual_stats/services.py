"""Submitting (freezing) an annual report: checked first, then its numbers kept as a version."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alxa_dangjian.accounts import roles, scoping
from branches.models import Organization

from . import report as reports
from .models import FrozenReport

MSG_NOT_READY = "数据检查未通过，不能提交：{problems}。请先按检查结果更正数据。"
MSG_UNCHANGED = "数字与已提交的第{version}版相同，无需提交新版本。"
MSG_NOTE_REQUIRED = "该报表已提交过第{version}版，再次提交须填写更正说明。"
MSG_CONCURRENT = "他人刚刚提交了该报表的新版本，请刷新页面后核对再提交。"


@dataclass(frozen=True)
class Difference:
    label: str
    before: object
    after: object


def snapshot_of(result: reports.Report) -> tuple[list, list]:
    tables = [
        {
            "code": t.table.code,
            "title": t.table.title,
            "kind": t.table.kind,
            "rows": [
                [c.row.position, c.row.label, c.value if c.readable else None] for c in t.cells
            ],
        }
        for t in result.tables
    ]
    checks = [{"label": c.label, "ok": c.ok, "detail": c.detail} for c in result.checks]
    return tables, checks


@transaction.atomic
def freeze_report(*, place: Organization, day: datetime.date, by, note: str = "") -> FrozenReport:
    """Keep the report's numbers as the next version for (place, day). Refused while a check
    fails, when nothing changed since the last version, and for a correction without a
    reason."""
    roles.require(by, roles.EDIT_RECORDS)
    if not scoping.contains(by, place):
        raise ValidationError("该党组织不在您的管理范围内。")
    visible = Organization.objects.visible_to(by).values_list("pk", flat=True)
    result = reports.build(place, day, visible=list(visible))
    if not result.ready:
        problems = "；".join(c.label for c in result.checks if not c.ok)
        raise ValidationError(MSG_NOT_READY.format(problems=problems))
    tables, checks = snapshot_of(result)
    # Lock the versions of this report so two submissions cannot take the same number.
    previous = FrozenReport.objects.select_for_update().of(place, day).first()
    note = (note or "").strip()[:200]
    if previous is not None:
        if previous.tables == tables:
            raise ValidationError(MSG_UNCHANGED.format(version=previous.version))
        if not note:
            raise ValidationError(MSG_NOTE_REQUIRED.format(version=previous.version))
    # The first version has no row to lock: a simultaneous first submission meets the
    # one-version constraint instead, and is told so in Chinese.
    try:
        with transaction.atomic():
            return FrozenReport.objects.create(
                organization=place,
                day=day,
                version=previous.version + 1 if previous else 1,
                tables=tables,
                checks=checks,
                note=note,
                frozen_by=by,
            )
    except IntegrityError:
        raise ValidationError(MSG_CONCURRENT) from None


def differences(before: FrozenReport | None, after: FrozenReport) -> list[Difference]:
    """The cells whose numbers changed between two versions (rows added or removed too)."""
    if before is None:
        return []
    old, new = before.values(), after.values()
    found = []
    for key in sorted(old.keys() | new.keys()):
        label_old, value_old = old.get(key, (None, None))
        label_new, value_new = new.get(key, (None, None))
        if value_old != value_new or label_old != label_new:
            found.append(Difference(label_new or label_old, value_old, value_new))
    return found
