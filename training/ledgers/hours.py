"""学时统计: 学时 earned in a year against the year's minimums, per branch and per person."""

from alxa_dangjian.ledgers.params import YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models import Member, Organization

from .. import stats
from ..models import Audience, HourRule
from ..progress import with_progress

YES, NO = "是", "否"


def _rule_text(year: int) -> str:
    minimums = HourRule.objects.minimums_for(year)
    everyone = minimums.get(Audience.ALL_MEMBERS, 0)
    committee = minimums.get(Audience.COMMITTEE, everyone)
    return f"党员{everyone}／支委{committee}"


def branch_hours_prepare(user, options):
    members = in_chosen_subtree(Member.objects.visible_to(user).in_good_standing(), options)
    return {
        "tallies": stats.rollup(stats.hour_tallies(options["year"], members)),
        "rule": _rule_text(options["year"]),
    }


def branch_hours_queryset(user, options):
    branches = in_chosen_subtree(Organization.objects.visible_to(user), options, "path")
    return (
        branches.branches()
        .filter(is_active=True)
        .order_by("path")
        .values_list("path", "name", "parent__name")
    )


def branch_hours_row(item, context):
    path, name, parent = item
    tally = context.data["tallies"].get(path) or stats.Tally()
    return (
        name,
        parent,
        context.data["rule"],
        tally.members,
        tally.met,
        tally.behind,
        tally.percent,
        tally.hours,
        tally.average_hours,
    )


register(
    Ledger(
        code="training-hours-branches",
        title="学时统计（按党支部）",
        description="各党支部党员的年度学时达标情况：人数、已达标、未达标、达标率和人均学时。",
        columns=(
            Column("党支部", 28),
            Column("上级党组织", 24),
            Column("学时要求", 14),
            Column("党员人数", 9, "int"),
            Column("已达标", 8, "int"),
            Column("未达标", 8, "int"),
            Column("达标率（%）", 10, "int"),
            Column("学时合计", 10, "decimal"),
            Column("人均学时", 10, "decimal"),
        ),
        queryset=branch_hours_queryset,
        row=branch_hours_row,
        params_form=YearLedgerForm,
        prepare=branch_hours_prepare,
    )
)


def member_hours_queryset(user, options):
    members = in_chosen_subtree(Member.objects.visible_to(user).in_good_standing(), options)
    return (
        with_progress(options["year"], members)
        .order_by("organization__path", "name", "pk")
        .values_list(
            "name",
            "organization__name",
            "is_committee_member",
            "required_hours",
            "training_hours",
            "hours_short",
        )
    )


def member_hours_row(item, context):
    name, branch, is_committee, required, hours, short = item
    return (
        name,
        branch,
        "书记和支委" if is_committee else "党员",
        required,
        hours,
        short,
        YES if short <= 0 else NO,
    )


register(
    Ledger(
        code="training-hours-members",
        title="学时统计（按人员）",
        description="每名党员的年度学时、适用的学时要求（党员32、书记和支委56）和是否达标。",
        columns=(
            Column("姓名", 10),
            Column("所在党支部", 28),
            Column("身份", 11),
            Column("学时要求", 9, "int"),
            Column("已获学时", 9, "decimal"),
            Column("还差学时", 9, "decimal"),
            Column("是否达标", 9),
        ),
        queryset=member_hours_queryset,
        row=member_hours_row,
        params_form=YearLedgerForm,
    )
)
