"""评星标准 import: the 最强党支部 standards catalogue, matched by 年度 and 编号 — a new pair
creates an item, a known one is updated from the file. The columns are those of the
最强党支部评星标准 ledger (branches/ledgers/rating_standards.py), so an exported workbook imports
back.

The year is a column, not a choice on the upload form: the mechanism keeps only the file of a
batch and checks it again on commit, and a workbook that names its own year cannot be applied
to the wrong one. Items of the year that the file leaves out are kept (never deleted by an
import: score rows of applications may refer to them); they are edited or removed by hand.
An imported item is the committee's own text, so it is no longer a sample (is_sample False).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Max
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from alxa_dangjian.accounts import roles
from alxa_dangjian.core import caching
from alxa_dangjian.ledgers.imports import cells
from alxa_dangjian.ledgers.imports.base import Change, ImportColumn, Importer, ImportResult
from alxa_dangjian.ledgers.imports.registry import register

from ..models import RatingStandard
from ..rules.ratings import require_work_committee
from .organizations import CATEGORY_COLUMN

CHANGE_REASON = "Excel 导入"
YEAR_MIN, YEAR_MAX = 2000, 2100
# max_digits=6, decimal_places=1 on the model.
SCORE_LIMIT = Decimal("99999.9")
STANDARD_FIELDS = (
    "category",
    "aspect",
    "five_strong",
    "text",
    "method",
    "max_score",
    "evidence_required",
    "is_sample",
)
Method = RatingStandard.Method
_SCORE_NAME = {
    Method.PASS_FAIL: "达标制须填写达标所得分值",
    Method.POINTS: "计分制须填写满分",
    Method.DEDUCTION: "扣分制须填写最多扣分",
}


def _year(value):
    if isinstance(value, bool):
        raise cells.CellError("应填写年份数字，例如 2026")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 4:
        value = int(value)
    if not isinstance(value, int):
        raise cells.CellError(f"“{value}”不是年份，应填写{YEAR_MIN}至{YEAR_MAX}之间的整数")
    if not YEAR_MIN <= value <= YEAR_MAX:
        raise cells.CellError(f"年份须在{YEAR_MIN}至{YEAR_MAX}之间")
    return value


def _score(value):
    """A number with at most one decimal place; the sign is checked with the method."""
    if isinstance(value, bool):
        raise cells.CellError("应填写数字，例如 5 或 2.5")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise cells.CellError(f"“{value}”不是数字，应填写数字，例如 5 或 2.5") from None
    if not number.is_finite():
        raise cells.CellError(f"“{value}”不是数字，应填写数字，例如 5 或 2.5")
    if number != number.quantize(Decimal("0.1")):
        raise cells.CellError("分值最多保留一位小数")
    if number > SCORE_LIMIT:
        raise cells.CellError(f"分值不能超过{SCORE_LIMIT}")
    return number.quantize(Decimal("0.1"))


def _required_choice(header, field, choices, *, example, width):
    return ImportColumn(
        header, field, cells.choice(choices.choices), required=True, example=example, width=width
    )


# The methods' labels are long; the short names before the bracket are accepted too.
_METHOD_ALIASES = {label.split("（")[0]: value for value, label in Method.choices}


@register
class RatingStandardImporter(Importer):
    code = "rating-standards"
    title = "最强党支部评星标准"
    description = (
        "按“年度＋编号”匹配：系统中没有的新增，已有的按文件内容更新（空白的佐证材料要求会清空该项）。"
        "文件中没有列出的已有条目保留不变，不会被删除。导入的条目不再标注为“示例”。"
        "导出的“最强党支部评星标准”台账可直接修改后导入。仅工委工作人员可以导入。"
    )
    permission = roles.PUBLISH  # narrowed to the work committee by require_permission
    columns = (
        ImportColumn(
            "年度",
            "year",
            _year,
            required=True,
            help=f"标准适用的年度，{YEAR_MIN}至{YEAR_MAX}之间的整数；一个文件可以包含多个年度。",
            example="2026",
            width=8,
        ),
        ImportColumn(
            "编号",
            "code",
            cells.text(RatingStandard._meta.get_field("code").max_length),
            required=True,
            help="同一年度内唯一；与已有条目的年度和编号相同时更新该条目。",
            example="DQ-ZZ-01",
            width=12,
            text_format=True,
        ),
        CATEGORY_COLUMN,
        _required_choice("方面", "aspect", RatingStandard.Aspect, example="组织设置", width=10),
        _required_choice(
            "五强", "five_strong", RatingStandard.FiveStrong, example="政治功能强", width=12
        ),
        ImportColumn(
            "标准内容",
            "text",
            cells.text(2000),
            required=True,
            example="严格落实“三会一课”制度，会议记录完整规范。",
            width=50,
        ),
        ImportColumn(
            "计分方式",
            "method",
            cells.choice(Method.choices, aliases=_METHOD_ALIASES),
            required=True,
            help="可只填“达标制”“计分制”或“扣分制”。",
            example="计分制",
            width=24,
        ),
        ImportColumn(
            "分值",
            "max_score",
            _score,
            help="大于0、最多一位小数。达标制填达标所得分值，计分制填满分，扣分制填最多扣分。",
            example="5",
            width=8,
        ),
        ImportColumn(
            "佐证材料要求",
            "evidence_required",
            cells.text(2000),
            default="",
            example="会议记录、党课讲稿",
            width=30,
        ),
    )
    # The export's sample flag: an imported item is the committee's own, never a sample.
    ignored_headers = frozenset({"示例条目"})

    def require_permission(self, user) -> None:
        require_work_committee(user)

    def extra_notes(self):
        return [
            "5. 按“年度＋编号”匹配：已有的条目按文件内容更新，新的编号新增条目；"
            "文件中没有列出的已有条目保留不变，不会被删除。",
            "6. 导入的条目不再标注为“示例”；导出文件中的「示例条目」列导入时不读取。",
        ]

    def validate(self, rows, *, errors, user):
        # A second guard behind the views' 403: the catalogue is the work committee's alone.
        require_work_committee(user)
        self._report_duplicate_pairs(rows, errors)
        pairs = {
            (row.values["year"], row.values["code"])
            for row in rows
            if row.values.get("year") and row.values.get("code")
        }
        existing = _existing(pairs)
        next_order = _next_sort_orders({year for year, _ in pairs})

        changes = []
        for row in rows:
            if row.number in errors.failed_rows:
                continue
            values = row.values
            if values["max_score"] is None or values["max_score"] <= 0:
                errors.add(row.number, "分值", f"{_SCORE_NAME[values['method']]}，且须大于0")
                continue
            fields = {name: values[name] for name in STANDARD_FIELDS if name != "is_sample"}
            fields["is_sample"] = False
            label = f"{values['year']}年 {values['code']}"
            standard = existing.get((values["year"], values["code"]))
            if standard is None:
                key = (values["year"], values["category"])
                next_order[key] = next_order.get(key, 0) + 1
                standard = RatingStandard(
                    year=values["year"], code=values["code"], sort_order=next_order[key], **fields
                )
                action, changed = Change.CREATE, ()
            else:
                changed = tuple(
                    name for name, value in fields.items() if getattr(standard, name) != value
                )
                if not changed:
                    changes.append(Change(row.number, Change.UNCHANGED, standard, label))
                    continue
                for name in changed:
                    setattr(standard, name, fields[name])
                action = Change.UPDATE
            try:
                # Field rules only: the pair's uniqueness and the positive score are checked
                # above for the whole file at once, not with a query per row.
                standard.clean_fields()
            except ValidationError as error:
                self.report_validation_error(errors, row, error)
                continue
            changes.append(Change(row.number, action, standard, label, changed))
        return changes

    @staticmethod
    def _report_duplicate_pairs(rows, errors):
        """The same 编号 twice within one year; codes repeating across years are fine."""
        first_seen = {}
        for row in rows:
            key = (row.values.get("year"), row.values.get("code"))
            if None in key:
                continue
            if key in first_seen:
                errors.add(
                    row.number,
                    "编号",
                    f"{key[0]}年度的编号“{key[1]}”与第{first_seen[key]}行重复",
                )
            else:
                first_seen[key] = row.number

    def write(self, result: ImportResult, *, user) -> None:
        """Bulk writes that keep history: one historical row per written item, with the
        importer as the user and "Excel 导入" as the reason."""
        caching.changed(caching.RULES)
        created = [c.instance for c in result.changes if c.action == Change.CREATE]
        updated = [c for c in result.changes if c.action == Change.UPDATE]
        history = {"default_user": user, "default_change_reason": CHANGE_REASON}
        if created:
            bulk_create_with_history(created, RatingStandard, batch_size=500, **history)
        if updated:
            fields = sorted({name for change in updated for name in change.changed_fields})
            bulk_update_with_history(
                [change.instance for change in updated],
                RatingStandard,
                fields,
                batch_size=500,
                **history,
            )


def _existing(pairs) -> dict[tuple[int, str], RatingStandard]:
    """The file's (year, code) pairs already in the catalogue: one query."""
    if not pairs:
        return {}
    years = {year for year, _ in pairs}
    codes = {code for _, code in pairs}
    found = RatingStandard.objects.filter(year__in=years, code__in=codes)
    return {(s.year, s.code): s for s in found if (s.year, s.code) in pairs}


def _next_sort_orders(years) -> dict[tuple[int, str], int]:
    """The highest sort order per year and category: new items go after the existing ones."""
    if not years:
        return {}
    rows = (
        RatingStandard.objects.filter(year__in=years)
        .order_by()
        .values_list("year", "category")
        .annotate(top=Max("sort_order"))
    )
    return {(year, category): top for year, category, top in rows}
