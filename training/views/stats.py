"""Training statistics: classes held, person-times, spend and 学时 by year, month and class
kind, over the classes the user may see; every number links to the list it counts."""

from django.core.paginator import Paginator
from django.db.models import Sum
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from alxa_dangjian.accounts import scoping
from alxa_dangjian.core import params

from .. import stats
from ..models import Enrollment, TrainingClass
from .progress import selected_organization, selected_year

PAGE_SIZE = 50
MONTHS = range(1, 13)


def _number(request, name: str, low: int, high: int) -> int | None:
    return params.integer(request, name, low=low, high=high)


@require_GET
def stats_overview(request):
    year = selected_year(request)
    figures = stats.class_figures(TrainingClass.objects.visible_to(request.user))
    years = figures.years
    kinds = TrainingClass.Kind.choices
    return render(
        request,
        "training/stats_overview.html",
        {
            "year": year,
            "years": sorted({*years, year}, reverse=True),
            "figures": figures,
            "period": (years[0], years[-1]) if years else None,
            "by_year": [(y, figures.by_year[y]) for y in reversed(years)],
            "by_month": [(m, figures.by_month.get((year, m), stats.Figures())) for m in MONTHS],
            "by_kind": [
                (value, label, figures.by_kind.get((year, value), stats.Figures()))
                for value, label in kinds
            ],
            "by_kind_total": [
                (value, label, figures.by_kind_total.get(value, stats.Figures()))
                for value, label in kinds
            ],
            "year_figures": figures.by_year.get(year, stats.Figures()),
        },
    )


@require_GET
def enrollment_list(request):
    """Signed-in attendance (person-times and their 学时) behind the statistics' numbers."""
    enrollments = Enrollment.objects.visible_to(request.user).signed_in()
    if request.GET.get("organization"):
        # The cockpit's training chart: the attendance of the subtree's members in any class
        # (as a member's progress page shows it), not only classes hosted in the subtree.
        scope = selected_organization(request)
        enrollments = scoping.within(Enrollment.objects.signed_in(), scope, "member__organization")
    year = _number(request, "year", 2000, 2100)
    month = _number(request, "month", 1, 12)
    kind = request.GET.get("kind", "")
    if year:
        enrollments = enrollments.filter(training_class__starts_on__year=year)
    if year and month:
        enrollments = enrollments.filter(training_class__starts_on__month=month)
    if kind in TrainingClass.Kind.values:
        enrollments = enrollments.filter(training_class__kind=kind)
    else:
        kind = ""
    enrollments = enrollments.select_related("member__organization", "training_class").order_by(
        "-training_class__starts_on", "training_class_id", "member__name", "pk"
    )
    page = Paginator(enrollments, PAGE_SIZE).get_page(request.GET.get("page"))
    # The 学时 of every listed record (the cockpit's training chart shows this sum).
    hours = enrollments.order_by().aggregate(hours=Sum("hours_earned"))["hours"] or 0
    return render(
        request,
        "training/stats_enrollments.html",
        {
            "page": page,
            "hours_total": f"{hours:g}",
            "year": year,
            "month": month if year else None,
            "kind_label": dict(TrainingClass.Kind.choices).get(kind, ""),
        },
    )


urlpatterns = [
    path("stats/", stats_overview, name="stats-overview"),
    path("stats/attendance/", enrollment_list, name="enrollment-list"),
]
