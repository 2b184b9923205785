"""Overdue items past the back-filling window: the branch explains them or asks to log them
late, the party committee decides on the requests."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import history, params
from alxa_dangjian.core.forms import add_service_error
from branches.models import Organization

from ..compliance import periods
from ..forms.explanations import DecisionForm, ExplanationForm
from ..models import OverdueExplanation
from ..services import explanations, records, reminders

PAGE_SIZE = 30
State = OverdueExplanation.Status


@require_http_methods(["GET", "POST"])
def explanation_create(request):
    """A 未开展说明 or a 补录申请 for one overdue item (?organization=&rule=&year=&index=)."""
    roles.require(request.user, roles.EDIT_RECORDS)
    organization_pk = params.pk(request, "organization")
    if organization_pk is None:
        # Reached without an item (not from the home's link): nothing to explain.
        messages.error(request, explanations.NOT_CLOSABLE)
        return redirect("portal:home")
    # An organisation outside the user's subtree is a 404, as everywhere.
    organization = get_visible_or_404(Organization, request.user, pk=organization_pk)
    rule_pk = params.pk(request, "rule")
    year = params.year(request)
    index = params.integer(request, "index", low=1, high=12)
    item = None
    if rule_pk is not None and year is not None and index is not None:
        item = explanations.find_item(organization, rule_id=rule_pk, year=year, index=index)
    if item is None:
        messages.error(request, explanations.NOT_CLOSABLE)
        return redirect("portal:home")
    form = ExplanationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            explanation = explanations.file_explanation(
                item,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if explanation.status == State.FILED:
                messages.success(request, "已提交未开展说明，该事项不再列为待办。")
            else:
                messages.success(request, "已提交补录申请，请等待上级党委审批。")
            return redirect(explanation)
    return render(
        request,
        "activities/explanation_form.html",
        {"form": form, "item": item, "text": reminders.describe(item.cell)},
    )


def _visible(request, pk):
    return get_visible_or_404(
        OverdueExplanation.objects.select_related(
            "organization", "rule__kind", "requested_by", "decided_by"
        ),
        request.user,
        pk=pk,
    )


@require_GET
def explanation_detail(request, pk):
    explanation = _visible(request, pk)
    log_url = ""
    if explanation.status == State.APPROVED and records.may_log_for(
        request.user, explanation.organization
    ):
        # Preset with the period's last day: inside the approved period, never in the future.
        last_day = periods(explanation.year, explanation.period)[explanation.index - 1].end
        log_url = (
            reverse("activities:activity-create")
            + "?"
            + urlencode(
                {
                    "organization": explanation.organization_id,
                    "kind": explanation.rule.kind_id,
                    "held_on": last_day.isoformat(),
                }
            )
        )
    return render(
        request,
        "activities/explanation_detail.html",
        {
            "explanation": explanation,
            "may_decide": explanations.may_decide(request.user, explanation),
            "form": DecisionForm(),
            "log_url": log_url,
            "changes": history.changes(
                explanation.history.select_related("history_user"),
                fields=["status", "reason", "decision_comment"],
            ),
        },
    )


@require_POST
def explanation_decide(request, pk):
    roles.require(request.user, roles.REVIEW)
    explanation = _visible(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect(explanation)
    try:
        explanations.decide_late_entry(
            explanation,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if form.cleaned_data["decision"] == "approve":
            messages.success(request, "已批准补录，该党支部可登记该期间的记录。")
        else:
            messages.success(request, "已不批准该补录申请，该事项重新列为逾期待办。")
    return redirect(explanation)


@require_GET
def explanation_list(request):
    """Explanations and requests in the user's subtree; ?status=pending is the reviewers'
    queue."""
    rows = OverdueExplanation.objects.visible_to(request.user).select_related(
        "organization", "rule__kind", "requested_by"
    )
    status = request.GET.get("status", "")
    if status in State.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    page = Paginator(rows.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "activities/explanation_list.html",
        {"page": page, "status": status, "statuses": State.choices},
    )


urlpatterns = [
    path("overdue-explanations/", explanation_list, name="overdueexplanation-list"),
    path("overdue-explanations/new/", explanation_create, name="overdueexplanation-create"),
    path("overdue-explanations/<int:pk>/", explanation_detail, name="overdueexplanation-detail"),
    path(
        "overdue-explanations/<int:pk>/decide/",
        explanation_decide,
        name="overdueexplanation-decide",
    ),
]
