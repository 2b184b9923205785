"""最强党支部 pages for what the work committee sets league-wide: the rounds (with their 公示
list, publication and naming) and the standards catalogue. Applications are
rating_applications.py, titles rating_titles.py; every write goes through branches/services/."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.scoping import scope_path
from alxa_dangjian.core import caching, params
from alxa_dangjian.core.forms import add_service_error

from ..forms.ratings import (
    ApplyForm,
    RatingRoundForm,
    RatingStandardForm,
)
from ..models import (
    LADDER,
    Level,
    Organization,
    RatingApplication,
    RatingRound,
    RatingStandard,
    RatingTitle,
)
from ..rules import ratings as rating_rules
from ..services import rating_titles, ratings

Status = RatingApplication.Status


def refused(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def attempt(request, write, *, done) -> None:
    """Run `write()`, a service call: its refusal becomes an error message, else `done` (a
    text, or a function of what it returned) a success message."""
    try:
        result = write()
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, done(result) if callable(done) else done)


def _choice_order(field: str, values) -> Case:
    """Order by the position of a field's value in its choices (their reading order)."""
    return Case(
        *(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


def aspect_order(field: str) -> Case:
    return _choice_order(field, RatingStandard.Aspect.values)


def year_param(request, default: int | None) -> int | None:
    return params.year(request, default=default)


# Rounds -------------------------------------------------------------------------------------


@require_GET
def ratinground_list(request):
    """Every round with the applications it received and the titles it named in the user's
    subtree; each count links to the list of exactly those rows."""
    path_prefix = scope_path(request.user) or "\x00"
    visible = scoping.subtree_q(path_prefix, "applications__organization")
    named = (
        RatingTitle.objects.visible_to(request.user)
        .of_round(OuterRef("year"), OuterRef("scope"))
        .order_by()
        .values("scope")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rounds = RatingRound.objects.annotate(
        application_count=Count("applications", filter=visible),
        named_count=Coalesce(Subquery(named, output_field=IntegerField()), Value(0)),
    ).order_by("-year", "scope", "pk")
    return render(
        request,
        "branches/ratings/round_list.html",
        {
            "rounds": rounds,
            "may_manage": scoping.is_work_committee(request.user),
            "apply_form": _apply_form(request.user),
        },
    )


def _apply_form(user, data=None):
    """The start-an-application form, for a user whose own branch may apply (else None)."""
    if not rating_rules.eligible_branches(user).exists():
        return None
    return ApplyForm(data)


def _round_form_view(request, round=None):
    rating_rules.require_work_committee(request.user)
    form = RatingRoundForm(request.POST or None, instance=round)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved._history_user = request.user
        try:
            saved.full_clean()
        except ValidationError as error:
            add_service_error(form, error)
        else:
            saved.save()
            caching.changed(caching.RATINGS)
            messages.success(request, f"已保存“{saved}”。")
            return redirect(saved)
    return render(request, "branches/ratings/round_form.html", {"form": form, "round": round})


@require_http_methods(["GET", "POST"])
def ratinground_create(request):
    return _round_form_view(request)


@require_http_methods(["GET", "POST"])
def ratinground_edit(request, pk):
    rating_rules.require_work_committee(request.user)
    return _round_form_view(request, get_object_or_404(RatingRound, pk=pk))


@require_GET
def ratinground_detail(request, pk):
    """A round's stage dates and the applications the user may see (one query for them)."""
    round = get_object_or_404(RatingRound, pk=pk)
    applications = (
        RatingApplication.objects.visible_to(request.user)
        .filter(round=round)
        .select_related("organization")
        .annotate(self_total=Sum("scores__self_score"), review_total=Sum("scores__review_score"))
        .order_by("organization__path", "level", "pk")
    )
    status = request.GET.get("status", "")
    if status in Status.values:
        applications = applications.filter(status=status)
    today = timezone.localdate()
    return render(
        request,
        "branches/ratings/round_detail.html",
        {
            "round": round,
            "applications": applications,
            "statuses": Status.choices,
            "status": status,
            "stages": _stages(round, today),
            "may_manage": scoping.is_work_committee(request.user),
            "apply_form": _apply_form(request.user),
        },
    )


def _stages(round: RatingRound, today: datetime.date) -> list[dict]:
    """The stages in order; the current one is the first whose end has not passed.

    Recommendation and review may start as soon as an application arrives, so those two
    stages are shown by their closing dates only."""
    rows = [
        ("申报", round.apply_opens_on, round.apply_closes_on),
        ("党委推荐", None, round.recommend_closes_on),
        ("工委审核", None, round.review_closes_on),
        ("公示", round.publicity_starts_on, round.publicity_ends_on),
        ("命名", round.publicity_ends_on + datetime.timedelta(days=1), None),
    ]
    stages, found = [], False
    for name, start, end in rows:
        current = (
            not found
            and today >= round.apply_opens_on
            and (end is None or today <= end)
            and (start is None or today >= start)
        )
        found = found or current or (end is not None and today <= end)
        stages.append({"name": name, "start": start, "end": end, "current": current})
    return stages


@require_GET
def ratinground_publicity(request, pk):
    """The 公示 list: every signed-in user may read the names and levels, nothing more."""
    round = get_object_or_404(RatingRound, pk=pk)
    return render(
        request,
        "branches/ratings/publicity.html",
        {
            "round": round,
            "rows": [
                row | {"level_label": Level(row["level"]).label}
                for row in rating_rules.publicity_list(round)
            ],
        },
    )


def ratinground_publish(request, pk):
    # The role is checked before the method, as for every league-wide page: 403 to others.
    rating_rules.require_work_committee(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    round = get_object_or_404(RatingRound, pk=pk)
    try:
        count = ratings.start_publicity(round, by=request.user)
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, f"已将{count}个审核通过的申报列入公示。")
    return redirect(round)


def ratinground_name(request, pk):
    # The role is checked before the method, as for every league-wide page: 403 to others.
    rating_rules.require_work_committee(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    round = get_object_or_404(RatingRound, pk=pk)
    try:
        count = rating_titles.name_round(round, by=request.user)
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, f"已命名{count}个党支部。")
    return redirect(round)


# Standards ------------------------------------------------------------------------------------


@require_GET
def ratingstandard_list(request):
    years = list(RatingStandard.objects.order_by("-year").values_list("year", flat=True).distinct())
    year = year_param(request, years[0] if years else timezone.localdate().year)
    standards = RatingStandard.objects.filter(year=year).order_by(
        _choice_order("category", Organization.Category.values),
        aspect_order("aspect"),
        "sort_order",
        "code",
        "pk",
    )
    category = request.GET.get("category", "")
    if category in Organization.Category.values:
        standards = standards.filter(category=category)
    return render(
        request,
        "branches/ratings/standard_list.html",
        {
            "standards": standards,
            "years": years,
            "year": year,
            "category": category,
            "categories": Organization.Category.choices,
            "may_edit": scoping.is_work_committee(request.user),
            "ladder": [Level(level).label for level in LADDER],
        },
    )


def _standard_form_view(request, standard=None):
    form = RatingStandardForm(request.POST or None, instance=standard)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved._history_user = request.user
        saved.save()
        caching.changed(caching.RULES)
        messages.success(request, f"已保存标准条目{saved.code}。")
        return redirect(f"{reverse('branches:ratingstandard-list')}?year={saved.year}")
    return render(
        request, "branches/ratings/standard_form.html", {"form": form, "standard": standard}
    )


@require_http_methods(["GET", "POST"])
def ratingstandard_create(request):
    rating_rules.require_work_committee(request.user)
    return _standard_form_view(request)


@require_http_methods(["GET", "POST"])
def ratingstandard_edit(request, pk):
    rating_rules.require_work_committee(request.user)
    return _standard_form_view(request, get_object_or_404(RatingStandard, pk=pk))


urlpatterns = [
    path("ratings/", ratinground_list, name="ratinground-list"),
    path("ratings/rounds/new/", ratinground_create, name="ratinground-create"),
    path("ratings/rounds/<int:pk>/", ratinground_detail, name="ratinground-detail"),
    path("ratings/rounds/<int:pk>/edit/", ratinground_edit, name="ratinground-edit"),
    path("ratings/rounds/<int:pk>/publicity/", ratinground_publicity, name="ratinground-publicity"),
    path("ratings/rounds/<int:pk>/publish/", ratinground_publish, name="ratinground-publish"),
    path("ratings/rounds/<int:pk>/name/", ratinground_name, name="ratinground-name"),
    path("ratings/standards/", ratingstandard_list, name="ratingstandard-list"),
    path("ratings/standards/new/", ratingstandard_create, name="ratingstandard-create"),
    path("ratings/standards/<int:pk>/edit/", ratingstandard_edit, name="ratingstandard-edit"),
]
