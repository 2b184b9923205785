import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from branches.models import Organization

from .health import check_broker, check_database

logger = logging.getLogger(__name__)


@require_GET
def home(request):
    user = request.user
    organizations = Organization.objects.visible_to(user).active()
    counts = {
        (row["type"], row["category"]): row["n"]
        for row in organizations.values("type", "category").annotate(n=Count("id"))
    }
    categories = Organization.Category.choices
    matrix = []
    for type_value, type_label in Organization.Type.choices:
        cells = [(value, counts.get((type_value, value), 0)) for value, _ in categories]
        total = sum(n for _, n in cells)
        if total:
            matrix.append({"type": type_value, "label": type_label, "cells": cells, "total": total})
    category_totals = [
        (value, label, sum(counts.get((t, value), 0) for t, _ in Organization.Type.choices))
        for value, label in categories
    ]
    context = {
        "organization": user.organization,
        "matrix": matrix,
        "categories": categories,
        "category_totals": category_totals,
        "organization_total": sum(counts.values()),
        "branch_total": sum(
            n for (type_value, _), n in counts.items() if type_value in Organization.BRANCH_TYPES
        ),
    }
    return render(request, "core/home.html", context)


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitors: 200 when every configured dependency answers.

    Details of a failure go to the log, not to the anonymous caller.
    """
    database_error = check_database()
    broker_error = check_broker()
    for name, error in (("database", database_error), ("broker", broker_error)):
        if error:
            logger.error("healthz: %s unreachable: %s", name, error)
    if not settings.CELERY_BROKER_URL:
        broker_state = "not configured"
    else:
        broker_state = "error" if broker_error else "ok"
    healthy = not database_error and not broker_error
    body = {
        "status": "ok" if healthy else "error",
        "database": "error" if database_error else "ok",
        "broker": broker_state,
    }
    return JsonResponse(body, status=200 if healthy else 503)
