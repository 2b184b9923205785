"""Pages of the year-end assessment: schemes (anyone reads, the work committee edits), runs
(start, live progress, resume/restart, freeze, publish), the review queue, score cards with
drill-downs, scores, 民主测评 and history, and the 述职 reports."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params, rules
from alxa_dangjian.core.files import serve
from alxa_dangjian.core.history import changes
from branches.models import Organization

from .. import indicators as registry
from .. import scoring
from ..forms.scoring import (
    DutyReportForm,
    GradingForm,
    IndicatorForm,
    PublicationConfirmForm,
    QueueFilterForm,
    QuotaTieForm,
    ScoreForm,
    StartRunForm,
    VoteForm,
)
from ..models import (
    AssessmentResult,
    AssessmentRun,
    AssessmentScheme,
    DemocraticVote,
    DutyReport,
    Grade,
    Indicator,
    ScoreCard,
    ScoreEntry,
)
from ..services import access, results, review, runs, scores
from ..services import schemes as scheme_services

PAGE_SIZE = 50
PUBLISHED = "published"  # the card list's filter for published cards (any review status)
HISTORY_LIMIT = 100


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Schemes (league-wide reference rows) ------------------------------------------------------


@require_GET
def assessmentscheme_list(request):
    schemes = AssessmentScheme.objects.annotate(
        indicator_count=Count("indicators"), run_count=Count("runs", distinct=True)
    ).order_by("-year", "target")
    return render(
        request,
        "assessments/scoring/scheme_list.html",
        {"schemes": schemes, "may_edit": request.user.may(roles.PUBLISH)},
    )


def _tree(indicators) -> list[tuple[int, Indicator]]:
    """(depth, indicator) in tree order."""
    children: dict = {}
    for indicator in indicators:
        children.setdefault(indicator.parent_id, []).append(indicator)
    ordered = []

    def walk(parent_id, depth):
        for indicator in children.get(parent_id, []):
            ordered.append((depth, indicator))
            walk(indicator.pk, depth + 1)

    walk(None, 0)
    return ordered


def _scheme_page(request, scheme, *, grading_form=None, indicator_form=None, status=200):
    indicators = list(scheme.indicators.select_related("parent").order_by("sort_order", "pk"))
    thresholds = {t.grade: t.min_score for t in scheme.thresholds.all()}
    names = dict(registry.choices())
    may_edit = scoping.is_work_committee(request.user)
    if may_edit and grading_form is None:
        grading_form = GradingForm(
            initial={
                **thresholds,
                "quota_share": scheme.excellent_quota_share,
                "quota_count": scheme.excellent_quota_count,
            }
        )
    return render(
        request,
        "assessments/scoring/scheme_detail.html",
        {
            "scheme": scheme,
            "rows": [
                {"depth": depth, "indicator": i, "code_name": names.get(i.auto_code, "")}
                for depth, i in _tree(indicators)
            ],
            "thresholds": [(label, thresholds.get(grade)) for grade, label in Grade.choices],
            "problems": scheme_services.weight_problems(indicators),
            "may_edit": may_edit,
            "grading_form": grading_form,
            "indicator_form": indicator_form
            or (IndicatorForm(scheme=scheme) if may_edit else None),
            "registered": registry.all_indicators(),
        },
        status=status,
    )


@require_GET
def assessmentscheme_detail(request, pk):
    scheme = get_object_or_404(AssessmentScheme, pk=pk)
    return _scheme_page(request, scheme)


def assessmentscheme_weights(request, pk):
    # The role is checked before the method, so that others learn only "not yours to change".
    access.require_scheme_setter(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    scheme = get_object_or_404(AssessmentScheme, pk=pk)
    weights = {}
    try:
        for indicator in scheme.indicators.all():
            raw = request.POST.get(f"weight-{indicator.pk}")
            if raw not in (None, ""):
                weights[indicator.pk] = scores._parse_score(raw)
        scheme_services.update_weights(scheme, weights, by=request.user)
    except ValidationError as error:
        messages.error(request, "分值未保存：" + _errors(error))
    else:
        messages.success(request, "分值已保存。")
    return redirect(scheme)


def assessmentscheme_grading(request, pk):
    # The role is checked before the method, so that others learn only "not yours to change".
    access.require_scheme_setter(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    scheme = get_object_or_404(AssessmentScheme, pk=pk)
    form = GradingForm(request.POST)
    if form.is_valid():
        try:
            scheme_services.set_grading(
                scheme,
                thresholds=form.thresholds(),
                quota_share=form.cleaned_data["quota_share"],
                quota_count=form.cleaned_data["quota_count"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, "等次分数线已保存。")
            return redirect(scheme)
    return _scheme_page(request, scheme, grading_form=form, status=400)


def assessmentscheme_add_indicator(request, pk):
    # The role is checked before the method, so that others learn only "not yours to change".
    access.require_scheme_setter(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    scheme = get_object_or_404(AssessmentScheme, pk=pk)
    form = IndicatorForm(request.POST, scheme=scheme)
    if form.is_valid():
        try:
            scheme_services.add_indicator(scheme, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, "指标已添加。")
            return redirect(scheme)
    return _scheme_page(request, scheme, indicator_form=form, status=400)


# --- Runs ---------------------------------------------------------------------------------------


@require_GET
def assessmentrun_list(request):
    roles.require(request.user, roles.PUBLISH)
    runs_qs = (
        AssessmentRun.objects.visible_to(request.user)
        .select_related("scope", "created_by", "scheme")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(runs_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    form = StartRunForm(
        user=request.user,
        initial={"year": runs.default_year(), "scope": request.user.organization_id},
    )
    return render(request, "assessments/scoring/run_list.html", {"page": page, "form": form})


@require_http_methods(["GET", "POST"])
def assessmentrun_create(request):
    roles.require(request.user, roles.PUBLISH)
    form = StartRunForm(request.POST or None, user=request.user)
    confirm = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        where = {"year": data["year"], "scope": data["scope"], "target": data["target"]}
        # Today's rules instead of those a closed year's run recorded: say so and ask first.
        repeated = runs.repeated_run(**where) if data["current_rules"] else None
        if repeated is not None and not data["confirmed"]:
            confirm = repeated
        else:
            try:
                run = runs.start_run(**where, current_rules=data["current_rules"], by=request.user)
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                messages.success(request, "已发起年度考核计算。")
                return redirect(run)
    status = 400 if request.method == "POST" and confirm is None else 200
    return render(
        request,
        "assessments/scoring/run_form.html",
        {"form": form, "confirm": confirm},
        status=status,
    )


def _visible_run(request, pk):
    roles.require(request.user, roles.PUBLISH)
    return get_visible_or_404(
        AssessmentRun.objects.select_related("scope", "created_by", "scheme", "previous"),
        request.user,
        pk=pk,
    )


@require_GET
def assessmentrun_detail(request, pk):
    run = _visible_run(request, pk)
    context = {"run": run}
    # htmx polls the progress block alone while the run is in progress.
    if request.headers.get("HX-Request") == "true":
        return render(request, "assessments/scoring/_run_status.html", context)
    if run.status == AssessmentRun.Status.DONE:
        context["results"] = list(
            AssessmentResult.objects.filter(run=run)
            .select_related("organization")
            .order_by("rank", "organization__path")[:PAGE_SIZE]
        )
        context["shared_ranks"] = set(
            AssessmentResult.objects.filter(run=run)
            .values("rank")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list("rank", flat=True)
        )
        context["frozen"] = ScoreCard.objects.filter(frozen_run=run).aggregate(
            frozen=Count("pk"), published=Count("pk", filter=Q(published_at__isnull=False))
        )
    context["indicator_names"] = dict(registry.choices())
    context["rule_tables"] = [
        (t.name, len(run.rule_versions[t.label]))
        for t in rules.tables()
        if t.label in run.rule_versions
    ]
    return render(request, "assessments/scoring/run_detail.html", context)


def _run_action(request, pk, action, done_message):
    run = _visible_run(request, pk)
    try:
        result = action(run, by=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, done_message.format(n=result if isinstance(result, int) else 0))
    return redirect(run)


@require_POST
def assessmentrun_resume(request, pk):
    return _run_action(request, pk, runs.resume_run, "已继续计算未完成的部分。")


@require_POST
def assessmentrun_restart(request, pk):
    return _run_action(request, pk, runs.restart_run, "已重新开始计算。")


# What each confirmation says and does: title, checkbox label, the refusal when the box is
# left empty, the service and the message when done.
CONFIRMATIONS = {
    "freeze": {
        "title": "冻结考核结果",
        "label": "我已核对以上情况，确认冻结本次计算结果",
        "refusal": "未勾选确认，未冻结任何考核结果。请核对以上情况后勾选确认。",
        "service": review.freeze_run,
        "done": "已冻结{n}个党组织的考核结果。",
    },
    "publish": {
        "title": "发布考核结果",
        "label": "我已核对以上情况，确认向各党组织发布考核结果",
        "refusal": "未勾选确认，未发布任何考核结果。请核对以上情况后勾选确认。",
        "service": review.publish_run,
        "done": "已向{n}个党组织发布考核结果。",
    },
}


def _confirmation_page(request, run, action, *, form=None, tie_form=None, status=200):
    step = CONFIRMATIONS[action]
    preview = review.publication_preview(run)
    if tie_form is None and preview.tie is not None:
        tie_form = QuotaTieForm(tied=preview.tied)
    return render(
        request,
        "assessments/scoring/run_confirm.html",
        {
            "run": run,
            "action": action,
            "step": step,
            "preview": preview,
            "problems": preview.problems(action),
            "form": form or PublicationConfirmForm(label=step["label"], refusal=step["refusal"]),
            "tie_form": tie_form,
            "may_decide_tie": preview.tie is not None and not preview.frozen,
        },
        status=status,
    )


def _confirm(request, pk, action):
    """GET states what the action will do; POST does it only with the box ticked."""
    run = _visible_run(request, pk)
    if request.method != "POST":
        return _confirmation_page(request, run, action)
    step = CONFIRMATIONS[action]
    form = PublicationConfirmForm(request.POST, label=step["label"], refusal=step["refusal"])
    if form.is_valid():
        try:
            done = step["service"](run, by=request.user)
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, step["done"].format(n=done))
            return redirect(run)
    return _confirmation_page(request, run, action, form=form, status=400)


@require_http_methods(["GET", "POST"])
def assessmentrun_freeze(request, pk):
    return _confirm(request, pk, "freeze")


@require_http_methods(["GET", "POST"])
def assessmentrun_publish(request, pk):
    return _confirm(request, pk, "publish")


@require_POST
def assessmentrun_tie(request, pk):
    """Staff's decision on a tie at the 好 quota line, from the freeze confirmation."""
    run = _visible_run(request, pk)
    preview = review.publication_preview(run)
    form = QuotaTieForm(request.POST, tied=preview.tied)
    if form.is_valid():
        try:
            review.decide_quota_tie(
                run,
                chosen=form.cleaned_data["chosen"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, "名额线并列的决定已保存，等次已按决定重新评定。")
            return redirect("assessments:assessmentrun-freeze", pk=run.pk)
    return _confirmation_page(request, run, "freeze", tie_form=form, status=400)


# --- Review queue and score cards ------------------------------------------------------------


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
            form.add_error(None, _errors(error))
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
            form.add_error(None, _errors(error))
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
        messages.error(request, _errors(error))
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
                form.add_error(None, _errors(error))
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


def results_export_url(run: AssessmentRun) -> str:
    return reverse("ledgers:ledger-export", args=["assessment-results"]) + (
        f"?year={run.year}&organization={run.scope_id}"
    )


urlpatterns = [
    path("scoring/schemes/", assessmentscheme_list, name="assessmentscheme-list"),
    path("scoring/schemes/<int:pk>/", assessmentscheme_detail, name="assessmentscheme-detail"),
    path(
        "scoring/schemes/<int:pk>/weights/",
        assessmentscheme_weights,
        name="assessmentscheme-weights",
    ),
    path(
        "scoring/schemes/<int:pk>/grading/",
        assessmentscheme_grading,
        name="assessmentscheme-grading",
    ),
    path(
        "scoring/schemes/<int:pk>/indicators/new/",
        assessmentscheme_add_indicator,
        name="assessmentscheme-add-indicator",
    ),
    path("scoring/runs/", assessmentrun_list, name="assessmentrun-list"),
    path("scoring/runs/new/", assessmentrun_create, name="assessmentrun-create"),
    path("scoring/runs/<int:pk>/", assessmentrun_detail, name="assessmentrun-detail"),
    path("scoring/runs/<int:pk>/resume/", assessmentrun_resume, name="assessmentrun-resume"),
    path("scoring/runs/<int:pk>/restart/", assessmentrun_restart, name="assessmentrun-restart"),
    path("scoring/runs/<int:pk>/freeze/", assessmentrun_freeze, name="assessmentrun-freeze"),
    path("scoring/runs/<int:pk>/publish/", assessmentrun_publish, name="assessmentrun-publish"),
    path("scoring/runs/<int:pk>/tie/", assessmentrun_tie, name="assessmentrun-tie"),
    path("scoring/cards/", scorecard_list, name="scorecard-list"),
    path("scoring/cards/<int:pk>/", scorecard_detail, name="scorecard-detail"),
    path("scoring/cards/<int:pk>/score/", scorecard_score, name="scorecard-score"),
    path("scoring/cards/<int:pk>/votes/", scorecard_votes, name="scorecard-votes"),
    path("scoring/cards/<int:pk>/review/", scorecard_review, name="scorecard-review"),
    path("scoring/reports/", dutyreport_list, name="dutyreport-list"),
    path("scoring/reports/<int:pk>/", dutyreport_download, name="dutyreport-download"),
]
