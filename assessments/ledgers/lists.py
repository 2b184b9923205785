"""责任清单台账: every item of the year's lists in the chosen scope with its three checkpoints,
through the one export mechanism (alxa_dangjian.ledgers)."""

from django.db.models import FilteredRelation, Q

from alxa_dangjian.ledgers.params import YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column

from ..models import CheckpointEntry, ResponsibilityItem, Stage

_PROGRESS = dict(CheckpointEntry.Progress.choices)
_REVIEW = dict(CheckpointEntry.Review.choices)


def item_queryset(user, options):
    """One query: each stage's entry joined through its own FilteredRelation (at most one)."""
    items = in_chosen_subtree(
        ResponsibilityItem.objects.visible_to(user),
        options,
        lookup="list__owner_organization__path",
    ).filter(list__year=options["year"])
    stages = {
        stage: FilteredRelation("entries", condition=Q(entries__stage=stage))
        for stage in Stage.values
    }
    return (
        items.annotate(**stages)
        .order_by(
            "list__owner_organization__path",
            "list__type__sort_order",
            "list__owner_person",
            "list_id",
            "order",
            "pk",
        )  # fmt: skip
        .values_list(
            "list__owner_organization__name",
            "list__type__name",
            "list__owner_post",
            "list__owner_person",
            "order",
            "content",
            "deadline",
            "plan__review",
            "mid__progress",
            "mid__note",
            "mid__review",
            "final__progress",
            "final__completed_on",
            "final__note",
            "final__review",
            "carried_from__list__year",
            "carried_to__list__year",
        )
    )


def _text(value, labels) -> str:
    return labels.get(value, "") if value else ""


def item_row(item, context):
    (organization, list_type, post, person, order, content, deadline, plan_review,
     mid_progress, mid_note, mid_review, final_progress, completed_on, final_note,
     final_review, carried_from, carried_to) = item  # fmt: skip
    on_time = (
        final_review == CheckpointEntry.Review.CONFIRMED
        and final_progress == CheckpointEntry.Progress.DONE
        and completed_on is not None
        and completed_on <= deadline
    )
    carried = []
    if carried_from:
        carried.append(f"结转自{carried_from}年")
    if carried_to:
        carried.append(f"已结转至{carried_to}年")
    return (
        organization,
        list_type,
        f"{post}{person}".strip(),
        order,
        content,
        deadline,
        _text(plan_review, _REVIEW) or "未填写",
        _text(mid_progress, _PROGRESS),
        mid_note or "",
        _text(mid_review, _REVIEW) or "未填写",
        _text(final_progress, _PROGRESS),
        completed_on,
        final_note or "",
        _text(final_review, _REVIEW) or "未填写",
        "是" if on_time else "否",
        "；".join(carried),
    )


LIST_ITEMS = register(
    Ledger(
        code="responsibility-lists",
        title="责任清单台账",
        description="一年内责任清单的全部事项：年初定单、半年小结、年底对账的进展、说明和审核状态，"
        "以及是否按时办结、是否结转。",
        columns=(
            Column("责任党组织", 26),
            Column("清单类型", 14),
            Column("责任人", 12),
            Column("序号", 6, "int"),
            Column("责任事项", 40),
            Column("完成时限", 12, "date"),
            Column("年初定单", 10),
            Column("半年小结进展", 10),
            Column("半年小结说明", 30),
            Column("半年小结审核", 10),
            Column("年底对账进展", 10),
            Column("完成日期", 12, "date"),
            Column("年底对账说明", 30),
            Column("年底对账审核", 10),
            Column("按时办结", 8),
            Column("结转", 16),
        ),
        queryset=item_queryset,
        row=item_row,
        params_form=YearLedgerForm,
    )
)
