"""最强党支部 pages: rounds, applications with their items and evidence, the 公示 list,
titles (摘牌) and the standards catalogue. Every write goes through branches/services/ratings.py
and branches/services/rating_titles.py."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404, scope_path
from alxa_dangjian.core import caching, params
from alxa_dangjian.core.files import serve
from alxa_dangjian.core.forms import add_service_error
from alxa_dangjian.core.history import changes

from ..forms.ratings import (
    ApplyForm,
    EvidenceForm,
    OpinionForm,
    RatingRoundForm,
    RatingStandardForm,
    ReturnForm,
    WithdrawForm,
)
from ..models import (
    LADDER,
    Level,
    Organization,
    RatingApplication,
    RatingEvidence,
    RatingItemScore,
    RatingRound,
    RatingStandard,
    RatingTitle,
    Scope,
)
from ..rules import ratings as rating_rules
from ..services import rating_titles, ratings

Status = RatingApplication.Status
TITLES_PAGE_SIZE = 100


def _refused(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _choice_order(field: str, values) -> Case:
    """Order by the position of a field's value in its choices (their reading order)."""
    return Case(
        *(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


def _aspect_order(field: str) -> Case:
    return _choice_order(field, RatingStandard.Aspect.values)


def _year_param(request, default: int | None) -> int | None:
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
        _refused(request, error)
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
        _refused(request, error)
    else:
        messages.success(request, f"已命名{count}个党支部。")
    return redirect(round)


# Applications --------------------------------------------------------------------------------


@require_POST
def ratingapplication_create(request):
    """Start an application for the user's own branch in an open round."""
    roles.require(request.user, roles.EDIT_RECORDS)
    form = ApplyForm(request.POST)
    branch = rating_rules.eligible_branches(request.user).first()
    if branch is None:
        raise PermissionDenied(rating_rules.NO_APPLY_RIGHT)
    if not form.is_valid():
        messages.error(request, "请选择评定轮次和申报等次。")
        return redirect("branches:ratinground-list")
    round = form.cleaned_data["round"]
    try:
        application = ratings.start_application(
            round, branch, level=form.cleaned_data["level"], by=request.user
        )
    except ValidationError as error:
        _refused(request, error)
        return redirect(round)
    messages.success(request, "已创建申报，请逐项自评并上传佐证材料。")
    return redirect(application)


def _application(request, pk):
    return get_visible_or_404(
        RatingApplication.objects.select_related("organization", "round"), request.user, pk=pk
    )


@require_GET
def ratingapplication_detail(request, pk):
    application = _application(request, pk)
    user = request.user
    items = list(
        application.scores.select_related("standard")
        .prefetch_related(
            Prefetch("evidence", RatingEvidence.objects.order_by("uploaded_at", "pk"))
        )
        .order_by(_aspect_order("standard__aspect"), "standard__sort_order", "standard__code", "pk")
    )
    codes = {item.pk: item.standard.code for item in items}
    history = changes(
        application.history.select_related("history_user"),
        fields=["level", "status", "return_reason", "committee_opinion", "review_opinion"],
    )
    history += changes(
        RatingItemScore.history.filter(application_id=application.pk).select_related(
            "history_user"
        ),
        fields=["self_score", "self_note", "review_score", "review_comment"],
        subject=lambda record: f"第{codes.get(record.id, '')}项",
    )
    title = RatingTitle.objects.filter(application=application).first()
    if title is not None:
        history += changes(
            title.history.select_related("history_user"),
            fields=["level", "scope", "year", "awarded_on", "withdrawn_on", "withdrawal_reason"],
            subject=lambda record: "命名称号",
        )
    history.sort(key=lambda change: change.when, reverse=True)
    may_edit = rating_rules.may_edit(user, application)
    return render(
        request,
        "branches/ratings/application_detail.html",
        {
            "application": application,
            "round": application.round,
            "items": items,
            "aspects": dict(RatingStandard.Aspect.choices),
            "self_total": rating_rules.total_of(i.self_score for i in items),
            "review_total": rating_rules.total_of(i.review_score for i in items)
            if any(i.review_score is not None for i in items)
            else None,
            "may_edit": may_edit,
            "may_recommend": rating_rules.may_recommend(user, application),
            "may_review": rating_rules.may_review(user, application),
            "may_return": rating_rules.may_return(user, application),
            "title": title,
            "history": history,
        },
    )


def _item_values(request, application, score_key: str, text_key: str) -> dict:
    pks = application.scores.values_list("pk", flat=True)
    return {
        pk: (request.POST.get(f"{score_key}-{pk}", ""), request.POST.get(f"{text_key}-{pk}", ""))
        for pk in pks
        if f"{score_key}-{pk}" in request.POST
    }


@require_POST
def ratingapplication_assess(request, pk):
    """Save the self-assessment; with `submit` in the form, submit it too."""
    roles.require(request.user, roles.EDIT_RECORDS)
    application = _application(request, pk)
    values = _item_values(request, application, "self_score", "self_note")
    try:
        ratings.save_self_assessment(application, values=values, by=request.user)
        if "submit" in request.POST:
            ratings.submit_application(application, by=request.user)
    except ValidationError as error:
        _refused(request, error)
    else:
        submitted = "submit" in request.POST
        messages.success(request, "已提交申报，等待党委推荐。" if submitted else "已保存自评。")
    return redirect(application)


@require_POST
def ratingapplication_recommend(request, pk):
    roles.require(request.user, roles.REVIEW)
    application = _application(request, pk)
    form = OpinionForm(request.POST)
    opinion = form.cleaned_data["opinion"] if form.is_valid() else ""
    try:
        ratings.recommend_application(application, opinion=opinion, by=request.user)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, "已推荐至工委审核。")
    return redirect(application)


@require_POST
def ratingapplication_return(request, pk):
    roles.require(request.user, roles.REVIEW)
    application = _application(request, pk)
    form = ReturnForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        ratings.return_application(application, reason=reason, by=request.user)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, "已退回，并通知了该党支部。")
    return redirect(application)


