"""Training progress: hours against the yearly rule for a scope (completion per party committee
and branch), one branch's members, one member's year, and the list of who is behind. Every
page runs a fixed number of queries (training/stats.py, training/progress.py)."""

import datetime

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from branches.models import Member, Organization

from .. import progress, stats
from ..models import Enrollment, XuexiScore
from ..progress import member_progress, with_progress, year_range

BRANCH_PAGE_SIZE = 50
BEHIND_PAGE_SIZE = 50
YEARS_SHOWN = 5


def selected_year(request) -> int:
    """?year= when it is a sensible year, else this year."""
    return params.year(request) or timezone.localdate().year


def selected_until(request, year: int) -> datetime.date | None:
    """?until=YYYY-MM-DD inside `year` (hours of classes starting by then, as a figure of
    the year so far counts them), else None: the whole year."""
    day = params.date_param(request, "until")
    return day if day is not None and day.year == year else None


def year_choices(year: int) -> list[int]:
    latest = max(timezone.localdate().year, year)
    return list(range(latest, latest - YEARS_SHOWN, -1))


def selected_organization(request):
    """?organization= inside the user's subtree (404 otherwise, as for an object URL), or the
    user's own organisation."""
    if request.GET.get("organization"):
        pk = params.pk(request, "organization") or 0
        return get_visible_or_404(Organization, request.user, pk=pk)
    organization = request.user.organization
    if organization is None:
        return get_visible_or_404(Organization, request.user, pk=0)
    return organization


def _members(user, organization):
    return Member.objects.visible_to(user).in_good_standing().in_subtree(organization)


@require_GET
def progress_overview(request):
    """Completion rates of the hour rule per party committee and per branch of the scope."""
    year = selected_year(request)
    scope = selected_organization(request)
    members = _members(request.user, scope)
    rolled = stats.rollup(stats.hour_tallies(year, members))
    subtree = Organization.objects.visible_to(request.user).subtree(scope).active()
    committees = [
        (organization, rolled.get(organization.path, stats.Tally()))
        for organization in subtree.exclude(type__in=Organization.BRANCH_TYPES).order_by("path")
    ]
    page = Paginator(subtree.branches().order_by("path"), BRANCH_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    branches = [(branch, rolled.get(branch.path, stats.Tally())) for branch in page]
    targets = stats.scheme_components(year)
    rates = stats.component_rates(year, members, targets)
    return render(
        request,
        "training/progress_overview.html",
        {
            "year": year,
            "years": year_choices(year),
            "scope": scope,
            "summary": rolled.get(scope.path, stats.Tally()),
            "committees": committees,
            "branches": branches,
            "page": page,
            "components": [(t, rates[t.component.pk]) for t in targets],
            "scheme": targets[0].component.scheme if targets else None,
        },
    )


@require_GET
def organization_progress(request, pk):
    """One branch's members: hours against their rule and each scheme component."""
    organization = get_visible_or_404(Organization, request.user, pk=pk)
    year = selected_year(request)
    if not organization.is_branch:
        url = reverse("training:progress-overview")
        return redirect(f"{url}?organization={organization.pk}&year={year}")
    members = _members(request.user, organization)
    rows = list(with_progress(year, members).select_related("organization").order_by("name", "pk"))
    targets = stats.scheme_components(year)
    attended = stats.member_components(year, members)
    tally = stats.Tally()
    table = []
    for member in rows:
        tally.add(
            stats.Tally(members=1, met=int(member.hours_short <= 0), hours=member.training_hours)
        )
        cells = []
        for target in targets:
            applies = target.applies_to(
                is_committee_member=member.is_committee_member,
                is_probationary=member.status == Member.Status.PROBATIONARY,
            )
            hours, classes = attended.get(member.pk, {}).get(target.component.pk, (0, 0))
            cells.append(
                {
                    "applies": applies,
                    "done": target.done(hours, classes),
                    "complete": applies and target.is_complete(hours, classes),
                }
            )
        table.append((member, cells))
    return render(
        request,
        "training/progress_branch.html",
        {
            "organization": organization,
            "year": year,
            "years": year_choices(year),
            "summary": tally,
            "targets": targets,
            "table": table,
        },
    )


@require_GET
def member_progress_view(request, pk):
    """One member's year: hours against the rule, each component, each class, 学习强国."""
    member = get_visible_or_404(Member.objects.select_related("organization"), request.user, pk=pk)
    year = selected_year(request)
    targets = stats.scheme_components(year)
    attended = stats.member_components(year, Member.objects.filter(pk=member.pk)).get(member.pk, {})
    progress = member_progress(member, year)
    components = []
    for target in targets:
        hours, classes = attended.get(target.component.pk, (0, 0))
        components.append(
            {
                "target": target,
                "applies": target.applies_to(
                    is_committee_member=progress.is_committee_member,
                    is_probationary=member.status == Member.Status.PROBATIONARY,
                ),
                "done": target.done(hours, classes),
                "complete": target.is_complete(hours, classes),
            }
        )
    enrollments = (
        Enrollment.objects.filter(member=member, training_class__starts_on__range=year_range(year))
        .select_related("training_class__component", "training_class__organization")
        .order_by("training_class__starts_on", "pk")
    )
    scores = XuexiScore.objects.filter(member=member, year=year).order_by("period_kind", "period")
    return render(
        request,
        "training/progress_member.html",
        {
            "member": member,
            "year": year,
            "years": year_choices(year),
            "progress": progress,
            "components": components,
            "enrollments": enrollments,
            "scores": scores,
            "score_total": sum(score.score for score in scores),
        },
    )


def _progress_list(request, *, met: bool):
    """Members of the scope meeting (or still short of) their yearly rule; the page states
    how many members were judged, so a share's numerator and denominator are both shown."""
    year = selected_year(request)
    until = selected_until(request, year)
    scope = selected_organization(request)
    ids, judged = progress.listed(year, _members(request.user, scope), until, met=met)
    page = Paginator(ids, BEHIND_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    found = with_progress(
        year, Member.objects.filter(pk__in=shown).select_related("organization"), until
    ).in_bulk()
    # A member deleted since the ids were cached is left out (the next write bumps them).
    members = [found[pk] for pk in shown if pk in found]
    page.object_list = members
    return render(
        request,
        "training/progress_behind.html",
        {
            "year": year,
            "until": until,
            "years": year_choices(year),
            "scope": scope,
            "page": page,
            "met": met,
            "judged": judged,
        },
    )


@require_GET
def progress_behind(request):
    """Members of the scope still short of their yearly rule, the furthest behind first."""
    return _progress_list(request, met=False)


@require_GET
def progress_met(request):
    """Members of the scope meeting their yearly rule: the 学时达标党员 figure's list."""
    return _progress_list(request, met=True)


urlpatterns = [
    path("progress/", progress_overview, name="progress-overview"),
    path("progress/behind/", progress_behind, name="progress-behind"),
    path("progress/met/", progress_met, name="progress-met"),
    path("progress/organizations/<int:pk>/", organization_progress, name="organization-progress"),
    path("progress/members/<int:pk>/", member_progress_view, name="member-progress"),
]
