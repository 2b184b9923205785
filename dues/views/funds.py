"""Remittances upward, expenses with approval and vouchers, and the yearly disclosure."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core.files import serve
from alxa_dangjian.core.forms import call_service, fields_of
from alxa_dangjian.core.history import changes
from branches.models import Organization

from ..forms.funds import ExpenseForm, RemittanceForm, ReviewForm
from ..models import DuesExpense, DuesRemittance, DuesVoucher
from ..reports import disclosure_organizations, funds
from ..services.funds import (
    may_review_expense,
    record_remittance,
    review_expense,
    submit_expense,
)
from .common import year_param

PAGE_SIZE = 50


def _money_organizations(user):
    """Organisations that keep dues: active, in scope, not a 临时党支部."""
    return (
        Organization.objects.visible_to(user)
        .active()
        .exclude(type=Organization.Type.TEMPORARY_BRANCH)
        .order_by("path")
    )


@require_GET
def duesremittance_list(request):
    remittances = (
        DuesRemittance.objects.visible_to(request.user)
        .select_related("organization", "to_organization")
        .order_by("-remitted_on", "-pk")
    )
    page = Paginator(remittances, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dues/remittance_list.html",
        {"page": page, "may_create": request.user.may(roles.EDIT_RECORDS)},
    )


@require_http_methods(["GET", "POST"])
def duesremittance_create(request):
    roles.require(request.user, roles.EDIT_RECORDS)
    organizations = _money_organizations(request.user).exclude(scoping.root_q())
    form = RemittanceForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        remittance = call_service(
            form,
            record_remittance,
            data["organization"],
            **fields_of(
                form, "period_from", "period_to", "amount", "remitted_on", "receipt_number", "note"
            ),
            by=request.user,
        )
        if not form.errors:
            messages.success(request, f"已登记上缴党费{remittance.amount}元。")
            return redirect(remittance)
    return render(request, "dues/form_page.html", {"form": form, "title": "登记党费上缴"})


@require_GET
def duesremittance_detail(request, pk):
    remittance = get_visible_or_404(
        DuesRemittance.objects.select_related("organization", "to_organization", "recorded_by"),
        request.user,
        pk=pk,
    )
    return render(request, "dues/remittance_detail.html", {"remittance": remittance})


@require_GET
def duesexpense_list(request):
    expenses = (
        DuesExpense.objects.visible_to(request.user)
        .select_related("organization", "reviewed_by")
        .order_by("-spent_on", "-pk")
    )
    if request.GET.get("status") in DuesExpense.Status.values:
        expenses = expenses.filter(status=request.GET["status"])
    page = Paginator(expenses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dues/expense_list.html",
        {
            "page": page,
            "statuses": DuesExpense.Status.choices,
            "status": request.GET.get("status", ""),
            "may_create": request.user.may(roles.EDIT_RECORDS),
        },
    )


@require_http_methods(["GET", "POST"])
def duesexpense_create(request):
    roles.require(request.user, roles.EDIT_RECORDS)
    form = ExpenseForm(
        request.POST or None,
        request.FILES or None,
        organizations=_money_organizations(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expense = call_service(
            form,
            submit_expense,
            data["organization"],
            **fields_of(form, "category", "purpose", "amount", "spent_on"),
            uploads=data["files"],
            by=request.user,
        )
        if not form.errors:
            messages.success(request, "已登记党费使用，等待上级审批。")
            return redirect(expense)
    return render(
        request, "dues/form_page.html", {"form": form, "title": "登记党费使用", "multipart": True}
    )


@require_GET
def duesexpense_detail(request, pk):
    expense = get_visible_or_404(
        DuesExpense.objects.select_related("organization", "reviewed_by", "recorded_by"),
        request.user,
        pk=pk,
    )
    may_review = may_review_expense(request.user, expense)
    return render(
        request,
        "dues/expense_detail.html",
        {
            "expense": expense,
            "vouchers": expense.vouchers.all(),
            "may_review": may_review,
            "review_form": ReviewForm() if may_review else None,
            "changes": changes(expense.history.select_related("history_user")),
        },
    )


@require_POST
def duesexpense_review(request, pk):
    roles.require(request.user, roles.REVIEW)
    expense = get_visible_or_404(
        DuesExpense.objects.select_related("organization"), request.user, pk=pk
    )
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或退回。")
        return redirect(expense)
    try:
        review_expense(
            expense,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "已审批。")
    return redirect(expense)


@require_GET
def duesvoucher_download(request, pk):
    """Served only through the scoped lookup, never as a page (see activities/views/files)."""
    voucher = get_visible_or_404(DuesVoucher.objects.all(), request.user, pk=pk)
    return serve(voucher)


@require_GET
def organization_disclosure(request, pk):
    """党费收缴使用情况公开: one organisation's year, for its subtree and those below it."""
    # Not get_visible_or_404: a disclosure is also shown to the organisations below.
    organization = get_object_or_404(disclosure_organizations(request.user).active(), pk=pk)
    year = year_param(request)
    (summary,) = funds([organization], year)
    return render(
        request,
        "dues/disclosure.html",
        {"organization": organization, "year": year, "summary": summary},
    )


urlpatterns = [
    path("remittances/", duesremittance_list, name="duesremittance-list"),
    path("remittances/new/", duesremittance_create, name="duesremittance-create"),
    path("remittances/<int:pk>/", duesremittance_detail, name="duesremittance-detail"),
    path("expenses/", duesexpense_list, name="duesexpense-list"),
    path("expenses/new/", duesexpense_create, name="duesexpense-create"),
    path("expenses/<int:pk>/", duesexpense_detail, name="duesexpense-detail"),
    path("expenses/<int:pk>/review/", duesexpense_review, name="duesexpense-review"),
    path("vouchers/<int:pk>/", duesvoucher_download, name="duesvoucher-download"),
    path(
        "organizations/<int:pk>/disclosure/",
        organization_disclosure,
        name="organization-disclosure",
    ),
]
