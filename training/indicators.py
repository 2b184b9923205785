"""The auto indicator 学时达标率 for the year-end assessment (assessments/indicators.py): per
branch the share of its members in good standing who met their yearly hour rule (32, or 56
for secretaries and committee members), party committees rolled up over their branches."""

from django.urls import reverse

from activities.indicators import branches_under
from assessments.indicators import AutoIndicator, Measure, register, rollup
from branches.models import Member

from . import stats


def hours_met(year: int, organizations) -> dict[int, Measure]:
    """Two queries: the active branches under `organizations`, and one GROUP BY of their
    members' hours against the rule (rollup adds one for the branch paths)."""
    organizations = list(organizations)
    branches = dict(branches_under(organizations).filter(is_active=True).values_list("path", "pk"))
    members = Member.objects.in_good_standing().filter(organization__in=branches.values())
    tallies = stats.hour_tallies(year, members)
    per_branch = {}
    for path, pk in branches.items():
        tally = tallies.get(path) or stats.Tally()
        per_branch[pk] = Measure(tally.met, tally.members, inputs=tally.members)
    measures = rollup(per_branch, organizations)
    result = {}
    for organization in organizations:
        # An organisation with no active branch owes nothing: 0 of 0, still a ratio.
        measure = measures.get(organization.pk) or Measure(0, 0)
        if measure.denominator is None:
            measure = Measure(measure.numerator, 0, inputs=measure.inputs)
        result[organization.pk] = measure
    return result


def drilldown(organization, year: int) -> str:
    return f"{reverse('training:organization-progress', args=[organization.pk])}?year={year}"


register(
    AutoIndicator(
        code="training-hours-met",
        name="学时达标率",
        unit="人",
        compute=hours_met,
        drilldown=drilldown,
        inputs="党员及参训记录",
        description="党员年度培训学时达到要求（党员32学时、书记和支委56学时）的比例。",
    )
)
