"""The auto indicator 学时达标率 for the year-end assessment (assessments/indicators.py): per
branch the share of its members in good standing who met their yearly hour rule (32, or 56
for secretaries and committee members), party committees rolled up over their branches."""

from django.db.models import Sum
from django.urls import reverse

from activities.indicators import branches_under
from alxa_dangjian.core.bulk import plain_rows
from assessments.indicators import AutoIndicator, Measure, as_ratios, register, rollup
from branches.models import Member

from . import progress


def hours_met(year: int, organizations) -> dict[int, Measure]:
    """Four queries, however many members: the hour rules in force (as the run recorded them),
    one GROUP BY of the year's signed-in enrolments per member, the members of the active
    branches under `organizations` with their rule's minimum, and rollup's branch paths.
    Hours are matched to members in Python — the same judgement as stats.hour_tallies (met =
    hours ≥ the rule's minimum) without its correlated per-member hours subquery. A branch
    without members gets 0 of 0."""
    organizations = list(organizations)
    branches = branches_under(organizations).filter(is_active=True).values("pk")
    members = Member.objects.in_good_standing().filter(organization__in=branches)
    hours = dict(
        progress.earned_in(year)
        .filter(member__in=members.values("pk"))
        .order_by()
        .values("member_id")
        .annotate(total=Sum("hours_earned"))
        .values_list("member_id", "total")
    )
    counts: dict[int, list[int]] = {}  # branch id → [members, met]
    for pk, branch_id, required in plain_rows(
        progress.with_required_hours(year, members, progress.minimums_in_force(year))
        .order_by()
        .values_list("pk", "organization_id", "required_hours")
    ):
        tally = counts.setdefault(branch_id, [0, 0])
        tally[0] += 1
        if hours.get(pk, 0) >= required:
            tally[1] += 1
    per_branch = {pk: Measure(met, n, inputs=n) for pk, (n, met) in counts.items()}
    return as_ratios(rollup(per_branch, organizations), organizations)


def drilldown(organization, year: int) -> str:
    """The members meeting their rule (the page states how many were judged)."""
    return f"{reverse('training:progress-met')}?organization={organization.pk}&year={year}"


def denominator_drilldown(organization, year: int) -> str:
    """Every member judged, with hours against the rule (a committee: per branch)."""
    return f"{reverse('training:organization-progress', args=[organization.pk])}?year={year}"


register(
    AutoIndicator(
        code="training-hours-met",
        name="学时达标率",
        unit="人",
        compute=hours_met,
        drilldown=drilldown,
        denominator_drilldown=denominator_drilldown,
        inputs="党员及参训记录",
        description="党员年度培训学时达到要求（党员32学时、书记和支委56学时）的比例。",
    )
)
