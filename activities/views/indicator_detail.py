"""The records behind the year-end assessment's organisational-life indicators (三会一课完成率,
主题党日覆盖月份) for one organisation and year: for a branch, every rule period or month
counted with the records in it; for a party committee, every branch's numerator and
denominator. The figures come from the indicators' own functions (activities/indicators.py),
so the page always states the numbers the score card shows."""

import datetime
from collections import defaultdict

from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from assessments.indicators import as_of
from branches.models import Organization

from .. import indicators
from ..models import Activity
from ..models.records import PRIOR_YEAR_MAX_MONTHS

TITLES = {
    indicators.THREE_MEETINGS: "三会一课完成率",
    indicators.THEME_DAY_MONTHS: "主题党日覆盖月份",
}
COMPUTE = {
    indicators.THREE_MEETINGS: indicators.three_meetings_completion,
    indicators.THEME_DAY_MONTHS: indicators.theme_day_months,
}


def _year(request) -> int:
    """?year= between 2000 and next year, else this year (a bad value is ignored)."""
    today = timezone.localdate()
    return params.integer(
        request, "year", low=params.FIRST_YEAR, high=today.year + 1, default=today.year
    )


def _records(branch, year: int, kind_codes, until: datetime.date) -> list:
    """Counted records naming one of the kinds (as main or combined kind) hosted or joined by
    the branch from 1 January to `until`, and, for a whole year, the next year's first months
    whose records may belong to it (所属年度) — as the compliance engine counts them; the rows
    then place each by `counting_day`."""
    if until == datetime.date(year, 12, 31):
        until = datetime.date(year + 1, PRIOR_YEAR_MAX_MONTHS + 1, 1) - datetime.timedelta(days=1)
    return list(
        Activity.objects.counted()
        .of_branch(branch)
        .filter(Q(kind__code__in=kind_codes) | Q(also_kinds__code__in=kind_codes))
        .filter(held_on__range=(datetime.date(year, 1, 1), until))
        .select_related("kind", "organization")
        .prefetch_related("also_kinds")
        .distinct()
        .order_by("held_on", "pk")
    )


def _named(record, code: str):
    """The kind `code` if the record names it (main or combined), else None."""
    return next((k for k in (record.kind, *record.also_kinds.all()) if k.code == code), None)


def _three_meetings_rows(branch, year: int) -> list[dict]:
    periods, _ = indicators.three_meetings_periods(year, [branch])
    records = _records(branch, year, indicators.THREE_MEETINGS_ONE_LESSON, as_of(year))
    rows = []
    for _pk, rule, period, required, held in sorted(
        periods, key=lambda row: (row[1].kind.sort_order, row[1].pk, row[2].start)
    ):
        rows.append(
            {
                "label": f"{rule.kind.name} · {period.label}",
                "required": required,
                "held": held,
                "counted": min(held, required),
                "records": [
                    record
                    for record in records
                    if rule.kind_id in record.kind_ids
                    and period.start <= record.counting_day(rule.kind) <= period.end
                ],
            }
        )
    return rows


def _theme_day_rows(branch, year: int) -> list[dict]:
    months_due, per_branch = indicators.theme_day_coverage(year, [branch])
    if not months_due:
        return []
    until = datetime.date(year, 12, 31)
    if months_due < 12:
        until = datetime.date(year, months_due + 1, 1) - datetime.timedelta(days=1)
    by_month = defaultdict(list)
    for record in _records(branch, year, (indicators.THEME_DAY,), until):
        day = record.counting_day(_named(record, indicators.THEME_DAY))
        if day.year == year:
            by_month[day.month].append(record)
    per_month = per_branch.get(branch.pk, [0] * 13)
    return [
        {
            "label": f"{year}年{month}月",
            "required": 1,
            "held": per_month[month],
            "counted": 1 if per_month[month] else 0,
            "records": by_month[month],
        }
        for month in range(1, months_due + 1)
    ]


ROWS = {
    indicators.THREE_MEETINGS: _three_meetings_rows,
    indicators.THEME_DAY_MONTHS: _theme_day_rows,
}


@require_GET
def indicator_detail(request, pk):
    """?code= names the indicator (an unknown one is a 404), ?year= the year."""
    organization = get_visible_or_404(Organization, request.user, pk=pk)
    code = request.GET.get("code", "")
    if code not in TITLES:
        raise Http404
    year = _year(request)
    branches = []
    if not organization.is_branch:
        branches = list(
            Organization.objects.visible_to(request.user)
            .filter(scoping.subtree_q(organization, ""), type__in=Organization.BRANCH_TYPES)
            .order_by("path")
        )
    measures = COMPUTE[code](year, [organization, *branches])
    measure = measures[organization.pk]
    context = {
        "organization": organization,
        "year": year,
        "code": code,
        "title": TITLES[code],
        "measure": measure,
        "as_of": as_of(year),
    }
    if organization.is_branch:
        context["rows"] = ROWS[code](organization, year)
    else:
        context["branch_rows"] = [
            (branch, measures[branch.pk]) for branch in branches if measures[branch.pk].denominator
        ]
    return render(request, "activities/indicator_detail.html", context)


urlpatterns = [
    path("indicators/<int:pk>/", indicator_detail, name="indicator-detail"),
]
