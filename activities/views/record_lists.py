"""The organisational-life lists: all records of the user's subtree with their filters, and
the reviewers' queue (the records and their pages are in records.py)."""

import datetime

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404, scope_path
from alxa_dangjian.core import params
from branches.models import Organization

from ..forms.records import (
    COUNTED_FILTER,
    UNCOUNTED_FILTER,
    ActivityFilterForm,
)
from ..models import Activity, Attendance
from ..services import records

PAGE_SIZE = 30
PRESENT, LEAVE, ABSENT = (
    Attendance.Status.PRESENT,
    Attendance.Status.LEAVE,
    Attendance.Status.ABSENT,
)


def _with_attendance_counts(page):
    """Annotate the page's records (only those, never the whole list before paging) with
    `is_joint` and their present/leave/absent counts: one GROUP BY over their attendance."""
    rows = list(page.object_list)
    joint = Activity.joint_organizations.through.objects.filter(activity_id=OuterRef("pk"))
    counts = (
        {
            row["pk"]: row
            for row in Activity.objects.filter(pk__in=[activity.pk for activity in rows])
            .order_by()
            .values("pk")
            .annotate(
                is_joint=Exists(joint),
                present_count=Count("attendances", filter=Q(attendances__status=PRESENT)),
                leave_count=Count("attendances", filter=Q(attendances__status=LEAVE)),
                absent_count=Count("attendances", filter=Q(attendances__status=ABSENT)),
            )
        }
        if rows
        else {}
    )
    for activity in rows:
        row = counts[activity.pk]
        activity.is_joint = row["is_joint"]
        activity.present_count = row["present_count"]
        activity.leave_count = row["leave_count"]
        activity.absent_count = row["absent_count"]
    page.object_list = rows
    return page


def _selected_organization(request):
    """The organisation named by ?organization=, which must be visible (else 404)."""
    if not request.GET.get("organization"):
        return None
    pk = params.pk(request, "organization")
    if pk is None:
        raise Http404
    return get_visible_or_404(Organization, request.user, pk=pk)


@require_GET
def activity_list(request):
    """Records the user may see: hosted in their subtree or joined by a branch of it."""
    activities = Activity.objects.visible_to(request.user)
    selected = _selected_organization(request)
    if selected is not None:
        activities = activities.in_subtree(selected.path)
    filters = ActivityFilterForm(request.GET)
    filters.is_valid()
    data = filters.cleaned_data
    if data.get("start"):
        activities = activities.filter(held_on__gte=data["start"])
    if data.get("end"):
        activities = activities.filter(held_on__lte=data["end"])
    if data.get("kind"):
        activities = activities.of_kind(data["kind"])
    if data.get("month"):
        year, month = map(int, data["month"].split("-"))
        first = datetime.date(year, month, 1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        # A range, not __year/__month lookups, so the (organization, kind, held_on) index serves.
        activities = activities.filter(held_on__gte=first, held_on__lt=following)
    if data.get("status") == COUNTED_FILTER:
        activities = activities.counted()
    elif data.get("status") == UNCOUNTED_FILTER:
        activities = activities.exclude(
            status__in=[Activity.Status.SUBMITTED, Activity.Status.APPROVED]
        )
    elif data.get("status"):
        activities = activities.filter(status=data["status"])
    # Counted and paged bare; only the page's records are annotated (_with_attendance_counts).
    activities = (
        activities.select_related("organization", "kind", "party_group")
        .prefetch_related("also_kinds")
        .order_by("-held_on", "-pk")
    )
    page = _with_attendance_counts(
        Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    )
    organizations = list(
        Organization.objects.visible_to(request.user)
        .filter(type__in=records.LOGGABLE_TYPES)
        .order_by("path")
        .only("pk", "name", "short_name")
    )
    may_review = request.user.may(roles.REVIEW)
    return render(
        request,
        "activities/activity_list.html",
        {
            "page": page,
            "selected": selected,
            "organizations": organizations,
            "kinds": filters.fields["kind"].queryset,
            "statuses": filters.fields["status"].choices[1:],
            "filters": {
                key: request.GET.get(key, "") for key in ("kind", "month", "status", "start", "end")
            },
            "may_create": records.loggable_organizations(request.user).exists(),
            "may_review": may_review,
            "pending_count": _review_queue(request.user).count() if may_review else 0,
        },
    )


def _review_queue(user):
    """Submitted records hosted in the reviewer's subtree (a joint partner does not review)."""
    path = scope_path(user)
    if path is None:
        return Activity.objects.none()
    return Activity.objects.filter(scoping.subtree_q(path), status=Activity.Status.SUBMITTED)


@require_GET
def activity_queue(request):
    """The reviewer's queue: oldest submission first."""
    roles.require(request.user, roles.REVIEW)
    activities = (
        _review_queue(request.user)
        .select_related("organization", "kind", "party_group")
        .prefetch_related("also_kinds")
        .order_by("updated_at", "pk")
    )
    page = _with_attendance_counts(
        Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    )
    return render(request, "activities/activity_queue.html", {"page": page})


urlpatterns = [
    path("", activity_list, name="activity-list"),
    path("review/", activity_queue, name="activity-queue"),
]
