"""Dues ledgers through the one export mechanism: 党费收缴台账 (members × months of a year),
the arrears list of a scope, and the remittance-and-use summary."""

from collections import defaultdict

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from alxa_dangjian.ledgers.params import LedgerForm, YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models import Member, Organization

from .arrears import arrears, explain
from .models import DuesAssessment, DuesExpense, DuesMonth
from .reports import funds

# --- 党费收缴台账 ----------------------------------------------------------------------------


def collection_queryset(user, options):
    year = options["year"]
    latest = DuesAssessment.objects.filter(
        member=OuterRef("pk"), effective_from__year__lte=year
    ).order_by("-effective_from")
    members = in_chosen_subtree(Member.objects.visible_to(user), options).filter(
        organization__type__in=(Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH)
    )
    return (
        members.annotate(
            kind=Subquery(latest.values("base_kind")[:1]),
            base=Subquery(latest.values("base_amount")[:1]),
            assessment=Subquery(latest.values("pk")[:1]),
        )
        .order_by("organization__path", "name", "pk")
        .values_list(
            "pk", "organization__name", "name", "status", "standing", "kind", "base", "assessment"
        )
    )


def collection_months(user, options):
    """Each member's paid amounts of the year, and the assessments' monthly due: 2 queries."""
    members = collection_queryset(user, options).values("pk")
    paid = defaultdict(dict)
    for member_id, month, amount in DuesMonth.objects.filter(
        member__in=members, month__year=options["year"]
    ).values_list("member_id", "month", "amount"):
        paid[member_id][month.month] = amount
    assessments = {
        a.pk: a
        for a in DuesAssessment.objects.filter(
            pk__in=collection_queryset(user, options).values("assessment")
        )
    }
    return {"paid": paid, "assessments": assessments}


_KINDS = dict(DuesAssessment._meta.get_field("base_kind").choices)
_STATUS = dict(Member.Status.choices)
_STANDING = dict(Member.Standing.choices)


def collection_row(item, context):
    pk, branch, name, status, standing, kind, base, assessment_id = item
    assessment = context.data["assessments"].get(assessment_id)
    months = context.data["paid"].get(pk, {})
    cells = [months.get(m) for m in range(1, 13)]
    return (
        branch,
        name,
        _STATUS.get(status, status),
        _STANDING.get(standing, standing),
        _KINDS.get(kind, "未核定"),
        base,
        assessment.monthly_due if assessment else None,
        *cells,
        sum(v for v in cells if v is not None),
    )


register(
    Ledger(
        code="dues-collection",
        title="党费收缴台账",
        description="每名党员一行：基数类别、计算基数、月交纳额，1至12月的实交金额和全年合计。",
        columns=(
            Column("党支部", 26),
            Column("姓名", 10),
            Column("党员类型", 9),
            Column("党籍状态", 8),
            Column("基数类别", 10),
            Column("计算基数", 11, "decimal"),
            Column("月交纳", 9, "decimal"),
            *(Column(f"{m}月", 8, "decimal") for m in range(1, 13)),
            Column("合计", 10, "decimal"),
        ),
        queryset=collection_queryset,
        row=collection_row,
        params_form=YearLedgerForm,
        prepare=collection_months,
    )
)


# --- 党费欠缴名单 ----------------------------------------------------------------------------


def arrears_queryset(user, options):
    members = in_chosen_subtree(Member.objects.visible_to(user), options)
    return (
        arrears(members, as_of=timezone.localdate())
        .select_related("organization")
        .order_by("level", "-streak", "organization__path", "name", "pk")
    )


def arrears_row(member, context):
    why = explain(member)
    return (
        member.organization.name,
        member.name,
        why.label,
        member.unpaid,
        member.streak,
        member.last_paid,
        why.text,
    )


register(
    Ledger(
        code="dues-arrears",
        title="党费欠缴名单",
        description="累计3个月未交（提醒）和连续6个月未交（警示）的党员，附说明；统计至上月。",
        columns=(
            Column("党支部", 26),
            Column("姓名", 10),
            Column("级别", 6),
            Column("未交月数", 8, "int"),
            Column("连续未交", 8, "int"),
            Column("最近已交月份", 12, "date"),
            Column("说明", 60),
        ),
        queryset=arrears_queryset,
        row=arrears_row,
        params_form=LedgerForm,
    )
)


# --- 党费上缴和使用汇总 ------------------------------------------------------------------------


def funds_queryset(user, options):
    return (
        in_chosen_subtree(Organization.objects.visible_to(user), options, "path")
        .active()
        .exclude(type=Organization.Type.TEMPORARY_BRANCH)
        .order_by("path")
        .values_list("pk", flat=True)
    )


def funds_prepare(user, options):
    organizations = Organization.objects.filter(pk__in=funds_queryset(user, options))
    return {row.organization.pk: row for row in funds(organizations, options["year"])}


def funds_row(pk, context):
    row = context.data[pk]
    return (
        row.organization.name,
        row.collected,
        row.received,
        row.remitted,
        *row.used_by_category.values(),
        row.used,
        row.pending,
        row.balance,
    )


register(
    Ledger(
        code="dues-funds",
        title="党费上缴和使用汇总",
        description="各党组织一年的本级收缴、下级上缴、向上级上缴、按五类用途经批准的使用和结余。",
        columns=(
            Column("党组织", 28),
            Column("本级收缴", 11, "decimal"),
            Column("下级上缴", 11, "decimal"),
            Column("向上级上缴", 11, "decimal"),
            *(Column(label, 12, "decimal") for _, label in DuesExpense.Category.choices),
            Column("使用合计", 11, "decimal"),
            Column("待批准", 10, "decimal"),
            Column("结余", 11, "decimal"),
        ),
        queryset=funds_queryset,
        row=funds_row,
        params_form=YearLedgerForm,
        prepare=funds_prepare,
    )
)
