"""League-wide frequency rules (set by the work committee) and per-branch exemptions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import rules
from branches.models import Organization

from ..forms.rules import ExemptionForm, FrequencyRuleForm
from ..models import Exemption, FrequencyRule


def _require_rule_setter(user):
    """Rules bind the whole league, so only the work committee (a role that publishes,
    placed at the root of the tree) may change them."""
    roles.require(user, roles.PUBLISH)
    if not scoping.is_work_committee(user):
        raise PermissionDenied("频次规则由工委统一设置。")


@require_GET
def frequencyrule_list(request):
    rules = FrequencyRule.objects.select_related("kind")
    exemptions = (
        Exemption.objects.visible_to(request.user)
        .select_related("organization", "rule__kind", "approved_by")
        .order_by("-starts_on")[:200]
    )
    type_labels = dict(Organization.Type.choices)
    rows = [
        (rule, "、".join(type_labels.get(t, t) for t in rule.organization_types)) for rule in rules
    ]
    return render(
        request,
        "activities/rule_list.html",
        {
            "rows": rows,
            "exemptions": exemptions,
            "may_set_rules": scoping.is_work_committee(request.user),
            "may_exempt": request.user.may(roles.PUBLISH),
            "history": _history(request.user),
        },
    )


def _history(user) -> list:
    """Changes to the rules (league-wide: everyone who reads them sees why they changed) and
    to the exemptions of the user's subtree, newest first."""
    period = dict(FrequencyRule.Period.choices)
    changes = rules.history_of(
        FrequencyRule,
        related=["kind"],
        subject=lambda r: f"频次规则：{r.kind.name}（{period.get(r.period, r.period)}）",
    ) + rules.history_of(
        Exemption,
        Q(organization__in=Organization.objects.visible_to(user)),
        related=["organization", "rule__kind"],
        subject=lambda r: f"频次豁免：{r.organization.display_name} {r.rule.kind.name}",
    )
    return sorted(changes, key=lambda c: c.when, reverse=True)[: rules.HISTORY_LIMIT]


@require_http_methods(["GET", "POST"])
def frequencyrule_edit(request, pk):
    _require_rule_setter(request.user)
    rule = get_object_or_404(FrequencyRule.objects.select_related("kind"), pk=pk)
    form = FrequencyRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        rules.save_rule(
            form.save(commit=False), by=request.user, reason=form.cleaned_data["change_reason"]
        )
        messages.success(request, f"已保存“{rule.kind.name}”的频次规则。")
        return redirect("activities:frequencyrule-list")
    return render(
        request, "activities/rule_form.html", {"form": form, "title": f"修改频次规则：{rule}"}
    )


@require_http_methods(["GET", "POST"])
def exemption_create(request):
    roles.require(request.user, roles.PUBLISH)
    form = ExemptionForm(
        request.POST or None, user=request.user, initial={"starts_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        exemption = form.save(commit=False)
        exemption.approved_by = request.user
        rules.save_rule(exemption, by=request.user, reason=f"登记豁免：{exemption.reason}")
        messages.success(request, f"已为{exemption.organization.display_name}登记豁免。")
        return redirect("activities:frequencyrule-list")
    return render(request, "activities/rule_form.html", {"form": form, "title": "登记频次豁免"})


@require_POST
def exemption_delete(request, pk):
    roles.require(request.user, roles.PUBLISH)
    exemption = get_visible_or_404(Exemption, request.user, pk=pk)
    try:
        rules.delete_rule(exemption, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "已撤销该豁免。")
    return redirect("activities:frequencyrule-list")


urlpatterns = [
    path("rules/", frequencyrule_list, name="frequencyrule-list"),
    path("rules/<int:pk>/edit/", frequencyrule_edit, name="frequencyrule-edit"),
    path("rules/exemptions/new/", exemption_create, name="exemption-create"),
    path("rules/exemptions/<int:pk>/delete/", exemption_delete, name="exemption-delete"),
]
