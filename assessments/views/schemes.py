"""Pages of the assessment schemes: anyone reads them, the work committee edits weights,
grading and indicators."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET

from alxa_dangjian.accounts import roles, scoping

from .. import indicators as registry
from ..forms.scoring import (
    GradingForm,
    IndicatorForm,
)
from ..models import (
    AssessmentScheme,
    Grade,
    Indicator,
)
from ..services import access, scores
from ..services import schemes as scheme_services
from . import error_text


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
        messages.error(request, "分值未保存：" + error_text(error))
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
            form.add_error(None, error_text(error))
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
            form.add_error(None, error_text(error))
        else:
            messages.success(request, "指标已添加。")
            return redirect(scheme)
    return _scheme_page(request, scheme, indicator_form=form, status=400)


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
]
