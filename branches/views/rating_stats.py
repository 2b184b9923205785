"""最强党支部 statistics and the list of branches behind each of its numbers. Both read only
the user's subtree; the figures come from branches/rating_stats.py."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.scoping import scope_path
from alxa_dangjian.core import params

from .. import rating_stats
from ..models import LADDER, Organization, Scope

TOPS = ["any", *LADDER]


def _year(request) -> int:
    return params.year(request) or rating_stats.default_year()


def _link(base: str, **params) -> str:
    return f"{base}?{urlencode({k: v for k, v in params.items() if v not in ('', None)})}"


def _attach_links(stats) -> None:
    base = reverse("branches:ratingtitle-holders")
    groups = [stats.total, *stats.categories, *stats.committees, *stats.kinds]
    for group in groups:
        group.links = {
            scope: {
                top: _link(base, year=stats.year, scope=scope, top=top, **group.filters)
                for top in TOPS
            }
            for scope in Scope.values
        }
        group.links["all"] = _link(base, year=stats.year, top="all", **group.filters)
    for row in stats.years:
        for cell in row["scopes"]:
            cell["url"] = _link(base, year=row["year"], scope=cell["scope"], top="any")


@require_GET
def ratingtitle_stats(request):
    year = _year(request)
    stats = rating_stats.statistics(request.user, year)
    _attach_links(stats)
    return render(
        request,
        "branches/ratings/stats.html",
        {
            "stats": stats,
            "year": year,
            "scope_rows": stats.scope_rows(),
            "levels": [(level.value, level.label) for level in LADDER],
            "scopes": Scope.choices,
        },
    )


def _reachable(user, pk: str) -> Organization:
    """An organisation the list may be narrowed to: inside the user's subtree, or one of
    the user's own ancestors (a branch secretary's 党委). Anything else is a 404."""
    own = scope_path(user)
    number = params.parse_integer(pk, low=1, high=2**63 - 1)
    if number is None or own is None:
        raise Http404
    organization = Organization.objects.filter(pk=number).first()
    if organization is None or not (
        scoping.in_subtree(organization, own) or scoping.in_subtree(own, organization)
    ):
        raise Http404
    return organization


@require_GET
def ratingtitle_holders(request):
    """The branches behind one figure of the statistics page, with their active titles."""
    params = request.GET
    year = _year(request)
    scope = params.get("scope", "")
    scope = scope if scope in Scope.values else None
    top = params.get("top", "any")
    top = top if top in rating_stats.TOPS else "any"
    category = params.get("category", "")
    category = category if category in Organization.Category.values else ""
    kind = params.get("kind", "")
    kind = kind if kind in rating_stats.KINDS else ""
    under = _reachable(request.user, params["under"]) if params.get("under") else None
    direct = params.get("direct") == "1"
    branches = rating_stats.holders(
        request.user,
        year=year,
        scope=scope,
        top=top,
        category=category,
        kind=kind,
        under=under,
        direct=direct,
    )
    page = Paginator(branches, 100).get_page(params.get("page"))
    # A share's link opens its numerator (top=any …); the page states the branches it is
    # taken of: the same filters with every rung (top=all).
    of_all = None
    if top != "all":
        of_all = rating_stats.holders(
            request.user,
            year=year,
            scope=scope,
            top="all",
            category=category,
            kind=kind,
            under=under,
            direct=direct,
        ).count()
    # The 评星定级 indicator's drill-down: each branch's points and the sum against 3 each.
    points = None
    if params.get("points") == "1":
        earned = branches.aggregate(total=Sum("top"))["total"] or 0
        points = {
            "earned": earned,
            "per_branch": rating_stats.TOP_RANK,
            "full": rating_stats.TOP_RANK * page.paginator.count,
        }
    titles = rating_stats.titles_by_branch((b.pk for b in page), year)
    rows = [
        {
            "branch": branch,
            "level": rating_stats.level_label(branch.top),
            "titles": titles.get(branch.pk, []),
        }
        for branch in page
    ]
    filters = [f"{year}年末"]
    if scope:
        filters.append(Scope(scope).label)
    filters.append(rating_stats.TOPS[top])
    if category:
        filters.append(Organization.Category(category).label)
    if kind:
        filters.append(rating_stats.KINDS[kind])
    if under is not None:
        filters.append(under.name)
    if direct:
        filters.append("工委直属党支部")
    return render(
        request,
        "branches/ratings/stats_holders.html",
        {
            "page": page,
            "rows": rows,
            "year": year,
            "filters": filters,
            "points": points,
            "of_all": of_all,
        },
    )


urlpatterns = [
    path("ratings/stats/", ratingtitle_stats, name="ratingtitle-stats"),
    path("ratings/stats/branches/", ratingtitle_holders, name="ratingtitle-holders"),
]
