"""最强党支部 applications: the branch's self-assessment item by item with its evidence, the
party committee's recommendation, the work committee's review, and sending back. Every write
goes through branches/services/ratings.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Prefetch,
)
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core.files import serve
from alxa_dangjian.core.history import changes

from ..forms.ratings import (
    ApplyForm,
    EvidenceForm,
    OpinionForm,
    ReturnForm,
)
from ..models import (
    RatingApplication,
    RatingEvidence,
    RatingItemScore,
    RatingStandard,
    RatingTitle,
)
from ..rules import ratings as rating_rules
from ..services import ratings
from .ratings import aspect_order, attempt, refused

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
        refused(request, error)
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
        .order_by(aspect_order("standard__aspect"), "standard__sort_order", "standard__code", "pk")
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
    submitted = "submit" in request.POST

    def save():
        ratings.save_self_assessment(application, values=values, by=request.user)
        if submitted:
            ratings.submit_application(application, by=request.user)

    attempt(request, save, done="已提交申报，等待党委推荐。" if submitted else "已保存自评。")
    return redirect(application)


def _decide(request, pk, form_class, field, decide, *, done):
    """A party committee's decision on an application, with its one text from the form."""
    roles.require(request.user, roles.REVIEW)
    application = _application(request, pk)
    form = form_class(request.POST)
    text = form.cleaned_data[field] if form.is_valid() else ""
    attempt(request, lambda: decide(application, **{field: text}, by=request.user), done=done)
    return redirect(application)


@require_POST
def ratingapplication_recommend(request, pk):
    return _decide(
        request,
        pk,
        OpinionForm,
        "opinion",
        ratings.recommend_application,
        done="已推荐至工委审核。",
    )


@require_POST
def ratingapplication_return(request, pk):
    return _decide(
        request,
        pk,
        ReturnForm,
        "reason",
        ratings.return_application,
        done="已退回，并通知了该党支部。",
    )


@require_POST
def ratingapplication_review(request, pk):
    """The work committee's item scores; with `approve` in the form, pass it too."""
    roles.require(request.user, roles.PUBLISH)
    application = _application(request, pk)
    values = _item_values(request, application, "review_score", "review_comment")
    form = OpinionForm(request.POST)
    opinion = form.cleaned_data["opinion"] if form.is_valid() else ""
    approved = "approve" in request.POST

    def review():
        ratings.review_scores(application, values=values, by=request.user)
        if approved:
            ratings.approve_application(application, opinion=opinion, by=request.user)

    attempt(request, review, done="已审核通过。" if approved else "已保存审核评分。")
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
    attempt(
        request,
        lambda: ratings.add_evidence(item, uploads=uploads, by=request.user),
        done=lambda stored: f"已为第{item.standard.code}项上传{len(stored)}个佐证材料。",
    )
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
    reason = request.POST.get("reason", "")
    attempt(
        request,
        lambda: ratings.remove_evidence(evidence, by=request.user, reason=reason),
        done=f"已删除“{evidence.original_name}”。",
    )
    return redirect(application)


urlpatterns = [
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
]