@require_POST
def ratingapplication_review(request, pk):
    """The work committee's item scores; with `approve` in the form, pass it too."""
    roles.require(request.user, roles.PUBLISH)
    application = _application(request, pk)
    values = _item_values(request, application, "review_score", "review_comment")
    form = OpinionForm(request.POST)
    opinion = form.cleaned_data["opinion"] if form.is_valid() else ""
    try:
        ratings.review_scores(application, values=values, by=request.user)
        if "approve" in request.POST:
            ratings.approve_application(application, opinion=opinion, by=request.user)
    except ValidationError as error:
        _refused(request, error)
    else:
        approved = "approve" in request.POST
        messages.success(request, "已审核通过。" if approved else "已保存审核评分。")
    return redirect(application)


# Evidence -------------------------------------------------------------------------------------


@require_POST
def ratingitemscore_upload(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    item = get_visible_or_404(
        RatingItemScore.objects.select_related("application__round", "standard"),
        request.user,
        pk=pk,
    )
    form = EvidenceForm(request.POST, request.FILES)
    uploads = form.cleaned_data["files"] if form.is_valid() else []
    try:
        stored = ratings.add_evidence(item, uploads=uploads, by=request.user)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"已为第{item.standard.code}项上传{len(stored)}个佐证材料。")
    return redirect(item.application)


@require_GET
def ratingevidence_download(request, pk):
    """Streamed only through the access rule; never run or sniffed by the browser."""
    evidence = get_visible_or_404(RatingEvidence.objects.all(), request.user, pk=pk)
    return serve(evidence)


@require_POST
def ratingevidence_delete(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    evidence = get_visible_or_404(
        RatingEvidence.objects.select_related("item__application"), request.user, pk=pk
    )
    application = evidence.item.application
    try:
        ratings.remove_evidence(evidence, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"已删除“{evidence.original_name}”。")
    return redirect(application)


# Titles -------------------------------------------------------------------------------------


@require_GET
def ratingtitle_list(request):
    """Titles in the user's subtree, withdrawn ones included (marked)."""
    year = _year_param(request, None)
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


# Standards ------------------------------------------------------------------------------------


@require_GET
def ratingstandard_list(request):
    years = list(RatingStandard.objects.order_by("-year").values_list("year", flat=True).distinct())
    year = _year_param(request, years[0] if years else timezone.localdate().year)
    standards = RatingStandard.objects.filter(year=year).order_by(
        _choice_order("category", Organization.Category.values),
        _aspect_order("aspect"),
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
    path("ratings/applications/new/", ratingapplication_create, name="ratingapplication-create"),
    path(
        "ratings/applications/<int:pk>/",
        ratingapplication_detail,
        name="ratingapplication-detail",
    ),
    path(
        "ratings/applications/<int:pk>/assess/",
        ratingapplication_assess,
        name="ratingapplication-assess",
    ),
    path(
        "ratings/applications/<int:pk>/recommend/",
        ratingapplication_recommend,
        name="ratingapplication-recommend",
    ),
    path(
        "ratings/applications/<int:pk>/return/",
        ratingapplication_return,
        name="ratingapplication-return",
    ),
    path(
        "ratings/applications/<int:pk>/review/",
        ratingapplication_review,
        name="ratingapplication-review",
    ),
    path("ratings/items/<int:pk>/upload/", ratingitemscore_upload, name="ratingitemscore-upload"),
    path("ratings/evidence/<int:pk>/", ratingevidence_download, name="ratingevidence-download"),
    path("ratings/evidence/<int:pk>/delete/", ratingevidence_delete, name="ratingevidence-delete"),
    path("ratings/titles/", ratingtitle_list, name="ratingtitle-list"),
    path("ratings/titles/<int:pk>/withdraw/", ratingtitle_withdraw, name="ratingtitle-withdraw"),
    path("ratings/standards/", ratingstandard_list, name="ratingstandard-list"),
    path("ratings/standards/new/", ratingstandard_create, name="ratingstandard-create"),
    path("ratings/standards/<int:pk>/edit/", ratingstandard_edit, name="ratingstandard-edit"),
]
