"""Figures and charts of organisational life: the compliance engine's summary and heatmap,
the records held by month and the service ledgers. Each function is one provider (see
base.py); the lists that put them on the cockpit are in `__init__.py`."""

import datetime
from collections import Counter, defaultdict

from django.db.models import Count
from django.urls import reverse

from activities.compliance import Status, cached, cached_compute
from activities.forms.records import COUNTED_FILTER
from activities.models import Activity, ServiceRecord
from activities.views.compliance import HeatmapSummary
from alxa_dangjian.accounts import scoping
from alxa_dangjian.core.periods import Month, Year
from branches.models import (
    Organization,
)

from .base import Chart, Figure, Part, Period, Scope, Series

# Each segment of Organization.path is six digits and a slash.
PATH_SEGMENT = 7
# Above this many branches the heatmap shows one row per unit below the scope, not per branch.
HEATMAP_BRANCH_ROWS = 30
HEATMAP_UNIT_ROWS = 40


# Organisational life ---------------------------------------------------------------------------


def compliance_summary(scope: Scope, period: Period) -> HeatmapSummary:
    """The compliance engine's summary of the scope, shared with the pages that show it: a
    branch's report is the secretary's "本期待办" one, a larger scope's the heatmap page's."""
    if scope.is_branch:
        report = cached_compute(
            Organization.objects.filter(pk=scope.pk),
            period.year,
            scope=f"branch:{scope.pk}",
            today=period.end,
        )
        return HeatmapSummary.of(report)
    branches = scope.organizations()
    return cached(
        "heatmap",
        lambda: HeatmapSummary.computed(branches, period.year, today=period.end),
        scope=f"{scope.path}|",
        year=period.year,
        today=period.end,
    )


def _heatmap_url(scope: Scope, year: int) -> str:
    if scope.is_branch:
        return reverse("activities:compliance-detail", args=[scope.pk]) + f"?year={year}"
    query = f"?year={year}" + (f"&committee={scope.pk}" if scope.is_committee else "")
    return reverse("activities:compliance-heatmap") + query


def compliance(scope: Scope, period: Period) -> Figure | None:
    """Share of rule-periods settled (met, or over and not met) that were met: the heatmap's
    合规率. Its link opens the met rule-periods, whose page states the settled ones."""
    summary = compliance_summary(scope, period)
    if not summary.rows:
        return None

    def periods_url(**params) -> str:
        return scope.url("activities:compliance-periods", year=period.year, **params)

    if scope.is_branch:
        parts = [
            Part("met", "达标的规则周期", summary.met, periods_url(status=Status.MET)),
            Part(
                "overdue",
                "逾期的规则周期",
                summary.closed - summary.met - summary.explained,
                periods_url(status=Status.OVERDUE),
            ),
        ]
        if summary.explained:
            parts.append(
                Part(
                    "explained",
                    "已说明的规则周期（未开展，不计入达标）",
                    summary.explained,
                    periods_url(status=Status.EXPLAINED),
                )
            )
    else:
        heatmap = _heatmap_url(scope, period.year)
        parts = [
            Part("branches", "纳入监测的党支部", len(summary.rows), heatmap),
            Part("behind", "有逾期事项的党支部", len(summary.behind), heatmap + "&behind=1"),
        ]
    return Figure(
        "compliance",
        "组织生活达标率",
        None if summary.rate is None else round(summary.rate * 100, 1),
        periods_url(status=Status.MET),
        unit="%",
        note="已截止的“三会一课”等规则周期中按要求开展的比例（已提交或已审核的记录计入）。",
        parts=parts,
        numerator=summary.met,
        denominator=summary.closed,
    )


STATUS_CODES = {
    Status.MET: 3,
    Status.DUE: 2,
    Status.OVERDUE: 1,
    Status.FUTURE: 0,
    Status.EXPLAINED: 4,
}


def compliance_heatmap(scope: Scope, period: Period) -> Chart | None:
    """Branches × months of the year; for large scopes one row per unit below the scope, its
    cell the share of its branches that met every rule falling due in the month."""
    summary = compliance_summary(scope, period)
    if not summary.rows:
        return None
    months = [f"{m}月" for m in range(1, 13)]
    year = period.year
    if len(summary.rows) <= HEATMAP_BRANCH_ROWS:
        names, values, urls = [], [], []
        for y, (pk, name, statuses) in enumerate(summary.rows):
            names.append(name)
            detail = reverse("activities:compliance-detail", args=[pk])
            for x, status in enumerate(statuses):
                if status is not None:
                    values.append([x, y, STATUS_CODES[status]])
                    urls.append(f"{detail}?year={year}&month={x + 1}")
        return Chart(
            "compliance-heatmap",
            f"{year}年组织生活合规热力图（党支部×月份）",
            "heatmap",
            months,
            [Series("合规状态", values, urls)],
            y_categories=names,
            scale="status",
            height=80 + 26 * len(names),
        )
    return _unit_heatmap(scope, summary, months, year)


