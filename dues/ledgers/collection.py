"""党费收缴台账: each member of a year with the base, the monthly due and the twelve months paid."""

from collections import defaultdict

from django.db.models import OuterRef, Subquery

from alxa_dangjian.ledgers.params import YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models import Member, Organization

from ..models import DuesAssessment, DuesMonth


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
