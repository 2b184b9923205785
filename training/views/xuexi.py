"""学习强国: the ranking of a scope for a year and the yearly top 10 of the league and of each
party committee; scores come in through the ledger import (training/imports/xuexi.py)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from alxa_dangjian.accounts import roles
from branches.models import Member

from .. import xuexi
from ..imports.xuexi import XuexiScoreImporter
from .progress import selected_organization, selected_year, year_choices

PAGE_SIZE = 50


def _members(request, scope):
    return Member.objects.visible_to(request.user).in_subtree(scope)


@require_GET
def xuexiscore_ranking(request):
    year = selected_year(request)
    scope = selected_organization(request)
    ranking = xuexi.ranking(year, _members(request, scope)).select_related("organization")
    page = Paginator(ranking, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/xuexi_ranking.html",
        {
            "year": year,
            "years": year_choices(year),
            "scope": scope,
            "page": page,
            "may_import": request.user.may(roles.EDIT_RECORDS),
            "importer": XuexiScoreImporter,
        },
    )


@require_GET
def xuexiscore_top(request):
    year = selected_year(request)
    scope = selected_organization(request)
    return render(
        request,
        "training/xuexi_top.html",
        {
            "year": year,
            "years": year_choices(year),
            "scope": scope,
            "tops": xuexi.top_tens(year, scope, _members(request, scope)),
        },
    )


urlpatterns = [
    path("xuexi/", xuexiscore_ranking, name="xuexiscore-ranking"),
    path("xuexi/top/", xuexiscore_top, name="xuexiscore-top"),
]
