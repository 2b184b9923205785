"""Compliance screens: the heatmap of branches × months for reviewers, and the drill-down of
one branch and month to the records behind each rule (any role, within its subtree)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from html import escape

from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from alxa_dangjian.core.params import FIRST_YEAR, flag_param
from branches.models import Organization

from ..compliance import JUDGED_TYPES, Report, Status, cached, cached_compute, compute, statuses
from ..models import Activity, JointParticipation, OverdueExplanation
from ..models.records import PRIOR_YEAR_MAX_MONTHS

CONFIRMED = JointParticipation.Status.CONFIRMED

HEATMAP_PAGE_SIZE = 50
BEHIND_SHOWN = 30
MONTHS = range(1, 13)


def _year(request, today: datetime.date, notices: list) -> int:
    raw = request.GET.get("year", "").strip()
    if not raw:
        return today.year
    year = params.parse_integer(raw, low=FIRST_YEAR, high=today.year + 1)
    if year is not None:
        return year
    notices.append(
        "年份“{raw}”无效（应为{first}至{last}年），已显示{year}年。".format(
            raw=raw[:10], first=FIRST_YEAR, last=today.year + 1, year=today.year
        )
    )
    return today.year


def _month(request, year: int, today: datetime.date, notices: list) -> int:
    default = today.month if year == today.year else 12
    raw = request.GET.get("month", "").strip()
    if not raw:
        return default
    month = params.parse_integer(raw, low=1, high=12)
    if month is not None:
        return month
    notices.append(f"月份“{raw[:10]}”无效（应为1至12），已显示{default}月。")
    return default


@dataclass(frozen=True)
class HeatmapSummary:
    """What the heatmap shows of a scope, in plain values (no model instances): small and
    quick to cache and load even for thousands of branches."""

    rows: list  # (pk, display name, 12 month statuses)
    behind: list  # (pk, display name, overdue count, due count), worst first
    rate: float | None
    met: int = 0  # the rate's numerator and denominator (Report.rate_counts)
    closed: int = 0
    explained: int = 0  # of `closed`: over and not met, closed by an explanation

    @classmethod
    def computed(cls, branches, year: int, *, today: datetime.date) -> "HeatmapSummary":
        """`of(compute(branches, year, today=today))` in one pass over plain tuples
        (compliance.statuses), without the report's cells: the same rows, behind list and
        rate for a whole league at a fraction of the cost."""
        organizations, judged = statuses(branches, year, today=today)
        severity = Status.SEVERITY
        worst: dict[int, list] = {}  # organisation → the worst status per month (index 1–12)
        counts: dict[int, list[int]] = {}  # organisation → [overdue, due]
        met = overdue = explained = 0
        for pk, month, status in judged:
            months = worst.get(pk)
            if months is None:
                months = worst[pk] = [None] * 13
            current = months[month]
            if current is None or severity[status] > severity[current]:
                months[month] = status
            if status == Status.MET:
                met += 1
            elif status == Status.OVERDUE:
                overdue += 1
                counts.setdefault(pk, [0, 0])[0] += 1
            elif status == Status.DUE:
                counts.setdefault(pk, [0, 0])[1] += 1
            elif status == Status.EXPLAINED:
                explained += 1
        empty = [None] * 13
        rows = [(o.pk, o.display_name, tuple(worst.get(o.pk, empty)[1:])) for o in organizations]
        by_pk = {o.pk: o for o in organizations}
        behind = sorted(
            ((by_pk[pk], late, due) for pk, (late, due) in counts.items() if late and pk in by_pk),
            key=lambda row: (-row[1], row[0].path),
        )
        closed = met + overdue + explained  # Report.rate_counts: over and not met counts
        return cls(
            rows=rows,
            behind=[(o.pk, o.display_name, late, due) for o, late, due in behind],
            rate=met / closed if closed else None,
            met=met,
            closed=closed,
            explained=explained,
        )

    @classmethod
    def of(cls, report: Report) -> "HeatmapSummary":
        met, closed = report.rate_counts()
        return cls(
            rows=[(o.pk, o.display_name, tuple(statuses)) for o, statuses in report.heatmap()],
            behind=[(o.pk, o.display_name, overdue, due) for o, overdue, due in report.behind()],
            rate=report.rate(),
            met=met,
            closed=closed,
            explained=sum(c.status == Status.EXPLAINED for c in report.cells),
        )


@dataclass(frozen=True)
class HeatmapPage:
    """One page of the heatmap as shown: its rows already rendered, the behind list and the
    rate (a few kilobytes to cache, however large the scope)."""

    count: int
    rows: list
    behind: list
    behind_total: int
    rate: float | None


def _status_cell(status: str | None) -> dict:
    if status is None:
        return {"status": "", "label": "无要求", "color": "light"}
    return {"status": status, "label": Status.LABELS[status], "color": Status.COLORS[status]}


CELL_HTML = (
    '<td class="p-0 text-center" data-month="{}" data-status="{}">'
    '<a class="d-block px-1 py-1 text-decoration-none text-bg-{}" href="{}" title="{}">{}</a>'
    "</td>"
)


def _heatmap_row(pk: int, name: str, statuses, year: int) -> dict:
    """One branch's row; its twelve cells are rendered here in one pass: a template loop
    over 600 cells a page, then format_html's lazy escaping, were most of the page's cost.
    The only text not fixed here is the branch name in the title, escaped with the standard
    library's html.escape (quotes included); the link is escaped the same way."""
    url = reverse("activities:compliance-detail", args=[pk]) + f"?year={year}"
    cells = []
    for month, status in zip(MONTHS, statuses, strict=True):
        cell = _status_cell(status)
        title = escape(f"{name} {year}年{month}月：{cell['label']}")
        href = escape(f"{url}&month={month}")
        cells.append(
            CELL_HTML.format(month, cell["status"], cell["color"], href, title, cell["label"])
        )
    return {"pk": str(pk), "name": name, "url": url, "cells_html": mark_safe("".join(cells))}


