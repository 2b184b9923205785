"""Consent of partner branches to joint activities: the partner's queue (待确认的联合活动),
the confirmation page, and its confirm/decline (POST, CSRF-protected)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404

from ..models import JointParticipation
from ..services import joint

PAGE_SIZE = 30
Status = JointParticipation.Status
# ?status= of the queue: the pending ones by default, or every decision.
STATUS_FILTERS = {"pending": Status.PENDING, "confirmed": Status.CONFIRMED}
STATUS_FILTERS |= {"declined": Status.DECLINED, "all": None}


def _partnerships(user):
    return JointParticipation.objects.visible_to(user).select_related(
        "organization", "activity__organization", "activity__kind", "decided_by"
    )


@require_GET
def joint_list(request):
    """The partner's side: joint records naming a branch of the user's subtree."""
    raw = request.GET.get("status", "pending")
    key = raw if raw in STATUS_FILTERS else "pending"
    partnerships = _partnerships(request.user)
    if STATUS_FILTERS[key] is not None:
        partnerships = partnerships.filter(status=STATUS_FILTERS[key])
    partnerships = partnerships.order_by("-activity__held_on", "-pk")
    page = Paginator(partnerships, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/joint_list.html",
        {
            "page": page,
            "status": key,
            "filters": [
                ("pending", "待确认"),
                ("confirmed", "已确认"),
                ("declined", "已拒绝"),
                ("all", "全部"),
            ],
            "may_act": request.user.may(roles.EDIT_RECORDS),
        },
    )


@require_GET
def joint_detail(request, pk):
    """What the partner confirms: the record's date, kind, host, theme and attendance size."""
    partnership = get_visible_or_404(_partnerships(request.user), request.user, pk=pk)
    activity = partnership.activity
    return render(
        request,
        "activities/joint_detail.html",
        {
            "partnership": partnership,
            "activity": activity,
            "present_count": activity.attendances.filter(status="present").count(),
            "may_confirm": joint.may_confirm(request.user, partnership.organization),
        },
    )


@require_POST
def joint_confirm(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    partnership = get_visible_or_404(JointParticipation, request.user, pk=pk)
    try:
        joint.confirm_partnership(partnership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "已确认参加该联合活动，活动将计入本支部的组织生活。")
    return redirect(partnership)


@require_POST
def joint_decline(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    partnership = get_visible_or_404(JointParticipation, request.user, pk=pk)
    try:
        joint.decline_partnership(
            partnership, reason=request.POST.get("reason", ""), by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "已拒绝，该活动不计入本支部的组织生活。")
    return redirect(partnership)


urlpatterns = [
    path("joint/", joint_list, name="jointparticipation-list"),
    path("joint/<int:pk>/", joint_detail, name="jointparticipation-detail"),
    path("joint/<int:pk>/confirm/", joint_confirm, name="jointparticipation-confirm"),
    path("joint/<int:pk>/decline/", joint_decline, name="jointparticipation-decline"),
]
