"""The "一张表格" ledger: one row per organisation, one column block per area of auto
indicators, and its assessment result, through the one export mechanism
(alxa_dangjian.ledgers), in a fixed number of queries."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery

from alxa_dangjian.core.numbers import SCORE_FORMAT, as_score
from alxa_dangjian.ledgers.params import YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models import Member, Organization, Term

from .. import indicators as registry
from ..models import Grade
from ..models.scoring import TARGET_TYPES
from .results import result_note, visible_cards

_GRADES = dict(Grade.choices)
_ORG_TYPES = dict(Organization.Type.choices)
_CATEGORIES = dict(Organization.Category.choices)


# --- 一张表格 ---------------------------------------------------------------------------------

# Which block a registered auto indicator belongs to, by the app that registered it.
OWN_BLOCKS = {
    "three-meetings-one-lesson": "组织生活",
    "theme-day-months": "组织生活",
    "term-on-time": "组织建设",
    "development-steps": "组织建设",
    "setup-rules": "组织建设",
}
APP_BLOCKS = {"training": "培训", "branches": "评星", "assessments": "清单", "dues": "党费"}
BLOCK_ORDER = ["组织生活", "组织建设", "培训", "评星", "清单", "党费"]


def sheet_indicators() -> list[tuple[str, object]]:
    """(block, indicator) for every registered auto indicator, in block order."""
    placed = []
    for indicator in registry.all_indicators():
        block = OWN_BLOCKS.get(indicator.code)
        if block is None:
            app = indicator.compute.__module__.split(".")[0]
            block = APP_BLOCKS.get(app, "其他")
        placed.append((block, indicator))
    order = {name: n for n, name in enumerate(BLOCK_ORDER)}
    return sorted(placed, key=lambda p: (order.get(p[0], len(order)), p[1].code))


def sheet_organizations(user, options):
    types = [t for values in TARGET_TYPES.values() for t in values]
    return (
        in_chosen_subtree(Organization.objects.visible_to(user), options, "path")
        .active()
        .filter(type__in=types)
    )


def sheet_queryset(user, options):
    term_end = Term.objects.current().filter(organization=OuterRef("pk")).values("due_end")[:1]
    return (
        sheet_organizations(user, options)
        .annotate(term_end=Subquery(term_end))
        .order_by("path")
        .values_list("pk", "name", "type", "category", "parent__name", "term_end")
    )


def sheet_data(user, options) -> dict:
    """Everything the rows look up, in a fixed number of queries: member counts by status
    summed over each subtree, every registered indicator over the sheet's organisations,
    and the shown results of the score cards."""
    year = options["year"]
    organizations = list(sheet_organizations(user, options).only("pk", "path", "type"))
    paths = {o.pk: o.path for o in organizations}
    condition = in_chosen_subtree(Member.objects.visible_to(user), options)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path, status, n in (
        condition.in_good_standing()
        .values_list("organization__path", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        segments = path.split("/")
        for depth in range(1, len(segments)):
            prefix = "/".join(segments[:depth]) + "/"
            counts[prefix][0 if status == Member.Status.FULL else 1] += n
    members = {pk: counts.get(path, [0, 0]) for pk, path in paths.items()}
    measures = {
        indicator.code: indicator.compute(year, organizations)
        for _, indicator in sheet_indicators()
    }
    results = {
        organization_id: (total, grade, rank, result_note(missing, tie, shared))
        for organization_id, total, grade, rank, missing, tie, shared in visible_cards(user)
        .filter(year=year, organization__in=[o.pk for o in organizations])
        .with_current_result()
        .values_list(
            "organization_id",
            "total",
            "grade",
            "rank",
            "missing_scores",
            "quota_tie",
            "rank_shared",
        )
    }
    ratios = {
        code
        for code, by_organization in measures.items()
        if any(measure.denominator is not None for measure in by_organization.values())
    }
    return {"members": members, "measures": measures, "results": results, "ratios": ratios}


def sheet_columns(context):
    blocks = [
        Column("党组织", 30),
        Column("组织类型", 12),
        Column("分类", 12),
        Column("上级党组织", 24),
        Column("本届届满", 12, "date"),
        Column("党员：正式", 8, "int"),
        Column("党员：预备", 8, "int"),
        Column("党员：合计", 8, "int"),
    ]
    for block, indicator in sheet_indicators():
        # Numbers, not "63/66（95.5%）" text, so the sheet sorts and sums: a ratio indicator
        # gets its numerator, denominator and rate as three numeric columns.
        label = f"{block}：{indicator.name}"
        if indicator.code in context.data["ratios"]:
            blocks += [
                Column(f"{label}：完成", 10, "decimal", "General"),
                Column(f"{label}：应完成", 10, "decimal", "General"),
                Column(f"{label}：完成率", 10, "decimal", "0.0%"),
            ]
        else:
            blocks.append(Column(label, 10, "decimal", "General"))
    blocks += [
        Column("得分：总分", 8, "decimal", SCORE_FORMAT),
        Column("得分：等次", 8),
        Column("名次", 6, "int"),
        Column("得分：说明", 24),
    ]
    return blocks


def _number(value):
    """An int where the value is whole (12, not 12.00), else the exact Decimal."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else value.normalize()


def _measure_cells(measure, *, ratio: bool) -> list:
    if not ratio:
        return [None if measure is None else _number(measure.numerator)]
    if measure is None:
        return [None, None, None]
    if measure.denominator is None:  # a plain value among ratios: no denominator, no rate
        return [_number(measure.numerator), None, None]
    numerator, denominator = _number(measure.numerator), _number(measure.denominator)
    if not denominator:
        return [numerator, denominator, "无要求"]
    rate = (Decimal(measure.numerator) / Decimal(measure.denominator)).quantize(Decimal("0.0001"))
    return [numerator, denominator, rate]


def sheet_row(item, context):
    pk, name, org_type, category, parent, term_end = item
    full, probationary = context.data["members"].get(pk, (0, 0))
    values = [
        name,
        _ORG_TYPES.get(org_type, org_type),
        _CATEGORIES.get(category, category),
        parent or "",
        term_end,
        full,
        probationary,
        full + probationary,
    ]
    ratios = context.data["ratios"]
    for _, indicator in sheet_indicators():
        measure = context.data["measures"][indicator.code].get(pk)
        values += _measure_cells(measure, ratio=indicator.code in ratios)
    total, grade, rank, note = context.data["results"].get(pk, (None, None, None, ""))
    values += [as_score(total), _GRADES.get(grade, ""), rank, note]
    return values


SHEET = register(
    Ledger(
        code="assessment-sheet",
        title="党建工作一张表",
        description="每个党组织一行：组织、党员、组织生活、组织建设、培训、评星、清单等各项自动指标和考核得分，取代各类自制报表。",
        columns=sheet_columns,
        queryset=sheet_queryset,
        row=sheet_row,
        params_form=YearLedgerForm,
        prepare=sheet_data,
    )
)
