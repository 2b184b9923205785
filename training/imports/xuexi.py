"""学习强国 score import (the platform has no public API): each row names a person by name plus
ID number (full, or its last 4–6 characters), a period (a month or a quarter of a year) and
the points earned in it. A person unknown in the importer's subtree is an error naming the
row; the import writes every row or none (alxa_dangjian.ledgers.imports). Re-importing a
period replaces its scores, so a corrected file can be loaded again."""

from __future__ import annotations

import re
import unicodedata

from django.utils import timezone

from alxa_dangjian.accounts import roles
from alxa_dangjian.core import caching, params
from alxa_dangjian.ledgers.imports import cells
from alxa_dangjian.ledgers.imports.base import Change, ImportColumn, Importer, ImportResult
from alxa_dangjian.ledgers.imports.registry import register

from ..models import XuexiScore
from ..models.xuexi import QUARTER_NAMES, period_label
from .people import ID_NUMBER_COLUMN, match_member, member_candidates

Kind = XuexiScore.PeriodKind
_MONTH = re.compile(r"^(\d{1,2})月?$")
_QUARTER = re.compile(r"^(?:第?([一二三四1-4])季度?|Q([1-4]))$", re.IGNORECASE)
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
MAX_SCORE = 100_000


def _year(value):
    text = cells.text(6)(value).removesuffix("年")
    year = params.parse_integer(text, low=2000, high=timezone.localdate().year)
    if year is None:
        raise cells.CellError(f"年度应为2000年至{timezone.localdate().year}年之间的年份")
    return year


def _period(value) -> tuple[str, int]:
    """ "3月" / "3" → (month, 3); "第一季度" / "一季度" / "Q1" → (quarter, 1)."""
    text = unicodedata.normalize("NFKC", cells.text(10)(value)).replace(" ", "")
    if match := _MONTH.match(text):
        month = int(match[1])
        if 1 <= month <= 12:
            return Kind.MONTH, month
    if match := _QUARTER.match(text):
        digit = match[1] or match[2]
        return Kind.QUARTER, _CHINESE_DIGITS.get(digit) or int(digit)
    raise cells.CellError("周期应为月份（如“3月”）或季度（如“第一季度”）")


_period.labels = [f"{m}月" for m in range(1, 13)] + list(QUARTER_NAMES)


def _score(value):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = cells.text(8)(value)
    if not (text.isascii() and text.isdigit()):
        raise cells.CellError("学习积分应为不小于0的整数")
    if len(text) > len(str(MAX_SCORE)) or int(text) > MAX_SCORE:
        raise cells.CellError(f"学习积分不能超过{MAX_SCORE}，请核对")
    return int(text)


@register
class XuexiScoreImporter(Importer):
    code = "xuexi-scores"
    title = "学习强国积分"
    description = (
        "按姓名和身份证号码（完整号码或后4至6位）识别本人，登记某年某月或某季度的学习积分。"
        "人员须是您管理范围内的党员；同一人同一年度只能按月或只能按季度登记。"
        "再次导入同一周期会以文件为准更新积分。"
    )
    permission = roles.EDIT_RECORDS
    columns = (
        ImportColumn("姓名", "name", cells.text(50), required=True, example="张伟", width=10),
        ID_NUMBER_COLUMN,
        ImportColumn("年度", "year", _year, required=True, example="2026", width=8),
        ImportColumn(
            "周期",
            "period",
            _period,
            required=True,
            help="月份（1月至12月）或季度（第一季度至第四季度）。",
            example="3月",
            width=10,
        ),
        ImportColumn(
            "学习积分",
            "score",
            _score,
            required=True,
            help="该周期内获得的学习积分（整数）。",
            example="1260",
            width=10,
        ),
    )

    def extra_notes(self):
        return [
            "5. 年度合计为当年各周期积分之和，排行榜和年度前十名按年度合计排列。",
            "6. 同一人同一年度请统一按月或按季度登记，避免重复计算。",
        ]

    def validate(self, rows, *, errors, user):
        clean = [row for row in rows if row.number not in errors.failed_rows]
        candidates = member_candidates(user, clean)

        planned = []  # (row, member, kind, period)
        for row in clean:
            member = match_member(row, candidates, errors)
            if member is not None:
                kind, period = row.values["period"]
                planned.append((row, member, kind, period))

        first_seen: dict[tuple, int] = {}
        kinds_in_file: dict[tuple[int, int], tuple[str, int]] = {}
        for row, member, kind, period in planned:
            key = (member.pk, row.values["year"], kind, period)
            if key in first_seen:
                errors.add(
                    row.number, "周期", f"{member.name}的该周期积分与第{first_seen[key]}行重复"
                )
                continue
            first_seen[key] = row.number
            seen_kind, seen_row = kinds_in_file.setdefault(
                (member.pk, row.values["year"]), (kind, row.number)
            )
            if seen_kind != kind:
                errors.add(
                    row.number,
                    "周期",
                    f"{member.name}在第{seen_row}行按{Kind(seen_kind).label}登记，"
                    f"同一年度不能再按{Kind(kind).label}登记",
                )

        existing = {
            (s.member_id, s.year, s.period_kind, s.period): s
            for s in XuexiScore.objects.filter(
                member__in=[m for _, m, _, _ in planned],
                year__in={row.values["year"] for row, _, _, _ in planned},
            )
        }
        other_kind = {(member_id, year, kind) for member_id, year, kind, _ in existing}
        changes = []
        for row, member, kind, period in planned:
            if row.number in errors.failed_rows:
                continue
            year, score = row.values["year"], row.values["score"]
            other = Kind.QUARTER if kind == Kind.MONTH else Kind.MONTH
            if (member.pk, year, other) in other_kind:
                errors.add(
                    row.number,
                    "周期",
                    f"{member.name}{year}年的积分已按{other.label}登记，不能再按{Kind(kind).label}登记",
                )
                continue
            label = f"{member.name}（{period_label(year, kind, period)}，{score}分）"
            instance = existing.get((member.pk, year, kind, period))
            if instance is None:
                instance = XuexiScore(
                    member=member, year=year, period_kind=kind, period=period, score=score
                )
                changes.append(Change(row.number, Change.CREATE, instance, label))
            elif instance.score == score:
                changes.append(Change(row.number, Change.UNCHANGED, instance, label))
            else:
                instance.score = score
                changes.append(Change(row.number, Change.UPDATE, instance, label, ("score",)))
        return changes

    def write(self, result: ImportResult, *, user) -> None:
        caching.changed(caching.TRAINING)
        now = timezone.now()
        created = [c.instance for c in result.changes if c.action == Change.CREATE]
        updated = [c.instance for c in result.changes if c.action == Change.UPDATE]
        for score in (*created, *updated):
            score.imported_by = user
            score.updated_at = now
        XuexiScore.objects.bulk_create(created, batch_size=500)
        XuexiScore.objects.bulk_update(
            updated, ["score", "imported_by", "updated_at"], batch_size=500
        )
