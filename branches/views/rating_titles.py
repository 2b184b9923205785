"""最强党支部 titles in the user's subtree, and 摘牌 (withdrawal) by the work committee through
branches/services/rating_titles.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core.forms import add_service_error
from alxa_dangjian.core.history import changes

from ..forms.ratings import (
    WithdrawForm,
)
from ..models import (
    Level,
    RatingTitle,
    Scope,
)
from ..rules import ratings as rating_rules
from ..services import rating_titles
from .ratings import year_param

TITLES_PAGE_SIZE = 100


# Titles -------------------------------------------------------------------------------------


@require_GET
def ratingtitle_list(request):
    """Titles in the user's subtree, withdrawn ones included (marked)."""
    year = year_param(request, None)
    titles = (
        RatingTitle.objects.visible_to(request.user)
        .select_related("organization")
        .order_by("-year", "organization__path", "level", "pk")
    )
    if year is not None:
        titles = titles.filter(year=year)
    level = request.GET.get("level", "")
    if level in Level.values:
        titles = titles.filter(level=level)
    scope = request.GET.get("scope", "")
    if scope in Scope.values:
        titles = titles.filter(scope=scope)
    return render(
        request,
        "branches/ratings/title_list.html",
        {
            "page": Paginator(titles, TITLES_PAGE_SIZE).get_page(request.GET.get("page")),
            "year": year,
            "level": level,
            "scope": scope,
            "levels": Level.choices,
            "scopes": Scope.choices,
            "may_withdraw": scoping.is_work_committee(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def ratingtitle_withdraw(request, pk):
    roles.require(request.user, roles.PUBLISH)
    title = get_visible_or_404(
        RatingTitle.objects.select_related("organization"), request.user, pk=pk
    )
    rating_rules.require_work_committee(request.user)
    form = WithdrawForm(request.POST or None, initial={"withdrawn_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            rating_titles.withdraw_title(
                title,
                on=form.cleaned_data["withdrawn_on"],
                reason=form.cleaned_data["withdrawal_reason"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已对“{title}”摘牌。")
            return redirect("branches:ratingtitle-list")
    history = changes(title.history.select_related("history_user"))
    return render(
        request,
        "branches/ratings/title_withdraw.html",
        {"title": title, "form": form, "history": history},
    )


urlpatterns = [
    path("ratings/titles/", ratingtitle_list, name="ratingtitle-list"),
    path("ratings/titles/<int:pk>/withdraw/", ratingtitle_withdraw, name="ratingtitle-withdraw"),
]
