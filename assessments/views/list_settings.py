"""Pages of the responsibility lists' settings: the year's checkpoint windows and the list
types (the work committee edits them; everyone may read the dates)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from alxa_dangjian.accounts import scoping
from alxa_dangjian.core import params
from alxa_dangjian.core.forms import add_service_error

from ..forms.lists import (
    ListTypeForm,
    WindowForm,
)
from ..models import (
    CheckpointWindow,
    ResponsibilityListType,
    Stage,
)
from ..services import lists


@require_GET
def checkpointwindow_list(request):
    this_year = timezone.localdate().year
    windows = list(CheckpointWindow.objects.order_by("-year"))
    if not any(w.year == this_year for w in windows):
        windows.insert(0, CheckpointWindow.default_for(this_year))
    return render(
        request,
        "assessments/lists/settings.html",
        {
            "windows": windows,
            "types": ResponsibilityListType.objects.order_by("sort_order", "pk"),
            "may_settings": scoping.is_work_committee(request.user),
            "stages": Stage.choices,
        },
    )


def _settings_form(request, form, service, title):
    if request.method == "POST" and form.is_valid():
        try:
            service(form.instance, by=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已保存{title}。")
            return redirect("assessments:checkpointwindow-list")
    return render(request, "assessments/lists/settings_form.html", {"form": form, "title": title})


@require_http_methods(["GET", "POST"])
def checkpointwindow_create(request):
    lists.require_settings(request.user)
    year = params.year(request, default=timezone.localdate().year)
    initial = CheckpointWindow.default_for(year)
    form = WindowForm(request.POST or None, instance=initial)
    return _settings_form(request, form, lists.save_window, "清单填报时间")


@require_http_methods(["GET", "POST"])
def checkpointwindow_edit(request, pk):
    lists.require_settings(request.user)
    window = _window_or_404(pk)
    form = WindowForm(request.POST or None, instance=window)
    return _settings_form(request, form, lists.save_window, "清单填报时间")


def _window_or_404(pk):
    """Windows are league-wide: no subtree owns them, staff (checked before) edit them."""
    window = CheckpointWindow.objects.filter(pk=pk).first()
    if window is None:
        raise Http404("填报时间设置不存在。")
    return window


@require_http_methods(["GET", "POST"])
def responsibilitylisttype_create(request):
    lists.require_settings(request.user)
    form = ListTypeForm(request.POST or None)
    return _settings_form(request, form, lists.save_list_type, "清单类型")


@require_http_methods(["GET", "POST"])
def responsibilitylisttype_edit(request, pk):
    lists.require_settings(request.user)
    list_type = ResponsibilityListType.objects.filter(pk=pk).first()
    if list_type is None:
        raise Http404("清单类型不存在。")
    form = ListTypeForm(request.POST or None, instance=list_type)
    return _settings_form(request, form, lists.save_list_type, "清单类型")


urlpatterns = [
    path("list-settings/", checkpointwindow_list, name="checkpointwindow-list"),
    path("list-settings/windows/new/", checkpointwindow_create, name="checkpointwindow-create"),
    path("list-settings/windows/<int:pk>/", checkpointwindow_edit, name="checkpointwindow-edit"),
    path(
        "list-settings/types/new/",
        responsibilitylisttype_create,
        name="responsibilitylisttype-create",
    ),
    path(
        "list-settings/types/<int:pk>/",
        responsibilitylisttype_edit,
        name="responsibilitylisttype-edit",
    ),
]
