"""Pages of the year-end runs: start, live progress, resume/restart, and the confirmations
that freeze and publish a run's results or decide a tie at the 好 quota line."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import rules

from .. import indicators as registry
from ..forms.scoring import (
    PublicationConfirmForm,
    QuotaTieForm,
    StartRunForm,
)
from ..models import (
    AssessmentResult,
    AssessmentRun,
    ScoreCard,
)
from ..services import review, runs
from . import error_text

PAGE_SIZE = 50


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
                form.add_error(None, error_text(error))
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
        messages.error(request, error_text(error))
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
            form.add_error(None, error_text(error))
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
            form.add_error(None, error_text(error))
        else:
            messages.success(request, "名额线并列的决定已保存，等次已按决定重新评定。")
            return redirect("assessments:assessmentrun-freeze", pk=run.pk)
    return _confirmation_page(request, run, "freeze", tie_form=form, status=400)


urlpatterns = [
    path("scoring/runs/", assessmentrun_list, name="assessmentrun-list"),
    path("scoring/runs/new/", assessmentrun_create, name="assessmentrun-create"),
    path("scoring/runs/<int:pk>/", assessmentrun_detail, name="assessmentrun-detail"),
    path("scoring/runs/<int:pk>/resume/", assessmentrun_resume, name="assessmentrun-resume"),
    path("scoring/runs/<int:pk>/restart/", assessmentrun_restart, name="assessmentrun-restart"),
    path("scoring/runs/<int:pk>/freeze/", assessmentrun_freeze, name="assessmentrun-freeze"),
    path("scoring/runs/<int:pk>/publish/", assessmentrun_publish, name="assessmentrun-publish"),
    path("scoring/runs/<int:pk>/tie/", assessmentrun_tie, name="assessmentrun-tie"),
]
