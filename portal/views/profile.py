"""The organisation profile (组织概况): everything about one organisation on one page — its
cockpit figures and charts, committee and current term, roster, this year's activity
calendar and open development cases — for anyone whose subtree holds it; and its A4 print."""

import datetime

from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, Q, Value
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from activities.compliance import Status, cached_compute
from activities.forms.records import COUNTED_FILTER, UNCOUNTED_FILTER
from activities.models import Activity
from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import caching
from alxa_dangjian.core.periods import Month
from assessments.models import Grade, ResponsibilityList, ScoreCard
from branches.history import PAGE_LIMIT, organization_changes
from branches.models import (
    CommitteeSeat,
    DevelopmentCase,
    Organization,
    RatingApplication,
    RatingTitle,
)
from dues.indicators import dues_on_time
from training.models import TrainingClass

from ..cockpit import cockpit_for

CASES_SHOWN = 30
HISTORY_PAGE_SIZE = 50
COUNTED = (Activity.Status.SUBMITTED, Activity.Status.APPROVED)


@require_GET
def organization_profile(request, pk):
    return render(request, "portal/profile.html", _profile(request, pk))


@require_GET
def organization_print(request, pk):
    return render(request, "portal/profile_print.html", _profile(request, pk))


def _profile(request, pk) -> dict:
    organization = get_visible_or_404(
        Organization.objects.select_related("parent").with_roster_counts(), request.user, pk=pk
    )
    today = timezone.localdate()
    board = cockpit_for(organization, today=today) if organization.is_active else None
    context = {"organization": organization, "year": today.year, "today": today, "cockpit": board}
    history = organization_changes(organization)
    context |= {"history": history[:PAGE_LIMIT], "history_more": len(history) > PAGE_LIMIT}
    # The sections are the same for everyone who may see the organisation: cached under the
    # versions of every topic, as they show a little of each.
    key = caching.key("profile", organization.pk, today.isoformat())
    context |= caching.cached(key, lambda: _sections(organization, today))
    if board is not None:
        figures = board.figures
        if organization.is_branch:
            figures = [f for f in figures if f.key not in ("organizations", "branches")]
        context |= {
            "training_figure": board.figure("training-hours"),
            "list_figure": board.figure("list-items"),
            "arrears_figure": board.figure("dues-arrears"),
            "figures": figures,
            "charts": [(chart, chart.as_json()) for chart in board.charts],
            "organization_figure": None
            if organization.is_branch
            else board.figure("organizations"),
            "member_figure": board.figure("members"),
        }
    return context


def _sections(organization, today: datetime.date) -> dict:
    cases = (
        DevelopmentCase.objects.open()
        .filter(scoping.subtree_q(organization))
        .select_related("organization")
        .order_by("organization__path", "name", "pk")
    )
    return {
        "current_term": organization.terms.filter(actual_end__isnull=True).first(),
        "seats": list(
            CommitteeSeat.objects.current()
            .filter(organization=organization)
            .select_related("member")
            .in_post_order()
        ),
        "party_group_count": organization.party_groups.count() if organization.is_branch else 0,
        "calendar": _calendar(organization, today),
        "cases": list(cases[:CASES_SHOWN]),
        "cases_shown": CASES_SHOWN,
        "cases_url": reverse("branches:developmentcase-list") + f"?organization={organization.pk}",
        **_app_sections(organization, today),
    }


def _app_sections(organization, today: datetime.date) -> dict:
    """Rating history, training, responsibility lists, the last published assessment and dues
    of the subtree: a fixed number of queries (the counts come from the cockpit's figures)."""
    year = today.year
    subtree = organization.path
    titles = (
        RatingTitle.objects.filter(scoping.subtree_q(subtree))
        .select_related("organization")
        .order_by("-year", "organization__path", "level", "pk")
    )
    applications = (
        RatingApplication.objects.filter(scoping.subtree_q(subtree))
        .select_related("organization", "round")
        .order_by("-round__year", "organization__path", "level", "pk")
    )
    lists = (
        ResponsibilityList.objects.in_subtree(organization)
        .filter(year=year)
        .select_related("type", "owner_organization")
        .annotate(
            item_count=Count("items", distinct=True),
            final_confirmed=Count(
                "items__entries",
                filter=Q(items__entries__stage="final", items__entries__review="confirmed"),
            ),
            # Items with a report awaiting review (an item is listed once however many of
            # its stages wait), as the item list's ?review=waiting shows them.
            waiting=Count("items", filter=Q(items__entries__review="submitted"), distinct=True),
        )
        .order_by("owner_organization__path", "type__sort_order", "owner_person", "pk")
    )
    card = (
        ScoreCard.objects.filter(organization=organization)
        .published()
        .with_current_result()
        .order_by("-year")
        .first()
    )
    # The rate is the year-end indicator 党费按时足额交纳 itself, so it equals the member-months
    # its drill-down (dues_on_time_url) states.
    dues = dues_on_time(year, [organization])[organization.pk]
    query = f"?organization={organization.pk}&year={year}"
    shown_lists = list(lists[:CASES_SHOWN])
    items = reverse("assessments:responsibilityitem-list")
    for shown in shown_lists:
        shown.items_url = f"{items}?list={shown.pk}&year={year}"
        shown.confirmed_url = f"{shown.items_url}&review=final-confirmed"
        shown.waiting_url = f"{shown.items_url}&review=waiting"
    return {
        "titles": list(titles[:CASES_SHOWN]),
        "applications": list(applications[:CASES_SHOWN]),
        "titles_url": reverse("branches:ratingtitle-holders")
        + f"?under={organization.pk}&top=all&year={year}",
        "classes_held": TrainingClass.objects.filter(scoping.subtree_q(subtree))
        .in_year(year)
        .count(),
        "classes_url": reverse("training:trainingclass-list") + query,
        "lists": shown_lists,
        "lists_url": reverse("assessments:index") + query,
        "scorecard": card,
        "grade_label": Grade(card.grade).label if card and card.grade else "",
        "dues_on_time": round(dues.numerator * 100 / dues.denominator, 1)
        if dues.denominator
        else None,
        "dues_paid": dues.numerator,
        "dues_due": dues.denominator,
        "dues_on_time_url": reverse("dues:indicator-detail", args=[organization.pk])
        + f"?year={year}",
    }


