"""Auto indicators of organisational life for the year-end assessment (assessments/indicators.py).

Both are computed per branch with a fixed number of GROUP BY queries and rolled up to party
committees over the branches of their subtree. Periods count once they have ended (as of
today, or the year's last day for a past year), so a run in November does not mark December
as missed and a run for a closed year sees all twelve months.
"""

import datetime

from django.db.models import Q
from django.urls import reverse

from alxa_dangjian.core import rules
from assessments.indicators import (
    AutoIndicator,
    Measure,
    as_of,
    as_ratios,
    register,
    rollup,
    shared,
    subtree_condition,
)
from branches.models import Organization

from . import compliance
from .models import ActivityKind, FrequencyRule

# 三会一课: 支部党员大会, 支部委员会, 党小组会, 党课 (kind codes seeded by migration 0002).
THREE_MEETINGS_ONE_LESSON = (
    "general-meeting",
    "committee-meeting",
    "group-meeting",
    "party-lecture",
)
THEME_DAY = "theme-day"
# The indicators' codes.
THREE_MEETINGS = "three-meetings-one-lesson"
THEME_DAY_MONTHS = "theme-day-months"
KINDS = (*THREE_MEETINGS_ONE_LESSON, THEME_DAY)


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


def _activity_months(year: int, organizations):
    """Counted records of the year for the branches under `organizations`, as month vectors
    per (branch, kind) — compliance.month_counts for the 三会一课 kinds and 主题党日 — read
    once when both indicators are evaluated together (a run chunk)."""

    def build():
        kinds = dict(ActivityKind.objects.filter(code__in=KINDS).values_list("code", "pk"))
        per_group = rules.rows(FrequencyRule, Q(per_party_group=True), Q(kind__code__in=KINDS))
        return kinds, compliance.month_counts(
            branches_under(organizations).values("pk"),
            year,
            kinds.values(),
            {rule.kind_id for rule in per_group},
        )

    return shared(("activity-months", year, tuple(o.pk for o in organizations)), build)


def three_meetings_periods(year: int, organizations):
    """(branch id, rule, period, required, held) for every 三会一课 rule period of the branches
    under `organizations` that has ended by the judging day, and the ids of the branches the
    rules apply to (0 of 0 when none of their periods has ended yet): the rows the indicator
    sums and its drill-down lists."""
    organizations = list(organizations)
    day = as_of(year)
    _, counts = _activity_months(year, organizations)
    judged, rows = set(), []
    for pk, rule, period, required, held in compliance.tallies(
        branches_under(organizations),
        year,
        kind_codes=THREE_MEETINGS_ONE_LESSON,
        counts=lambda *_: counts,
    ):
        judged.add(pk)
        if period.end <= day:
            rows.append((pk, rule, period, required, held))
    return rows, judged


def three_meetings_completion(year: int, organizations) -> dict[int, Measure]:
    """Required meetings and lectures held (capped at what was required) over those required,
    for the 三会一课 rules in force, in the periods that have ended."""
    organizations = list(organizations)
    rows, judged = three_meetings_periods(year, organizations)
    per_branch: dict[int, list[int]] = {pk: [0, 0, 0] for pk in judged}
    for pk, _rule, _period, required, held in rows:
        totals = per_branch[pk]
        totals[0] += min(held, required)
        totals[1] += required
        totals[2] += held
    measures = {pk: Measure(n, d, inputs=i) for pk, (n, d, i) in per_branch.items()}
    return as_ratios(rollup(measures, organizations), organizations)


def theme_day_coverage(year: int, organizations) -> tuple[int, dict[int, list[int]]]:
    """The months due (those ended) and, per active branch under `organizations`, its counted
    主题党日 records (hosted or joint) per month, index 1–12: what the indicator counts."""
    organizations = list(organizations)
    kinds, (totals, _) = _activity_months(year, organizations)
    theme_day = kinds.get(THEME_DAY)
    branches = branches_under(organizations).filter(is_active=True).values_list("pk", flat=True)
    return months_ended(year), {pk: totals.get((pk, theme_day), [0] * 13) for pk in branches}


def theme_day_months(year: int, organizations) -> dict[int, Measure]:
    """Months (of those ended) in which a branch held a counted 主题党日, hosted or joint."""
    organizations = list(organizations)
    months_due, per_branch = theme_day_coverage(year, organizations)
    measures = {
        pk: Measure(
            sum(1 for n in per_month[1 : months_due + 1] if n), months_due, inputs=sum(per_month)
        )
        for pk, per_month in per_branch.items()
    }
    return as_ratios(rollup(measures, organizations), organizations)


def _detail_link(code: str):
    def link(organization, year: int) -> str:
        url = reverse("activities:indicator-detail", args=[organization.pk])
        return f"{url}?code={code}&year={year}"

    return link


register(
    AutoIndicator(
        code=THREE_MEETINGS,
        name="三会一课完成率",
        unit="次",
        compute=three_meetings_completion,
        drilldown=_detail_link(THREE_MEETINGS),
        inputs="组织生活记录",
        description="支部党员大会、支部委员会、党小组会、党课按频次规则应开展次数中已开展的比例（已结束的周期）。",
    )
)
register(
    AutoIndicator(
        code=THEME_DAY_MONTHS,
        name="主题党日覆盖月份",
        unit="月",
        compute=theme_day_months,
        drilldown=_detail_link(THEME_DAY_MONTHS),
        inputs="组织生活记录",
        description="已结束的月份中开展了主题党日（含联合开展）的月份数。",
    )
)
