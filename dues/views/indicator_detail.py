"""The records behind the year-end indicator 党费按时足额交纳 for one organisation and year:
for a branch, each member owing dues in the year with the months due and those paid on time;
for a party committee, each branch. The counts are the indicator's own statement
(dues/arrears.py), so the page states the numbers the score card shows."""

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from branches.models import Member, Organization

from ..arrears import on_time_by_member
from ..indicators import dues_on_time
from .common import year_param


@require_GET
def indicator_detail(request, pk):
    organization = get_visible_or_404(Organization, request.user, pk=pk)
    year = year_param(request)
    measures = dues_on_time(year, [organization])
    context = {"organization": organization, "year": year, "measure": measures[organization.pk]}
    if organization.is_branch:
        counts = on_time_by_member(year, [organization.pk])
        members = Member.objects.filter(pk__in=counts).order_by("name", "pk")
        context["rows"] = [(member, *counts[member.pk]) for member in members]
    else:
        branches = list(
            Organization.objects.branches()
            .filter(scoping.subtree_q(organization, ""))
            .order_by("path")
        )
        per_branch = dues_on_time(year, branches)
        context["rows"] = [
            (branch, per_branch[branch.pk].numerator, per_branch[branch.pk].denominator)
            for branch in branches
            if per_branch[branch.pk].denominator
        ]
    return render(request, "dues/indicator_detail.html", context)


urlpatterns = [
    path("indicators/<int:pk>/", indicator_detail, name="indicator-detail"),
]
