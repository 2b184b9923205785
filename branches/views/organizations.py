from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from alxa_dangjian.accounts.scoping import get_visible_or_404

from ..models import Organization

ALL_BRANCHES = "branches"
TYPE_FILTERS = {ALL_BRANCHES, *Organization.Type.values}


@require_GET
def organization_list(request):
    """The user's subtree as an indented tree; a search or filter turns it into a flat list."""
    organizations = Organization.objects.visible_to(request.user).select_related("parent")
    query = request.GET.get("q", "").strip()
    type_ = request.GET.get("type", "")
    category = request.GET.get("category", "")
    filtered = bool(query or type_ in TYPE_FILTERS or category in Organization.Category.values)
    if type_ == ALL_BRANCHES:
        organizations = organizations.branches()
    elif type_ in Organization.Type.values:
        organizations = organizations.filter(type=type_)
    if category in Organization.Category.values:
        organizations = organizations.filter(category=category)
    organizations = organizations.search(query).annotate(
        branch_count=Count("children", filter=Q(children__type__in=Organization.BRANCH_TYPES))
    )
    # The tree is paginated in depth-first order, so a league of any size stays one page away.
    page = Paginator(organizations.order_by("path"), 200).get_page(request.GET.get("page"))
    base_depth = request.user.organization.depth if request.user.organization else 0
    rows = [(org, max(org.depth - base_depth, 0)) for org in page]
    return render(
        request,
        "branches/organization_list.html",
        {
            "rows": rows,
            "page": page,
            "query": query,
            "type": type_,
            "category": category,
            "filtered": filtered,
            "types": [(ALL_BRANCHES, "全部党支部（含联合、临时）"), *Organization.Type.choices],
            "categories": Organization.Category.choices,
        },
    )


@require_GET
def organization_detail(request, pk):
    organization = get_visible_or_404(
        Organization.objects.select_related("parent"), request.user, pk=pk
    )
    children = organization.children.order_by("path")
    # Ancestors are named by the path itself; only those inside the user's subtree are links.
    ancestor_ids = [int(part) for part in organization.path.strip("/").split("/")[:-1]]
    visible_ancestors = Organization.objects.visible_to(request.user).filter(pk__in=ancestor_ids)
    return render(
        request,
        "branches/organization_detail.html",
        {
            "organization": organization,
            "children": children,
            "ancestors": visible_ancestors.order_by("path"),
            "subtree_counts": [
                (Organization.Type(row["type"]).label, row["n"])
                for row in Organization.objects.subtree(organization)
                .exclude(pk=organization.pk)
                .values("type")
                .annotate(n=Count("id"))
                .order_by("type")
            ],
        },
    )


urlpatterns = [
    path("", organization_list, name="organization-list"),
    path("<int:pk>/", organization_detail, name="organization-detail"),
]
