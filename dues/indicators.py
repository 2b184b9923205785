"""The year-end assessment's dues indicator (contract: assessments/indicators.py)."""

from django.db.models import Q
from django.urls import reverse

from alxa_dangjian.accounts import scoping
from assessments.indicators import AutoIndicator, Measure, register, rollup
from branches.models import Organization

from .arrears import on_time_by_branch


def dues_on_time(year: int, organizations) -> dict[int, Measure]:
    """Member-months paid in full within their month, of the member-months due in `year`."""
    organizations = list(organizations)
    branch_ids = {org.pk for org in organizations if org.is_branch}
    above = Q()
    for org in organizations:
        if not org.is_branch:
            above |= scoping.subtree_q(org, "")
    if above:
        branch_ids |= set(
            Organization.objects.branches().filter(above).values_list("pk", flat=True)
        )
    counts = on_time_by_branch(year, branch_ids)
    per_branch = {pk: Measure(paid, due, inputs=due) for pk, (paid, due) in counts.items()}
    return rollup(per_branch, organizations)


def _drilldown(organization, year: int) -> str:
    """Member-months due and paid on time, per member (branch) or per branch (committee)."""
    return f"{reverse('dues:indicator-detail', args=[organization.pk])}?year={year}"


register(
    AutoIndicator(
        code="dues-on-time",
        name="党费按时足额交纳",
        unit="%",
        compute=dues_on_time,
        drilldown=_drilldown,
        inputs="党员应交月份",
        description=(
            "本年已到期的党员应交月份中，按时足额交纳（最迟在所属季度最后一天交纳，"
            "按季交纳视为按时）的比例。"
        ),
    )
)