def _calendar(organization, today: datetime.date) -> list[dict]:
    """This year month by month: records held (counted and drafts) and, per kind, the counted
    records of that kind as the record list filtered by it counts them (`of_kind`: a combined
    meeting under each kind it names), hosted in the subtree or — for a branch — joined; a
    branch's month also carries its compliance status."""
    year = today.year
    window = (datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    counted = Q(status__in=COUNTED)
    by_month = {month: {"held": 0, "drafts": 0, "by_kind": {}} for month in range(1, 13)}
    kinds = {}  # kind id → (sort order, name)
    # The record list's rows of the subtree (hosted or joined) in two GROUP BYs: one OR
    # across the join would keep the database from using its indexes (seconds at ×10 scale).
    sources = [
        Activity.objects.hosted_in(organization.path),
        Activity.objects.joined_from_outside(organization.path),
    ]
    fields = ("id", "name", "sort_order")
    for records in sources:
        records = records.filter(held_on__range=window)
        main = (
            records.order_by()
            .values(*(f"kind__{f}" for f in fields), month=Month("held_on"))
            .annotate(held=Count("pk", filter=counted), drafts=Count("pk", filter=~counted))
            .values_list(*(f"kind__{f}" for f in fields), "month", "held", "drafts")
        )
        # The kinds a counted record combines besides its main one (as `count_by_kind`),
        # marked by drafts = -1, in the same statement (UNION ALL).
        combined = (
            Activity.also_kinds.through.objects.filter(
                activity__in=records.filter(counted).values("pk")
            )
            .exclude(activitykind_id=F("activity__kind_id"))
            .order_by()
            .values(
                *(f"activitykind__{f}" for f in fields),
                month=Month("activity__held_on"),
            )
            .annotate(held=Count("pk"), drafts=Value(-1, output_field=IntegerField()))
            .values_list(*(f"activitykind__{f}" for f in fields), "month", "held", "drafts")
        )
        for kind, name, order, month, held, drafts in main.union(combined, all=True):
            cell = by_month[month]
            if drafts >= 0:  # a record's main kind: the record itself
                cell["held"] += held
                cell["drafts"] += drafts
            if held:
                kinds[kind] = (order, name)
                cell["by_kind"][kind] = cell["by_kind"].get(kind, 0) + held
    activity_list = reverse("activities:activity-list")
    for month, cell in by_month.items():
        month_url = f"{activity_list}?organization={organization.pk}&month={year}-{month:02d}"
        cell["drafts_url"] = f"{month_url}&status={UNCOUNTED_FILTER}"
        cell["kinds"] = [
            (kinds[kind][1], n, f"{month_url}&status={COUNTED_FILTER}&kind={kind}")
            for kind, n in sorted(cell.pop("by_kind").items(), key=lambda i: (kinds[i[0]], i[0]))
        ]
    report = None
    if organization.is_branch and organization.is_active:
        report = cached_compute(
            Organization.objects.filter(pk=organization.pk),
            year,
            scope=f"branch:{organization.pk}",
            today=today,
        )
    detail = reverse("activities:compliance-detail", args=[organization.pk])
    calendar = []
    for month, cell in by_month.items():
        status = report.month_status(organization.pk, month) if report else None
        calendar.append(
            {
                "month": month,
                "is_current": month == today.month,
                "is_future": month > today.month,
                **cell,
                "url": f"{activity_list}?organization={organization.pk}"
                f"&status={COUNTED_FILTER}&month={year}-{month:02d}",
                "status": status or "",
                "status_label": Status.LABELS.get(status, ""),
                "status_color": Status.COLORS.get(status, "light"),
                "detail_url": f"{detail}?year={year}&month={month}" if report else "",
            }
        )
    return calendar


@require_GET
def organization_history(request, pk):
    """The organisation's whole 变更记录, paginated; its profile shows the newest."""
    organization = get_visible_or_404(Organization.objects.all(), request.user, pk=pk)
    history = organization_changes(organization)
    page = Paginator(history, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/history_page.html",
        {
            "title": f"{organization.name} · 变更记录",
            "back": reverse("portal:organization-profile", args=[organization.pk]),
            "back_label": "返回组织概况",
            "page": page,
            "total": len(history),
        },
    )


urlpatterns = [
    path("branches/<int:pk>/profile/", organization_profile, name="organization-profile"),
    path("branches/<int:pk>/history/", organization_history, name="organization-history"),
    path("branches/<int:pk>/print/", organization_print, name="organization-print"),
]
