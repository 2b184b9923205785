"""组织台账 (every organisation with its member counts) and 换届台账 (current terms ending by a
year's end), scoped with `visible_to(user)` and shaped into `values_list` rows with joins and
aggregates."""

from collections import defaultdict

from django.db.models import Count, FilteredRelation, Q

from alxa_dangjian.ledgers.params import (
    YearLedgerForm,
    in_chosen_subtree,
)
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column

from ..models import Member, Organization, Term

# --- 组织台账 -------------------------------------------------------------------------------

_TYPE = dict(Organization.Type.choices)
_ORG_CATEGORY = dict(Organization.Category.choices)


def organization_queryset(user, options):
    organizations = in_chosen_subtree(Organization.objects.visible_to(user), options, "path")
    return (
        organizations.annotate(
            current_term=FilteredRelation("terms", condition=Q(terms__actual_end__isnull=True))
        )
        .order_by("path")
        .values_list(
            "path",
            "name",
            "short_name",
            "type",
            "category",
            "parent__name",
            "established_on",
            "is_active",
            "current_term__number",
            "current_term__elected_on",
            "current_term__due_end",
        )
    )


def member_counts_by_subtree(user, options) -> dict[str, tuple[int, int]]:
    """(正式, 预备) members in good standing under each organisation path, its subtree
    included: one GROUP BY over the branches, rolled up the path in memory."""
    members = in_chosen_subtree(Member.objects.visible_to(user).in_good_standing(), options)
    per_branch = (
        members.order_by()
        .values_list("organization__path")
        .annotate(
            full=Count("pk", filter=Q(status=Member.Status.FULL)),
            probationary=Count("pk", filter=Q(status=Member.Status.PROBATIONARY)),
        )
    )
    totals = defaultdict(lambda: [0, 0])
    for path, full, probationary in per_branch:
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            total = totals["/".join(parts[:depth]) + "/"]
            total[0] += full
            total[1] += probationary
    return {path: (full, probationary) for path, (full, probationary) in totals.items()}


def organization_row(organization, context):
    (
        path,
        name,
        short_name,
        type_,
        category,
        parent,
        established_on,
        is_active,
        term_number,
        elected_on,
        due_end,
    ) = organization
    full, probationary = context.data.get(path, (0, 0))
    return (
        name,
        short_name,
        _TYPE.get(type_, type_),
        _ORG_CATEGORY.get(category, category),
        parent,
        established_on,
        full + probationary,
        full,
        probationary,
        f"第{term_number}届" if term_number else "",
        elected_on,
        due_end,
        "有效" if is_active else "已撤销",
    )


organizations = register(
    Ledger(
        code="organizations",
        title="党组织台账",
        description="党组织的类型、类别、上级组织、党员人数（含下级组织）和现任届次。",
        columns=(
            Column("党组织名称", 28),
            Column("简称", 14),
            Column("组织类型", 12),
            Column("分类指导类别", 16),
            Column("上级党组织", 24),
            Column("成立日期", 12, "date"),
            Column("党员总数", 9, "int"),
            Column("正式党员", 9, "int"),
            Column("预备党员", 9, "int"),
            Column("届次", 8),
            Column("选举日期", 12, "date"),
            Column("届满日期", 12, "date"),
            Column("状态", 8),
        ),
        queryset=organization_queryset,
        row=organization_row,
        prepare=member_counts_by_subtree,
    )
)


# --- 换届台账 -------------------------------------------------------------------------------


class TermYearForm(YearLedgerForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].label = "届满年份"
        self.fields["year"].help_text = "列出在该年底前届满（含已逾期）的现任届次；不填则为今年。"


def term_queryset(user, options):
    terms = in_chosen_subtree(Term.objects.visible_to(user), options).filter(
        organization__is_active=True
    )
    return (
        terms.ending_in(options["year"])
        .order_by("due_end", "organization__path")
        .values_list(
            "organization__name",
            "organization__type",
            "organization__parent__name",
            "number",
            "elected_on",
            "length_years",
            "planned_end",
            "adjusted_end",
            "adjustment_approval_no",
            "due_end",
        )
    )


def term_row(term, context):
    (
        organization,
        type_,
        parent,
        number,
        elected_on,
        length_years,
        planned_end,
        adjusted_end,
        approval_no,
        due_end,
    ) = term
    days = (due_end - context.today).days
    return (
        organization,
        _TYPE.get(type_, type_),
        parent,
        f"第{number}届",
        elected_on,
        length_years,
        planned_end,
        adjusted_end,
        approval_no,
        due_end,
        "已逾期" if days < 0 else "未到期",
        -days if days < 0 else None,
        days if days >= 0 else None,
    )


terms = register(
    Ledger(
        code="terms",
        title="换届台账",
        description="在所选年份底前届满（含已逾期）的现任届次，附逾期或剩余天数。",
        columns=(
            Column("党组织", 28),
            Column("组织类型", 12),
            Column("上级党组织", 24),
            Column("届次", 8),
            Column("选举日期", 12, "date"),
            Column("任期（年）", 9, "int"),
            Column("应届满日期", 12, "date"),
            Column("批准提前/延期至", 14, "date"),
            Column("批复文号", 18),
            Column("届满日期", 12, "date"),
            Column("状态", 8),
            Column("逾期天数", 9, "int"),
            Column("剩余天数", 9, "int"),
        ),
        queryset=term_queryset,
        row=term_row,
        params_form=TermYearForm,
    )
)
