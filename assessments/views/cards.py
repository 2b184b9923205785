"""Pages of the score cards and 述职 reports: the review queue, a card with its drill-downs,
scores, 民主测评 and history, and the reports' upload and download."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from alxa_dangjian.core.files import serve
from alxa_dangjian.core.history import changes
from branches.models import Organization

from .. import indicators as registry
from .. import scoring
from ..forms.scoring import (
    DutyReportForm,
    QueueFilterForm,
    ScoreForm,
    VoteForm,
)
from ..models import (
    AssessmentResult,
    DemocraticVote,
    DutyReport,
    Grade,
    Indicator,
    ScoreCard,
    ScoreEntry,
)
from ..services import results, review, runs, scores
from . import error_text

PAGE_SIZE = 50
PUBLISHED = "published"  # the card list's filter for published cards (any review status)
HISTORY_LIMIT = 100


def _cards_for(user):
    cards = ScoreCard.objects.visible_to(user)
    if not user.may(roles.PUBLISH):
        # Secretaries and committee admins see their published cards only.
        cards = cards.published()
    return cards


@require_GET
def scorecard_list(request):
    """Staff: the review queue by status. Others: the cards of their subtree, with scores
    only on published ones (so the cockpit's card counts open the cards they count)."""
    form = QueueFilterForm(request.GET)
    form.is_valid()
    cards = ScoreCard.objects.visible_to(request.user)
    if request.GET.get("organization", ""):
        organization_pk = params.pk(request, "organization")
        if organization_pk is None:
            raise Http404("党组织参数无效。")
        organization = get_visible_or_404(Organization, request.user, pk=organization_pk)
        cards = scoping.within(cards, organization)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    if year is None:
        shown = _cards_for(request.user)
        year = shown.order_by("-year").values_list("year", flat=True).first()
    year = year or runs.default_year()
    cards = cards.filter(year=year)
    counts = cards.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in ScoreCard.Status.values},
        published=Count("pk", filter=Q(published_at__isnull=False)),
    )
    status = request.GET.get("status", "")
    if status in ScoreCard.Status.values:
        cards = cards.filter(status=status)
    elif status == PUBLISHED:
        cards = cards.published()
    cards = cards.select_related("organization", "organization__parent").with_current_result()
    page = Paginator(cards.order_by("organization__path", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    grades = dict(Grade.choices)
    missing_by_run = {}
    for card in page.object_list:
        card.grade_label = grades.get(card.grade, "")
        if card.shown_run is not None:
            missing_by_run[card.shown_run] = card.missing_scores or 0
    return render(
        request,
        "assessments/scoring/scorecard_list.html",
        {
            "page": page,
            "year": year,
            "status": status,
            "statuses": ScoreCard.Status.choices,
            "counts": counts,
            "provisional_missing": sum(missing_by_run.values()),
            "may_review": request.user.may(roles.PUBLISH),
        },
    )


def _visible_card(request, pk):
    return get_visible_or_404(
        _cards_for(request.user).select_related("organization", "frozen_run"),
        request.user,
        pk=pk,
    )


def _line_rows(lines, organization, year, depth=0) -> list[dict]:
    rows = []
    for line in lines:
        info = line.indicator
        link = denominator_link = ""
        if info["kind"] == Indicator.Kind.AUTO and info["code"]:
            try:
                indicator = registry.get(info["code"])
            except KeyError:
                indicator = None
            if indicator is not None:
                link = indicator.drilldown(organization, year)
                denominator_link = indicator.denominator_link(organization, year)
        rows.append(
            {
                "depth": depth,
                "info": info,
                "kind_label": Indicator.Kind(info["kind"]).label,
                "line": line,
                "link": link,
                "denominator_link": denominator_link,
                "takes_entry": info["kind"] not in (Indicator.Kind.GROUP, "democratic"),
            }
        )
        rows.extend(_line_rows(line.children, organization, year, depth + 1))
    return rows


def _card_page(request, card, *, score_form=None, vote_form=None, status=200):
    organization, year = card.organization, card.year
    run = card.frozen_run or runs.current_run(organization, year)
    result = rows = None
    if run is not None:
        result = AssessmentResult.objects.filter(run=run, organization=organization).first()
        measures, entries, votes = results.inputs_for(run, [organization.pk])
        _, _, lines = scoring.score(
            run.snapshot,
            measures.get(organization.pk, {}),
            entries.get(organization.pk, {}),
            votes.get(organization.pk),
        )
        rows = _line_rows(lines, organization, year)
    own_missing = sum(
        1
        for row in rows or []
        if row["info"]["kind"] == Indicator.Kind.MANUAL and row["line"].entry is None
    )
    rank_shared = (
        result is not None
        and AssessmentResult.objects.filter(run=run, rank=result.rank)
        .exclude(pk=result.pk)
        .exists()
    )
    vote = DemocraticVote.objects.filter(organization=organization, year=year).first()
    may_score = request.user.may(roles.PUBLISH) and not card.is_frozen
    history = [
        *changes(
            ScoreEntry.history.filter(organization=organization, indicator__scheme__year=year)
            .select_related("history_user", "indicator")
            .order_by("-history_date")[:HISTORY_LIMIT],
            fields=["score", "reason"],
            subject=lambda record: record.indicator.name,
        ),
        *changes(
            DemocraticVote.history.filter(organization=organization, year=year)
            .select_related("history_user")
            .order_by("-history_date")[:HISTORY_LIMIT],
            fields=["excellent", "good", "fair", "poor"],
            subject=lambda record: "民主测评",
        ),
        *changes(
            card.history.select_related("history_user").order_by("-history_date")[:HISTORY_LIMIT],
            fields=["status", "published_at", "comment"],
            subject=lambda record: "评分卡",
        ),
    ]
    history.sort(key=lambda change: change.when, reverse=True)
    return render(
        request,
        "assessments/scoring/scorecard_detail.html",
        {
            "card": card,
            "organization": organization,
            "run": run,
            "result": result,
            "rank_shared": rank_shared,
            "own_missing": own_missing,
            "rows": rows,
            "vote": vote,
            "reports": DutyReport.objects.filter(organization=organization, year=year).order_by(
                "-uploaded_at", "-pk"
            ),
            "may_score": may_score,
            "score_form": score_form or ScoreForm(),
            "vote_form": vote_form or VoteForm(initial=vote.counts() if vote else None),
            "history": history,
        },
        status=status,
    )


@require_GET
def scorecard_detail(request, pk):
    return _card_page(request, _visible_card(request, pk))


@require_POST
def scorecard_score(request, pk):
    roles.require(request.user, roles.PUBLISH)
    card = _visible_card(request, pk)
    form = ScoreForm(request.POST)
    if form.is_valid():
        run = card.frozen_run or runs.current_run(card.organization, card.year)
        indicator_ids = {i["id"] for i in run.snapshot["indicators"]} if run else set()
        indicator = (
            Indicator.objects.filter(pk=form.cleaned_data["indicator"], pk__in=indicator_ids)
            .select_related("scheme")
            .first()
        )
        if indicator is None:
            raise Http404
        try:
            scores.enter_score(
                card.organization,
                indicator,
                score=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, f"“{indicator.name}”的得分已保存。")
            return redirect(card)
    return _card_page(request, card, score_form=form, status=400)


@require_POST
def scorecard_votes(request, pk):
    roles.require(request.user, roles.PUBLISH)
    card = _visible_card(request, pk)
    form = VoteForm(request.POST)
    if form.is_valid():
        try:
            scores.record_votes(
                card.organization, year=card.year, counts=form.cleaned_data, by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, "民主测评票数已保存。")
            return redirect(card)
    return _card_page(request, card, vote_form=form, status=400)


@require_POST
def scorecard_review(request, pk):
    roles.require(request.user, roles.PUBLISH)
    card = _visible_card(request, pk)
    try:
        review.review_card(card, comment=request.POST.get("comment", ""), by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "已审核。")
    return redirect(card)


# --- 述职 reports -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def dutyreport_list(request):
    reports = (
        DutyReport.objects.visible_to(request.user)
        .select_related("organization", "uploaded_by")
        .order_by("-year", "organization__path", "-pk")
    )
    may_upload = request.user.may(roles.EDIT_RECORDS)
    form = None
    if may_upload:
        form = DutyReportForm(
            request.POST or None,
            request.FILES or None,
            user=request.user,
            initial={"year": runs.default_year(), "organization": request.user.organization_id},
        )
    if request.method == "POST":
        roles.require(request.user, roles.EDIT_RECORDS)
        if form.is_valid():
            try:
                scores.upload_duty_report(
                    form.cleaned_data["organization"],
                    year=form.cleaned_data["year"],
                    upload=form.cleaned_data["file"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, "述职报告已上传。")
                return redirect("assessments:dutyreport-list")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "assessments/scoring/dutyreport_list.html",
        {"page": page, "form": form, "may_publish": request.user.may(roles.PUBLISH)},
        status=status,
    )


@require_GET
def dutyreport_download(request, pk):
    report = get_visible_or_404(DutyReport.objects.all(), request.user, pk=pk)
    return serve(report)


urlpatterns = [
    path("scoring/cards/", scorecard_list, name="scorecard-list"),
    path("scoring/cards/<int:pk>/", scorecard_detail, name="scorecard-detail"),
    path("scoring/cards/<int:pk>/score/", scorecard_score, name="scorecard-score"),
    path("scoring/cards/<int:pk>/votes/", scorecard_votes, name="scorecard-votes"),
    path("scoring/cards/<int:pk>/review/", scorecard_review, name="scorecard-review"),
    path("scoring/reports/", dutyreport_list, name="dutyreport-list"),
    path("scoring/reports/<int:pk>/", dutyreport_download, name="dutyreport-download"),
]
