"""The league-wide rules: the yearly schemes ("2+1+10+N"), hour minimums and hour counting."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from alxa_dangjian.accounts import scoping
from alxa_dangjian.core import rules

from ..forms.rules import ComponentFormSet, HourCountingForm, HourRuleForm, SchemeForm
from ..models import Audience, HourCounting, HourRule, SchemeComponent, TrainingScheme
from ..services.schemes import save_scheme
from . import require_league_editor


@require_GET
def scheme_list(request):
    schemes = TrainingScheme.objects.prefetch_related("components")
    return render(
        request,
        "training/scheme_list.html",
        {
            "schemes": schemes,
            "rules": HourRule.objects.all(),
            "countings": HourCounting.objects.all(),
            "may_edit": scoping.is_work_committee(request.user),
            "history": _history(),
        },
    )


def _history() -> list:
    """Changes to the schemes, hour rules and hour counting (league-wide rules), newest first."""
    audience = dict(Audience.choices)
    changes = (
        rules.history_of(HourRule, subject=lambda r: f"学时要求：{audience.get(r.audience)}")
        + rules.history_of(HourCounting, subject=lambda r: f"学时计算办法：{r.year}年起")
        + rules.history_of(TrainingScheme, subject=lambda r: f"培训模式：{r.year}年 {r.code}")
        + rules.history_of(
            SchemeComponent,
            related=["scheme"],
            subject=lambda r: f"培训模式组成：{r.scheme.year}年 {r.scheme.code} 第{r.order}项",
        )
    )
    return sorted(changes, key=lambda c: c.when, reverse=True)[: rules.HISTORY_LIMIT]


@require_GET
def scheme_detail(request, pk):
    scheme = get_object_or_404(TrainingScheme.objects.prefetch_related("components"), pk=pk)
    return render(
        request,
        "training/scheme_detail.html",
        {"scheme": scheme, "may_edit": scoping.is_work_committee(request.user)},
    )


def _scheme_form(request, scheme, title):
    form = SchemeForm(request.POST or None, instance=scheme)
    formset = ComponentFormSet(request.POST or None, instance=scheme, prefix="components")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        scheme = form.save(commit=False)
        components = formset.save(commit=False)
        save_scheme(
            scheme,
            components=components,
            removed=formset.deleted_objects,
            by=request.user,
            reason=form.cleaned_data["change_reason"],
        )
        messages.success(request, f"已保存培训模式“{scheme.code}”。")
        return redirect(scheme)
    return render(
        request,
        "training/scheme_form.html",
        {"form": form, "formset": formset, "title": title, "scheme": scheme},
    )


@require_http_methods(["GET", "POST"])
def scheme_create(request):
    require_league_editor(request.user)
    return _scheme_form(request, TrainingScheme(), "新建培训模式")


@require_http_methods(["GET", "POST"])
def scheme_edit(request, pk):
    require_league_editor(request.user)
    scheme = get_object_or_404(TrainingScheme, pk=pk)
    return _scheme_form(request, scheme, f"修改培训模式：{scheme.year}年 {scheme.code}")


def _simple_form(request, form_class, instance, title):
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        rules.save_rule(
            form.save(commit=False), by=request.user, reason=form.cleaned_data["change_reason"]
        )
        messages.success(request, "已保存。")
        return redirect("training:scheme-list")
    return render(
        request,
        "training/form_page.html",
        {"form": form, "title": title, "back": reverse("training:scheme-list")},
    )


@require_http_methods(["GET", "POST"])
def hourrule_create(request):
    require_league_editor(request.user)
    return _simple_form(request, HourRuleForm, None, "新增学时要求")


@require_http_methods(["GET", "POST"])
def hourrule_edit(request, pk):
    require_league_editor(request.user)
    rule = get_object_or_404(HourRule, pk=pk)
    return _simple_form(request, HourRuleForm, rule, "修改学时要求")


@require_http_methods(["GET", "POST"])
def hourcounting_create(request):
    require_league_editor(request.user)
    return _simple_form(request, HourCountingForm, None, "新增学时计算办法")


@require_http_methods(["GET", "POST"])
def hourcounting_edit(request, pk):
    require_league_editor(request.user)
    counting = get_object_or_404(HourCounting, pk=pk)
    return _simple_form(request, HourCountingForm, counting, "修改学时计算办法")


urlpatterns = [
    path("schemes/", scheme_list, name="scheme-list"),
    path("schemes/new/", scheme_create, name="scheme-create"),
    path("schemes/<int:pk>/", scheme_detail, name="scheme-detail"),
    path("schemes/<int:pk>/edit/", scheme_edit, name="scheme-edit"),
    path("hour-rules/new/", hourrule_create, name="hourrule-create"),
    path("hour-rules/<int:pk>/edit/", hourrule_edit, name="hourrule-edit"),
    path("hour-counting/new/", hourcounting_create, name="hourcounting-create"),
    path("hour-counting/<int:pk>/edit/", hourcounting_edit, name="hourcounting-edit"),
]