@require_GET
def compliance_heatmap(request):
    """Branches × months for the reviewer's subtree (or a committee of it) and a year."""
    roles.require(request.user, roles.REVIEW)
    today = timezone.localdate()
    notices = []
    year = _year(request, today, notices)
    visible = Organization.objects.visible_to(request.user)
    committees = visible.filter(type__in=Organization.COMMITTEE_TYPES, is_active=True)
    scope = request.user.organization
    committee = None
    if request.GET.get("committee", "").strip():
        committee_pk = params.pk(request, "committee")
        if committee_pk:
            committee = committees.filter(pk=committee_pk).first()
        if committee is None:
            notices.append("所选党委不存在或不在您的管辖范围内，已显示全部。")
        else:
            scope = committee
    category = request.GET.get("category", "").strip()
    if category and category not in Organization.Category.values:
        notices.append("所选分类指导类别无效，已显示全部类别。")
        category = ""
    # A user without an organisation sees nothing (`visible` is empty).
    scope_path = scope.path if scope else ""
    branches = scoping.within(visible, scope_path, "")
    if category:
        branches = branches.filter(category=category)
    # The whole scope is computed once (and cached per scope, year and day); each page of it
    # is dressed once too (its rows rendered) and cached beside it, so a visit reads only the
    # page it shows.
    number = params.integer(request, "page", low=1, high=99_999, default=1)
    # ?behind=1: only the branches with overdue items (the cockpit's 有逾期事项的党支部).
    behind_only = flag_param(request, "behind")

    def dress_page() -> HeatmapPage:
        summary = cached(
            "heatmap",
            lambda: HeatmapSummary.computed(branches, year, today=today),
            scope=f"{scope_path}|{category}",
            year=year,
            today=today,
        )
        shown = summary.rows
        if behind_only:
            behind_pks = {pk for pk, *_ in summary.behind}
            shown = [row for row in shown if row[0] in behind_pks]
        page = Paginator(shown, HEATMAP_PAGE_SIZE).get_page(number)
        return HeatmapPage(
            count=len(shown),
            rows=[_heatmap_row(pk, name, statuses, year) for pk, name, statuses in page],
            behind=summary.behind[:BEHIND_SHOWN],
            behind_total=len(summary.behind),
            rate=summary.rate,
        )

    dressed = cached(
        f"heatmap-page-{number}{'-behind' if behind_only else ''}",
        dress_page,
        scope=f"{scope_path}|{category}",
        year=year,
        today=today,
    )
    # The pager needs only the count: a range stands in for the rows.
    page = Paginator(range(dressed.count), HEATMAP_PAGE_SIZE).get_page(number)
    rows, behind, rate = dressed.rows, dressed.behind, dressed.rate
    return render(
        request,
        "activities/compliance_heatmap.html",
        {
            "year": year,
            "years": sorted({year, *range(today.year - 6, today.year + 2)}, reverse=True),
            "months": MONTHS,
            "notices": notices,
            # (id, name) pairs: some 250 committees at league scale.
            "committees": [
                (pk, short_name or name)
                for pk, short_name, name in committees.order_by("path").values_list(
                    "pk", "short_name", "name"
                )
            ],
            "committee": committee,
            "categories": Organization.Category.choices,
            "category": category,
            "behind_only": behind_only,
            "page": page,
            "rows": rows,
            "behind": behind,
            "behind_total": dressed.behind_total,
            "rate": None if rate is None else round(rate * 100, 1),
            "branch_total": dressed.count,
            "legend": [
                _status_cell(s)
                for s in (Status.MET, Status.DUE, Status.OVERDUE, Status.EXPLAINED, Status.FUTURE)
            ]
            + [_status_cell(None)],
        },
    )


