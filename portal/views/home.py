"""Everyone's home and its print view: the branch's due items, the consent queues and the
cockpit of the user's subtree."""

from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from activities.compliance import cached_compute
from activities.models import Activity, OverdueExplanation
from activities.services import joint as joint_consent
from activities.services.records import backfill_start
from activities.services.reminders import due_items
from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import scope_path
from alxa_dangjian.core import caching
from branches.models import Organization
from branches.services import transfer_requests as transfer_consent

from ..cockpit import cockpit_for


@require_GET
def home(request):
    """Everyone's home: a branch's due items first (the secretary's "本期待办"), then the
    cockpit of the user's subtree — the whole league for staff, their subtree for a
    party-committee admin, their branch for a secretary."""
    user = request.user
    organization = user.organization
    drafts, requests = _waiting(organization)
    context = {
        "organization": organization,
        "due_items": _due_items(organization, drafts, requests),
        "drafts": drafts,
        "may_review": user.may(roles.REVIEW),
        "consent": _consent_queue(user),
        **_cockpit_context(organization),
    }
    return render(request, "portal/home.html", context)


@require_GET
def cockpit_print(request):
    """The home's figures and charts on A4 paper, without navigation."""
    organization = request.user.organization
    return render(request, "portal/cockpit_print.html", _cockpit_context(organization))


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


def _is_active_branch(organization) -> bool:
    return organization is not None and organization.is_branch and organization.is_active


def _waiting(organization) -> tuple[list, list]:
    """The branch's records not yet submitted (drafts, and those returned for changes) and
    its 补录申请 awaiting the committee: the home lists the drafts as "草稿待提交" and the
    items they are for say so. Cached under the activities topic, which every save, submit,
    explanation and decision bumps."""
    if not _is_active_branch(organization):
        return [], []

    def build():
        drafts = (
            Activity.objects.filter(
                organization=organization,
                status__in=(Activity.Status.DRAFT, Activity.Status.RETURNED),
            )
            .select_related("kind")
            .order_by("-held_on", "-pk")[:20]
        )
        requests = OverdueExplanation.objects.filter(
            organization=organization, status=OverdueExplanation.Status.PENDING
        )
        return list(drafts), list(requests)

    key = caching.key("home-waiting", organization.pk, topics=(caching.ACTIVITIES,))
    return caching.cached(key, build)


def _due_items(organization, drafts, requests):
    """What a branch still has to hold this period, and what is overdue (the secretary's
    block); None for organisations that are not branches."""
    if not _is_active_branch(organization):
        return None
    today = timezone.localdate()
    report = cached_compute(
        Organization.objects.filter(pk=organization.pk),
        today.year,
        scope=f"branch:{organization.pk}",
        today=today,
    )
    return due_items(
        report,
        organization.pk,
        drafts=drafts,
        requests=requests,
        window_start=backfill_start(today),
    )


urlpatterns = [
    path("", home, name="home"),
    path("cockpit/print/", cockpit_print, name="cockpit-print"),
]
