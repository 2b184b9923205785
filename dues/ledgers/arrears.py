"""党费欠缴名单: the members behind in a scope, with why, counted to last month."""

from django.utils import timezone

from alxa_dangjian.ledgers.params import LedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models import Member

from ..arrears import arrears, explain


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
