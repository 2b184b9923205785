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

from .health import check_broker, check_cache, check_database
from .models import Notification
from .outages import SERVICES

NOTIFICATIONS_PER_PAGE = 30

logger = logging.getLogger(__name__)


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
