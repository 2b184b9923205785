"""Responsibility-list items of a scope and year, optionally only those 正常推进, 按时完成 or
逾期未完成 on a day (assessments/item_states.py): the list behind the cockpit's 责任清单
figure, stating its total and, for the share, the items it is taken of."""

import datetime

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from alxa_dangjian.core import params

from .. import item_states
from ..forms.lists import ListFilterForm
from ..models import CheckpointEntry, ResponsibilityList

PAGE_SIZE = 50
# ?review=: the items a profile's 责任清单 row counts in its 年底对账已确认 and 待审核 columns.
REVIEWS = {
    "final-confirmed": ("年底对账已确认", Q(final__review=item_states.Review.CONFIRMED)),
    "waiting": (
        "有待审核的填报",
        Q(
            pk__in=CheckpointEntry.objects.filter(review=item_states.Review.SUBMITTED).values(
                "item_id"
            )
        ),
    ),
}


def _until(request, year: int) -> datetime.date:
    """?until=YYYY-MM-DD inside `year` (a cockpit figure judged at its period's end), else
    today: a past year's items as they stand now, reviews since its end included — as the
    year-end indicator 责任清单事项按时办结 counts them."""
    default = timezone.localdate()
    day = params.date_param(request, "until")
    return day if day is not None and day.year == year else default


@require_GET
def responsibilityitem_list(request):
    filters = ListFilterForm(request.GET, user=request.user).filters()
    year = filters["year"]
    until = _until(request, year)
    status = request.GET.get("status", "")
    status = status if status in item_states.LABELS else ""
    lists = ResponsibilityList.objects.visible_to(request.user).filter(year=year)
    if filters["organization"]:
        lists = lists.in_subtree(filters["organization"])
    # ?list=<pk>: the items of one list (the profile's per-list count links here).
    one_list = params.pk(request, "list")
    if one_list:
        lists = lists.filter(pk=one_list)
    items = item_states.with_stages(
        item_states.ResponsibilityItem.objects.filter(list__in=lists.values("pk"))
    )
    shown = items.filter(item_states.conditions(until)[status]) if status else items
    review = params.text(request, "review", max_length=20)
    review_label, review_condition = REVIEWS.get(review, ("", None))
    if review_condition is not None:
        shown = shown.filter(review_condition)
    shown = shown.select_related("list__owner_organization", "list__type").order_by(
        "list__owner_organization__path", "list__type__sort_order", "list", "order", "pk"
    )
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/lists/item_list.html",
        {
            "page": page,
            "year": year,
            "until": until,
            "status": status,
            "status_label": item_states.LABELS.get(status, ""),
            "review_label": review_label,
            "organization": filters["organization"],
            "of_all": items.count() if status else None,
        },
    )


urlpatterns = [
    path("list-items/", responsibilityitem_list, name="responsibilityitem-list"),
]
