"""The dues standard: anyone reads it; the work committee edits brackets and settings and
starts a new version from a date."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.core import caching

from ..forms.rates import BracketForm, CopyTableForm, SettingForm
from ..models import DuesBracket, DuesRateTable, DuesSetting


def _require_rate_setter(user):
    """The standard binds the whole league: only the work committee changes it."""
    roles.require(user, roles.PUBLISH)
    if not scoping.is_work_committee(user):
        raise PermissionDenied("党费标准由工委统一设置。")


@require_GET
def duesratetable_list(request):
    tables = DuesRateTable.objects.prefetch_related(
        Prefetch("brackets", queryset=DuesBracket.objects.order_by("base_kind", "lower", "pk"))
    ).order_by("-effective_from")
    return render(
        request,
        "dues/rate_list.html",
        {
            "tables": tables,
            "setting": DuesSetting.load(),
            "may_edit": scoping.is_work_committee(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def duesratetable_copy(request, pk):
    """A new version: the brackets of this one, in force from a later date."""
    _require_rate_setter(request.user)
    table = get_object_or_404(DuesRateTable, pk=pk)
    form = CopyTableForm(request.POST or None, initial={"source": table.source})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["effective_from"] <= table.effective_from:
            form.add_error("effective_from", "新版本的生效日期须晚于所复制的版本。")
        elif DuesRateTable.objects.filter(effective_from=data["effective_from"]).exists():
            form.add_error("effective_from", "该日期已有生效的党费标准。")
        else:
            with transaction.atomic():
                new = DuesRateTable.objects.create(**data)
                DuesBracket.objects.bulk_create(
                    DuesBracket(
                        table=new,
                        base_kind=b.base_kind,
                        lower=b.lower,
                        upper=b.upper,
                        rate_percent=b.rate_percent,
                        fixed_amount=b.fixed_amount,
                        note=b.note,
                    )
                    for b in table.brackets.all()
                )
                caching.changed(caching.RULES)
            messages.success(request, f"已建立“{new}”，请修改其中需要调整的档次。")
            return redirect("dues:duesratetable-list")
    return render(
        request, "dues/form_page.html", {"form": form, "title": f"以“{table}”为基础建立新版本"}
    )


@require_http_methods(["GET", "POST"])
def duesbracket_edit(request, pk):
    _require_rate_setter(request.user)
    bracket = get_object_or_404(DuesBracket.objects.select_related("table"), pk=pk)
    form = BracketForm(request.POST or None, instance=bracket)
    if request.method == "POST" and form.is_valid():
        bracket = form.save(commit=False)
        bracket._history_user = request.user
        bracket.save()
        caching.changed(caching.RULES)
        messages.success(request, "已保存党费档次。已核定的党员按原标准计算，重新核定后生效。")
        return redirect("dues:duesratetable-list")
    return render(
        request, "dues/form_page.html", {"form": form, "title": f"修改党费档次：{bracket}"}
    )


@require_http_methods(["GET", "POST"])
def duessetting_edit(request, pk):
    _require_rate_setter(request.user)
    setting = get_object_or_404(DuesSetting, pk=pk)
    form = SettingForm(request.POST or None, instance=setting)
    if request.method == "POST" and form.is_valid():
        setting = form.save(commit=False)
        setting._history_user = request.user
        setting.save()
        caching.changed(caching.RULES)
        messages.success(request, "已保存党费设置。")
        return redirect("dues:duesratetable-list")
    return render(request, "dues/form_page.html", {"form": form, "title": "修改党费设置"})


urlpatterns = [
    path("rates/", duesratetable_list, name="duesratetable-list"),
    path("rates/<int:pk>/copy/", duesratetable_copy, name="duesratetable-copy"),
    path("rates/brackets/<int:pk>/edit/", duesbracket_edit, name="duesbracket-edit"),
    path("settings/<int:pk>/edit/", duessetting_edit, name="duessetting-edit"),
]