def _unit_heatmap(scope: Scope, summary: HeatmapSummary, months, year) -> Chart:
    width = (scope.depth + 2) * PATH_SEGMENT
    paths = dict(
        scope.organizations().filter(type__in=Organization.BRANCH_TYPES).values_list("pk", "path")
    )
    units = {
        row["path"]: row
        for row in scope.organizations()
        .filter(parent_id=scope.pk)
        .values("pk", "path", "name", "short_name", "type")
    }
    tally = defaultdict(lambda: [[0, 0] for _ in range(12)])  # unit path → [met, counted]
    for pk, _, statuses in summary.rows:
        unit = paths.get(pk, "")[:width]
        for month, status in enumerate(statuses):
            if status in (Status.MET, Status.DUE, *Status.UNMET):
                tally[unit][month][1] += 1
                tally[unit][month][0] += status == Status.MET
    rows = []
    for path, cells in tally.items():
        unit = units.get(path)
        if unit is None:
            continue
        shares = [round(100 * met / n) if n else None for met, n in cells]
        known = [s for s in shares if s is not None]
        rows.append((sum(known) / len(known) if known else 100, path, unit, shares))
    rows.sort(key=lambda row: (row[0], row[1]))
    rows = rows[:HEATMAP_UNIT_ROWS]
    names, values, urls = [], [], []
    for y, (_, _, unit, shares) in enumerate(rows):
        names.append(unit["short_name"] or unit["name"])
        if unit["type"] in Organization.BRANCH_TYPES:
            detail = reverse("activities:compliance-detail", args=[unit["pk"]])
            links = [f"{detail}?year={year}&month={m}" for m in range(1, 13)]
        else:
            heatmap = reverse("activities:compliance-heatmap")
            links = [f"{heatmap}?year={year}&committee={unit['pk']}"] * 12
        for x, share in enumerate(shares):
            if share is not None:
                values.append([x, y, share])
                urls.append(links[x])
    note = "每格为该单位党支部当月全部达标的比例。"
    if len(tally) > HEATMAP_UNIT_ROWS:
        note += f"仅显示平均达标率最低的{HEATMAP_UNIT_ROWS}个单位。"
    return Chart(
        "compliance-heatmap",
        f"{year}年组织生活合规热力图（单位×月份）",
        "heatmap",
        months,
        [Series("达标支部比例（%）", values, urls)],
        y_categories=names,
        scale="percent",
        note=note,
        height=80 + 26 * len(names),
    )


def activities(scope: Scope, period: Period) -> Figure:
    """Records of the scope (hosted in it or joined by it, as the record list shows them)
    held from 1 January to the period's end that count (submitted or approved); a part per
    kind counts the records of that kind as the list filtered by it does
    (`ActivityQuerySet.of_kind`), so a combined meeting is in the part of each kind it names."""
    counted = Activity.objects.counted().held_between(period.start, period.end)
    total = 0
    by_kind = Counter()
    names = {}
    # Two statements over disjoint rows, together exactly `in_subtree` (see there).
    for records in (counted.hosted_in(scope.path), counted.joined_from_outside(scope.path)):
        records_total, per_kind = records.count_by_kind(with_order=True)
        total += records_total
        for order, kind_id, name, n in per_kind:
            by_kind[kind_id] += n
            names[kind_id] = (order, name)
    # In ActivityKind.sort_order across both statements: a kind met only in the joined
    # records, or only as a combined kind, takes its own place, not its place in one of them.
    kinds = sorted(by_kind, key=lambda kind_id: (names[kind_id][0], kind_id))

    def list_url(**params) -> str:
        return scope.url(
            "activities:activity-list",
            status=COUNTED_FILTER,
            start=period.start.isoformat(),
            end=period.end.isoformat(),
            **params,
        )

    return Figure(
        "activities",
        "组织生活记录",
        total,
        list_url(),
        unit="次",
        note="本组织及下级组织本年开展（含联合开展）、已提交或已审核的记录；"
        "合并召开的会议计入所含的每个类型。",
        parts=[
            Part(str(kind_id), names[kind_id][1], by_kind[kind_id], list_url(kind=kind_id))
            for kind_id in kinds
        ],
    )


def activities_by_month(scope: Scope, period: Period) -> Chart:
    """Counted records per month, this year against last year."""
    year = period.year
    counted = Activity.objects.counted().held_between(
        datetime.date(year - 1, 1, 1), datetime.date(year, 12, 31)
    )
    counts = Counter()
    for records in (counted.hosted_in(scope.path), counted.joined_from_outside(scope.path)):
        for row in (
            records.order_by().values(y=Year("held_on"), m=Month("held_on")).annotate(n=Count("pk"))
        ):
            counts[(row["y"], row["m"])] += row["n"]
    list_url = "activities:activity-list"
    return Chart(
        "activities-by-month",
        "组织生活开展情况（按月）",
        "bar",
        [f"{m}月" for m in range(1, 13)],
        [
            Series(
                f"{y}年",
                [counts.get((y, m), 0) for m in range(1, 13)],
                [
                    scope.url(list_url, status=COUNTED_FILTER, month=f"{y}-{m:02d}")
                    for m in range(1, 13)
                ],
            )
            for y in (year - 1, year)
        ],
    )


# Service ledgers -------------------------------------------------------------------------------


def service_records(scope: Scope, period: Period) -> Figure:
    """Service-ledger records running at some time in the year and begun by the period's end
    (the record list's year and `until` filters)."""
    rows = (
        scoping.within(ServiceRecord.objects, scope)
        .in_year(period.year)
        .started_by(period.end)
        .order_by()
        .values("type__code", "type__name", "type__sort_order")
        .annotate(n=Count("pk"))
    )
    rows = sorted(rows, key=lambda row: (row["type__sort_order"], row["type__code"]))
    list_url = "activities:servicerecord-list"
    return Figure(
        "service-records",
        "服务台账记录",
        sum(row["n"] for row in rows),
        scope.url(list_url, year=period.year, until=period.end.isoformat()),
        unit="条",
        note="本年内开展（含跨年进行）的服务台账记录。",
        parts=[
            Part(
                row["type__code"],
                row["type__name"],
                row["n"],
                scope.url(
                    list_url, year=period.year, until=period.end.isoformat(), type=row["type__code"]
                ),
            )
            for row in rows
        ],
    )
