"""Ledgers of the year-end assessment's results: the ranked results of a run and one
organisation's score card, through the one export mechanism (alxa_dangjian.ledgers). Each
runs a fixed number of queries."""

from django import forms

from alxa_dangjian.accounts import roles
from alxa_dangjian.core.numbers import SCORE_FORMAT, as_score, format_score
from alxa_dangjian.ledgers.params import YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models import Organization

from .. import scoring
from ..models import Grade, Indicator, ScoreCard, Target
from ..services import results

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
    from ..services.runs import current_run

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