@require_GET
def compliance_detail(request, pk):
    """One branch and month: each rule's required vs held, and the records behind it."""
    branch = get_visible_or_404(
        Organization.objects.filter(type__in=JUDGED_TYPES), request.user, pk=pk
    )
    today = timezone.localdate()
    notices = []
    year = _year(request, today, notices)
    month = _month(request, year, today, notices)
    report = cached_compute(
        Organization.objects.filter(pk=branch.pk), year, scope=f"branch:{branch.pk}", today=today
    )
    cells = [c for c in report.for_organization(branch.pk) if month in c.period.months]
    cells.sort(key=lambda c: (c.rule.kind.sort_order, c.period.start))
    # Records of the branch (hosted or joint) over the periods shown, drafts included but
    # marked: they are what the secretary still has to submit.
    start = min((c.period.start for c in cells), default=datetime.date(year, month, 1))
    end = max((c.period.end for c in cells), default=start)
    if end.month == 12:
        # Records held early next year that belong to this one (所属年度) count in December.
        end = datetime.date(end.year + 1, PRIOR_YEAR_MAX_MONTHS + 1, 1) - datetime.timedelta(1)
    # A joint record waiting for (or refused by) the branch's consent is listed, not counted.
    partnerships = JointParticipation.objects.filter(organization=branch)
    records = list(
        Activity.objects.filter(
            Q(organization=branch) | Q(pk__in=partnerships.values("activity_id"))
        )
        .filter(held_on__range=(start, end))
        .annotate(
            consent=Subquery(partnerships.filter(activity=OuterRef("pk")).values("status")[:1])
        )
        .select_related("kind", "organization")
        .prefetch_related("also_kinds")
        .distinct()
        .order_by("held_on", "pk")
    )
    counted = {Activity.Status.SUBMITTED, Activity.Status.APPROVED}
    # Explanations and late-entry requests of the periods shown, whatever their state: kept
    # beside the item they explain (an explained item is not a held one).
    explained = defaultdict(list)
    for explanation in OverdueExplanation.objects.filter(organization=branch, year=year).order_by(
        "created_at", "pk"
    ):
        explained[(explanation.rule_id, explanation.index)].append(explanation)
    rules = []
    for cell in cells:
        rule_records = [
            record
            for record in records
            if cell.rule.kind_id in record.kind_ids
            and cell.period.start <= record.counting_day(cell.rule.kind) <= cell.period.end
        ]
        rules.append(
            {
                "cell": cell,
                **_status_cell(cell.status),
                "ends_this_month": cell.period.end.month == month,
                "explanations": explained.get((cell.rule.pk, cell.period.index), []),
                "records": [
                    {
                        "activity": record,
                        "counted": record.status in counted and record.consent in (None, CONFIRMED),
                        "joint": record.organization_id != branch.pk,
                        "consent": JointParticipation.Status(record.consent).label
                        if record.consent not in (None, CONFIRMED)
                        else "",
                    }
                    for record in rule_records
                ],
            }
        )
    first = datetime.date(year, month, 1)
    previous_month = first - datetime.timedelta(days=1)
    next_month = (first + datetime.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "activities/compliance_detail.html",
        {
            "branch": branch,
            "year": year,
            "month": month,
            "notices": notices,
            "rules": rules,
            "month_status": _status_cell(report.month_status(branch.pk, month)),
            "previous": previous_month if previous_month.year >= FIRST_YEAR else None,
            "next": next_month if next_month.year <= today.year + 1 else None,
            "may_review": request.user.may(roles.REVIEW),
        },
    )


