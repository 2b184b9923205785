"""Ledgers of the year-end assessment: the ranked results, one organisation's score card and
the "一张表格" sheet (one row per organisation, one column block per area), through the one
export mechanism (alxa_dangjian.ledgers). Every one runs a fixed number of queries."""

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.db.models import Count, OuterRef, Subquery

from alxa_dangjian.accounts import roles
from alxa_dangjian.core.numbers import SCORE_FORMAT, as_score, format_score
from alxa_dangjian.ledgers.params import YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models import Member, Organization, Term

from . import indicators as registry
from . import (
    ledgers_lists,  # noqa: F401
    scoring,
)
from .models import Grade, Indicator, ScoreCard, Target
from .models.scoring import TARGET_TYPES
from .services import results

_GRADES = dict(Grade.choices)
_TARGETS = dict(Target.choices)
_CARD_STATUS = dict(ScoreCard.Status.choices)
_ORG_TYPES = dict(Organization.Type.choices)
_CATEGORIES = dict(Organization.Category.choices)


def visible_cards(user):
    """Cards a user may export: every card in scope for the work committee, published ones
    for everyone else (as on the pages)."""
    cards = ScoreCard.objects.visible_to(user)
    return cards if user.may(roles.PUBLISH) else cards.published()


class ResultsLedgerForm(YearLedgerForm):
    target = forms.ChoiceField(
        label="考核对象", choices=[("", "全部"), *Target.choices], required=False
    )


# --- 年度考核结果 -----------------------------------------------------------------------------


def results_queryset(user, options):
    cards = in_chosen_subtree(visible_cards(user), options).filter(year=options["year"])
    if options.get("target"):
        cards = cards.filter(target=options["target"])
    return (
        cards.with_current_result()
        .filter(total__isnull=False)
        .order_by("target", "rank", "organization__path", "pk")
        .values_list(
            "target",
            "rank",
            "organization__name",
            "organization__parent__name",
            "organization__type",
            "total",
            "grade",
            "status",
            "published_at",
            "missing_scores",
            "quota_tie",
            "rank_shared",
        )
    )


def result_note(missing_scores, quota_tie, rank_shared) -> str:
    """What keeps a rank or grade from being final, as the pages mark it."""
    notes = []
    if missing_scores:
        notes.append(f"暂定：尚有{missing_scores}项评审打分未录入")
    if quota_tie:
        notes.append("名额线并列，等次待定")
    if rank_shared:
        notes.append("名次并列")
    return "；".join(notes)


def results_row(item, context):
    target, rank, name, parent, org_type, total, grade, status, published_at = item[:9]
    return (
        _TARGETS.get(target, target),
        rank,
        name,
        parent or "",
        _ORG_TYPES.get(org_type, org_type),
        as_score(total),
        _GRADES.get(grade, grade),
        result_note(*item[9:]),
        _CARD_STATUS.get(status, status),
        "已发布" if published_at else "未发布",
    )


RESULTS = register(
    Ledger(
        code="assessment-results",
        title="年度考核结果",
        description="各党组织书记抓基层党建述职评议考核的总分、等次和名次（按考核对象分别排名）。",
        columns=(
            Column("考核对象", 10),
            Column("名次", 6, "int"),
            Column("党组织", 30),
            Column("上级党组织", 24),
            Column("组织类型", 12),
            Column("总分", 8, "decimal", SCORE_FORMAT),
            Column("等次", 8),
            Column("说明", 24),
            Column("审核状态", 10),
            Column("发布", 8),
        ),
        queryset=results_queryset,
        row=results_row,
        params_form=ResultsLedgerForm,
    )
)


# --- 考核评分卡 -------------------------------------------------------------------------------


class ScoreCardLedgerForm(YearLedgerForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organization = self.fields["organization"]
        organization.required = True
        organization.label = "党组织"
        organization.empty_label = None
        organization.help_text = "导出该党组织本年度的考核评分卡。"


def card_lines(user, options) -> dict:
    """The card's lines as the page shows them: card, run, measures, entries and votes."""
    organization = options["organization"]
    card = (
        visible_cards(user)
        .filter(organization=organization, year=options["year"])
        .select_related("frozen_run")
        .first()
    )
    from .services.runs import current_run

    run = None if card is None else (card.frozen_run or current_run(organization, card.year))
    if run is None:
        return {"lines": {}, "ids": []}
    measures, entries, votes = results.inputs_for(run, [organization.pk])
    _, _, roots = scoring.score(
        run.snapshot,
        measures.get(organization.pk, {}),
        entries.get(organization.pk, {}),
        votes.get(organization.pk),
    )
    lines, stack = {}, [(0, line) for line in reversed(roots)]
    ordered = []
    while stack:
        depth, line = stack.pop()
        lines[line.indicator["id"]] = (depth, line)
        ordered.append(line.indicator["id"])
        stack.extend((depth + 1, child) for child in reversed(line.children))
    return {"lines": lines, "ids": ordered}


def card_queryset(user, options):
    # The rows are the card's indicators (ids from the run's snapshot), in the card's order.
    data = card_lines(user, options)
    order = {pk: n for n, pk in enumerate(data["ids"])}
    return (
        Indicator.objects.filter(pk__in=data["ids"])
        .values_list("pk", flat=True)
        .order_by(*([_order_expression(order)] if order else ["pk"]))
    )


def _order_expression(order: dict):
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        *(When(pk=pk, then=Value(n)) for pk, n in order.items()), output_field=IntegerField()
    )


def card_row(pk, context):
    depth, line = context.data["lines"][pk]
    info = line.indicator
    measure = line.measure
    basis = ""
    if measure is not None:
        basis = f"{measure.numerator.normalize():f}"
        if measure.denominator is not None:
            basis += f" / {measure.denominator.normalize():f}"
    entry = line.entry
    return (
        "　" * depth + info["name"],
        Indicator.Kind(info["kind"]).label,
        as_score(info["weight"]) if info["kind"] in Indicator.WEIGHTED else None,
        basis,
        as_score(line.points),
        "" if entry is None else f"{format_score(entry.score)}：{entry.reason}",
        line.note,
    )


CARD = register(
    Ledger(
        code="assessment-scorecard",
        title="考核评分卡",
        description="一个党组织本年度考核的各项指标、计算依据、得分和评分理由。",
        columns=(
            Column("指标", 30),
            Column("类型", 10),
            Column("分值", 8, "decimal", SCORE_FORMAT),
            Column("计算依据", 16),
            Column("得分", 8, "decimal", SCORE_FORMAT),
            Column("评分及理由", 36),
            Column("说明", 20),
        ),
        queryset=card_queryset,
        row=card_row,
        params_form=ScoreCardLedgerForm,
        prepare=card_lines,
    )
)


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
