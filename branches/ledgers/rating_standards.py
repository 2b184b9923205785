"""最强党支部评星标准: one year's standards catalogue as a ledger (alxa_dangjian.ledgers).

The columns are exactly those of the 评星标准 import (branches/imports/rating_standards.py), so
an exported workbook, edited in Excel, imports back. Imported by branches/ledgers/__init__.py so the
registry finds it. Standards are league-wide: every user who may export may export them.
"""

from django.db.models import Case, IntegerField, Value, When

from alxa_dangjian.ledgers.params import YearLedgerForm
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column

from ..models import Organization, RatingStandard

YES, NO = "是", "否"

STANDARD_FIELDS = (
    "year",
    "code",
    "category",
    "aspect",
    "five_strong",
    "text",
    "method",
    "max_score",
    "evidence_required",
    "is_sample",
)

STANDARD_COLUMNS = (
    Column("年度", 8, "int"),
    Column("编号", 12),
    Column("分类指导类别", 14),
    Column("方面", 10),
    Column("五强", 12),
    Column("标准内容", 50),
    Column("计分方式", 24),
    Column("分值", 8, "decimal", number_format="0.0"),
    Column("佐证材料要求", 30),
    Column("示例条目", 8),
)

_CATEGORY = dict(Organization.Category.choices)
_ASPECT = dict(RatingStandard.Aspect.choices)
_FIVE_STRONG = dict(RatingStandard.FiveStrong.choices)
_METHOD = dict(RatingStandard.Method.choices)


class StandardYearForm(YearLedgerForm):
    """Only the year: the catalogue belongs to no organisation, so there is no subtree."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["organization"]
        self.fields["year"].help_text = "导出该年度的全部评星标准条目；不填则为今年。"

    def describe(self) -> str:
        return f"年度：{self.cleaned_data['year']}"


def _reading_order(field: str, values) -> Case:
    """The position of a field's value in its choices, as the standards page shows them."""
    return Case(
        *(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


def standard_queryset(user, options):
    return (
        RatingStandard.objects.filter(year=options["year"])
        .order_by(
            _reading_order("category", Organization.Category.values),
            _reading_order("aspect", RatingStandard.Aspect.values),
            "sort_order",
            "code",
            "pk",
        )
        .values_list(*STANDARD_FIELDS)
    )


def standard_row(standard, context):
    (
        year,
        code,
        category,
        aspect,
        five_strong,
        text,
        method,
        max_score,
        evidence,
        is_sample,
    ) = standard
    return (
        year,
        code,
        _CATEGORY.get(category, category),
        _ASPECT.get(aspect, aspect),
        _FIVE_STRONG.get(five_strong, five_strong),
        text,
        _METHOD.get(method, method),
        max_score,
        evidence,
        YES if is_sample else NO,
    )


rating_standards = register(
    Ledger(
        code="rating-standards",
        title="最强党支部评星标准",
        description="某一年度的全部评星标准条目（分类指导类别、方面、五强、计分方式、分值、"
        "佐证材料要求）；导出的文件修改后可由工委工作人员导入。",
        columns=STANDARD_COLUMNS,
        queryset=standard_queryset,
        row=standard_row,
        params_form=StandardYearForm,
    )
)