PERIODS_PAGE_SIZE = 50
PERIOD_STATUSES = [Status.MET, Status.OVERDUE, Status.EXPLAINED, Status.DUE, Status.FUTURE]


@dataclass(frozen=True)
class PeriodRow:
    """One branch × rule × period of the engine, in plain values."""

    pk: int
    name: str
    kind: str
    period: str
    required: int
    held: int
    status: str
    month: int  # the month the period ends in (its heatmap cell)


def period_rows(organization: Organization, year: int, today: datetime.date) -> list:
    """Every rule-period of the organisation's branches, from the same cached engine result as
    the cockpit's 组织生活达标率 (a branch's own report; a larger scope's whole subtree)."""
    if organization.is_branch:
        report = cached_compute(
            Organization.objects.filter(pk=organization.pk),
            year,
            scope=f"branch:{organization.pk}",
            today=today,
        )
        return _period_rows(report)
    return cached(
        "periods",
        lambda: _period_rows(
            compute(Organization.objects.subtree(organization), year, today=today)
        ),
        scope=f"{organization.path}|",
        year=year,
        today=today,
    )


def _period_rows(report: Report) -> list:
    names = {o.pk: (o.path, o.display_name) for o in report.organizations}
    cells = sorted(
        report.cells,
        key=lambda c: (names[c.organization_id][0], c.rule.kind.sort_order, c.period.start),
    )
    return [
        PeriodRow(
            c.organization_id,
            names[c.organization_id][1],
            c.rule.kind.name,
            c.period.label,
            c.required,
            c.held,
            c.status,
            c.period.end.month,
        )
        for c in cells
    ]


@require_GET
def compliance_periods(request):
    """The rule-periods behind an organisation's 组织生活达标率 for a year, by status: the rate's
    numerator (达标) is the list with status=met, its denominator (达标 and 逾期) is stated."""
    today = timezone.localdate()
    notices = []
    year = _year(request, today, notices)
    if request.GET.get("organization", "").strip():
        organization_pk = params.pk(request, "organization")
        if organization_pk is None:
            raise Http404
        organization = get_visible_or_404(Organization, request.user, pk=organization_pk)
    elif request.user.organization is not None:
        organization = request.user.organization
    else:
        raise Http404
    status = request.GET.get("status", "").strip()
    if status and status not in PERIOD_STATUSES:
        notices.append("所选状态无效，已显示全部规则周期。")
        status = ""
    rows = period_rows(organization, year, today)
    met = sum(row.status == Status.MET for row in rows)
    closed = met + sum(row.status in Status.UNMET for row in rows)
    shown = [row for row in rows if row.status == status] if status else rows
    page = Paginator(shown, PERIODS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/compliance_periods.html",
        {
            "organization": organization,
            "year": year,
            "years": sorted({year, *range(today.year - 6, today.year + 2)}, reverse=True),
            "notices": notices,
            "status": status,
            "statuses": [(s, Status.LABELS[s]) for s in PERIOD_STATUSES],
            "page": page,
            "rows": [
                {
                    "row": row,
                    **_status_cell(row.status),
                    "url": reverse("activities:compliance-detail", args=[row.pk])
                    + f"?year={year}&month={row.month}",
                }
                for row in page
            ],
            "met": met,
            "closed": closed,
            "rate": round(met * 100 / closed, 1) if closed else None,
        },
    )


urlpatterns = [
    path("compliance/", compliance_heatmap, name="compliance-heatmap"),
    path("compliance/periods/", compliance_periods, name="compliance-periods"),
    path("compliance/<int:pk>/", compliance_detail, name="compliance-detail"),
]
