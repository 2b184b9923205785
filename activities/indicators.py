"""Auto indicators of organisational life for the year-end assessment (assessments/indicators.py).

Both are computed per branch with a fixed number of GROUP BY queries and rolled up to party
committees over the branches of their subtree. Periods count once they have ended (as of
today, or the year's last day for a past year), so a run in November does not mark December
as missed and a run for a closed year sees all twelve months.
"""

import datetime
from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import ExtractMonth
from django.urls import reverse

from assessments.indicators import (
    AutoIndicator,
    Measure,
    as_of,
    as_ratios,
    register,
    rollup,
    subtree_condition,
)
from branches.models import Organization

from . import compliance
from .models import Activity

# 三会一课: 支部党员大会, 支部委员会, 党小组会, 党课 (kind codes seeded by migration 0002).
THREE_MEETINGS_ONE_LESSON = (
    "general-meeting",
    "committee-meeting",
    "group-meeting",
    "party-lecture",
)
THEME_DAY = "theme-day"


def months_ended(year: int) -> int:
    """Whole months of `year` that have ended: 12 for a past year, 0 for a future one."""
    day = as_of(year)
    if day == datetime.date(year, 12, 31):
        return 12
    return day.month - 1 if day.year == year else 0


def branches_under(organizations):
    """Branches in the subtrees of `organizations`: a branch by its id, a committee by its
    path prefix (one query when evaluated, none to build)."""
    return Organization.objects.filter(
        subtree_condition(organizations), type__in=Organization.BRANCH_TYPES
    )


def three_meetings_completion(year: int, organizations) -> dict[int, Measure]:
    """Required meetings and lectures held (capped at what was required) over those required,
    for the 三会一课 rules in force, in the periods that have ended."""
    organizations = list(organizations)
    day = as_of(year)
    report = compliance.compute(
        branches_under(organizations), year, today=day, kind_codes=THREE_MEETINGS_ONE_LESSON
    )
    per_branch: dict[int, list[int]] = {o.pk: [0, 0, 0] for o in report.organizations}
    for cell in report.cells:
        if cell.period.end > day:
            continue
        totals = per_branch[cell.organization_id]
        totals[0] += min(cell.held, cell.required)
        totals[1] += cell.required
        totals[2] += cell.held
    measures = {pk: Measure(n, d, inputs=i) for pk, (n, d, i) in per_branch.items()}
    return as_ratios(rollup(measures, organizations), organizations)


def theme_day_months(year: int, organizations) -> dict[int, Measure]:
    """Months (of those ended) in which a branch held a counted 主题党日, hosted or joint."""
    organizations = list(organizations)
    months_due = months_ended(year)
    branches = branches_under(organizations).filter(is_active=True)
    branch_ids = list(branches.values_list("pk", flat=True))
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    counted = Activity.objects.counted().filter(kind__code=THEME_DAY, held_on__range=(start, end))
    months: dict[int, set] = defaultdict(set)
    inputs: dict[int, int] = defaultdict(int)
    for org, month, n in (
        counted.filter(organization__in=branch_ids)
        .values_list("organization_id", ExtractMonth("held_on"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if month <= months_due:
            months[org].add(month)
        inputs[org] += n
    through = Activity.joint_organizations.through
    for org, month, n in (
        through.objects.filter(organization__in=branch_ids, activity__in=counted.values("pk"))
        .values_list("organization_id", ExtractMonth("activity__held_on"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if month <= months_due:
            months[org].add(month)
        inputs[org] += n
    measures = {
        pk: Measure(len(months.get(pk, ())), months_due, inputs=inputs.get(pk, 0))
        for pk in branch_ids
    }
    return as_ratios(rollup(measures, organizations), organizations)


def _compliance_link(organization, year: int) -> str:
    if organization.is_branch:
        return reverse("activities:compliance-detail", args=[organization.pk]) + (
            f"?year={year}&month=12"
        )
    return reverse("activities:activity-list") + f"?organization={organization.pk}"


def _theme_day_link(organization, year: int) -> str:
    from .models import ActivityKind

    kind = ActivityKind.objects.filter(code=THEME_DAY).values_list("pk", flat=True).first()
    query = f"?organization={organization.pk}" + (f"&kind={kind}" if kind else "")
    return reverse("activities:activity-list") + query


register(
    AutoIndicator(
        code="three-meetings-one-lesson",
        name="三会一课完成率",
        unit="次",
        compute=three_meetings_completion,
        drilldown=_compliance_link,
        inputs="组织生活记录",
        description="支部党员大会、支部委员会、党小组会、党课按频次规则应开展次数中已开展的比例（已结束的周期）。",
    )
)
register(
    AutoIndicator(
        code="theme-day-months",
        name="主题党日覆盖月份",
        unit="月",
        compute=theme_day_months,
        drilldown=_theme_day_link,
        inputs="组织生活记录",
        description="已结束的月份中开展了主题党日（含联合开展）的月份数。",
    )
)
