import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from activities import joint as joint_consent
from activities.compliance import cached_compute
from activities.reminders import due_items, log_url
from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import scope_path
from branches.models import Organization
from branches.services import transfer_requests as transfer_consent

from . import caching
from .cockpit import cockpit_for
from .health import check_broker, check_cache, check_database
from .models import Notification
from .outages import SERVICES

NOTIFICATIONS_PER_PAGE = 30

logger = logging.getLogger(__name__)


@require_GET
def home(request):
    """Everyone's home: a branch's due items first (the secretary's "本期待办"), then the
    cockpit of the user's subtree — the whole league for staff, their subtree for a
    party-committee admin, their branch for a secretary."""
    user = request.user
    organization = user.organization
    context = {
        "organization": organization,
        "due_items": _due_items(organization),
        "log_url": log_url(organization.pk) if organization else "",
        "may_review": user.may(roles.REVIEW),
        "consent": _consent_queue(user),
        **_cockpit_context(organization),
    }
    return render(request, "core/home.html", context)


@require_GET
def cockpit_print(request):
    """The home's figures and charts on A4 paper, without navigation."""
    organization = request.user.organization
    return render(request, "core/cockpit_print.html", _cockpit_context(organization))


def _cockpit_context(organization) -> dict:
    """The cockpit of an organisation's subtree, if the user has one and it is active."""
    if organization is None or not organization.is_active:
        return {"cockpit": None}
    board = cockpit_for(organization)
    return {
        "cockpit": board,
        "organization_figure": board.figure("organizations"),
        "branch_figure": board.figure("branches"),
        "figures": [f for f in board.figures if f.key not in ("organizations", "branches")],
        "charts": [(chart, chart.as_json()) for chart in board.charts],
    }


def _consent_queue(user) -> dict:
    """What other subtrees wait for this user's side to answer: joint activities naming a
    branch of theirs (待确认) and transfers into it (待接收); two counts."""
    topics = (caching.ACTIVITIES, caching.MEMBERS, caching.ORGANIZATIONS)
    cache_key = caching.key("consent-queue", scope_path(user), user.role, topics=topics)
    return caching.cached(
        cache_key,
        lambda: {
            "joint": joint_consent.awaiting(user).count(),
            "transfers": transfer_consent.incoming(user).count(),
        },
    )


def _due_items(organization):
    """What a branch still has to hold this period, and what is overdue (the secretary's
    block); None for organisations that are not branches."""
    if organization is None or not organization.is_branch or not organization.is_active:
        return None
    today = timezone.localdate()
    report = cached_compute(
        Organization.objects.filter(pk=organization.pk),
        today.year,
        scope=f"branch:{organization.pk}",
        today=today,
    )
    return due_items(report, organization.pk)


@require_GET
def notification_list(request):
    notifications = Notification.objects.for_user(request.user)
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notification_list.html",
        {"page": page, "unread_total": notifications.unread().count()},
    )


@require_POST
def notification_read(request, pk):
    """Mark one of one's own notifications read, then open what it points to."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    target = notification.url if "open" in request.POST else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("core:notification-list")


@require_POST
def notification_read_all(request):
    count = Notification.objects.for_user(request.user).unread().update(read_at=timezone.now())
    messages.success(request, f"已将 {count} 条通知标为已读。" if count else "没有未读通知。")
    return redirect("core:notification-list")


@require_GET
def notification_bell(request):
    """The navbar bell with the unread count, fetched by htmx after each page has loaded."""
    unread_count = Notification.objects.for_user(request.user).unread().count()
    return render(request, "includes/_bell.html", {"unread_count": unread_count})


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitors: 200 when the database, the cache and the broker (when
    configured) answer; 200 "degraded" when only the cache does not; else 503. `message`
    names in Chinese what did not answer.

    Details of a failure go to the log, not to the anonymous caller.
    """
    errors = {
        "database": check_database(),
        "cache": check_cache(),
        "broker": check_broker(),
    }
    for name, error in errors.items():
        if error:
            logger.error("healthz: %s unreachable: %s", name, error)
    body = {name: "error" if error else "ok" for name, error in errors.items()}
    if not settings.CELERY_BROKER_URL:
        body["broker"] = "not configured"
    failed = [SERVICES[name] for name, error in errors.items() if error]
    # The portal keeps serving without the cache (core/cache_backends.py), only slower: a
    # cache outage is reported as degraded with 200, so a load balancer or the compose
    # healthcheck does not take a working site out of service; the database or the broker
    # down is 503.
    fatal = [name for name, error in errors.items() if error and name != "cache"]
    status = "ok" if not failed else ("error" if fatal else "degraded")
    body = {"status": status, **body}
    body["message"] = "全部正常" if not failed else "不可用：" + "、".join(failed)
    return JsonResponse(
        body, status=503 if fatal else 200, json_dumps_params={"ensure_ascii": False}
    )
