"""The branch's monthly grid (members × months) with a one-month form, single payments, the
arrears list and the overview of the user's scope."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from alxa_dangjian.core.forms import add_service_error, call_service, fields_of
from alxa_dangjian.core.paging import page_of_rows
from alxa_dangjian.core.periods import month_label, month_start, months_of_year
from branches.models import Member, Organization

from ..arrears import ALERT, arrears, arrears_rows, explain, last_counted_month
from ..forms.fields import decimal_or_none
from ..forms.ledger import MonthBatchForm, PaymentForm
from ..models import DuesAssessment, DuesMonth, DuesPayment, DuesSetting
from ..rules import assessment_for
from ..services import access, payments
from .common import year_param

PAGE_SIZE = 50
# Members offered by the payment form at most (a larger scope searches by name first).
MAX_SHOWN = 100


def _ledger_branches(user):
    """Formal branches of the user's scope: the only places dues are kept."""
    return (
        Organization.objects.visible_to(user)
        .active()
        .filter(type__in=(Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH))
    )


@require_GET
def ledger_index(request):
    """Every branch of the scope: members, this year's paid months and its arrears."""
    today = timezone.localdate()
    branches = _ledger_branches(request.user).order_by("path")
    page = Paginator(branches, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [b.pk for b in page]
    members = dict(
        Member.objects.in_good_standing()
        .filter(organization_id__in=ids)
        .order_by()
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "n")
    )
    paid = dict(
        DuesMonth.objects.filter(member__organization_id__in=ids, month__year=today.year)
        .order_by()
        .values("member__organization_id")
        .annotate(total=Sum("amount"))
        .values_list("member__organization_id", "total")
    )
    behind = defaultdict(lambda: [0, 0])
    for organization_id, level in arrears(
        Member.objects.filter(organization_id__in=ids), as_of=today
    ).values_list("organization_id", "level"):
        behind[organization_id][level == ALERT] += 1
    rows = [
        (branch, members.get(branch.pk, 0), paid.get(branch.pk, Decimal("0")), behind[branch.pk])
        for branch in page
    ]
    return render(
        request,
        "dues/ledger_index.html",
        {"page": page, "rows": rows, "year": today.year},
    )


@dataclass
class Cell:
    state: str  # paid, due, open, none
    amount: Decimal | None = None


@dataclass
class GridRow:
    member: Member
    assessment: DuesAssessment | None
    cells: list = field(default_factory=list)
    paid_total: Decimal = Decimal("0.00")


def _grid(branch, year, today):
    """Members × the year's months, from three queries (roster, assessments, paid months)."""
    roster = list(
        Member.objects.in_good_standing().filter(organization=branch).order_by("name", "pk")
    )
    ids = [m.pk for m in roster]
    assessments = defaultdict(list)
    for assessment in DuesAssessment.objects.filter(member_id__in=ids):
        assessments[assessment.member_id].append(assessment)
    paid = {
        (row.member_id, row.month): row
        for row in DuesMonth.objects.filter(member_id__in=ids, month__year=year)
    }
    current = month_start(today)
    rows = []
    for member in roster:
        own = assessments[member.pk]
        row = GridRow(member, assessment_for(own, current))
        for month in months_of_year(year):
            found = paid.get((member.pk, month))
            if found is not None:
                row.cells.append(Cell("paid", found.amount))
                row.paid_total += found.amount
                continue
            assessment = assessment_for(own, month)
            owed = (
                assessment is not None
                and assessment.due > 0
                and month >= month_start(member.joined_on)
            )
            if not owed:
                row.cells.append(Cell("none"))
            elif month >= current:
                row.cells.append(Cell("open", assessment.monthly_due))
            else:
                row.cells.append(Cell("due", assessment.monthly_due))
        rows.append(row)
    return rows, assessments, paid


@require_http_methods(["GET", "POST"])
def organization_ledger(request, pk):
    """党费收缴台账 of one branch: the grid, and the form recording a month for many members."""
    branch = get_visible_or_404(_ledger_branches(request.user), request.user, pk=pk)
    today = timezone.localdate()
    year = year_param(request)
    setting = DuesSetting.load()
    may_record = access.may_record(request.user, branch)
    form = MonthBatchForm(
        request.POST or None,
        setting=setting,
        today=today,
        initial={"month": f"{last_counted_month(today):%Y-%m}"},
    )
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied("您无权登记该党支部的党费。")
        if form.is_valid():
            saved = _record_month(request, branch, form)
            if saved is not None:
                messages.success(
                    request,
                    "已登记{n}名党员{month}的党费。".format(
                        n=len(saved), month=month_label(form.cleaned_data["month"])
                    ),
                )
                return redirect(
                    f"{reverse('dues:organization-ledger', args=[branch.pk])}?year={year}"
                )
    rows, assessments, _ = _grid(branch, year, today)
    # Ticked at first: those who owe the month the form starts on and have not paid it.
    default_month = last_counted_month(today)
    paid_default = set(
        DuesMonth.objects.filter(member__organization=branch, month=default_month).values_list(
            "member_id", flat=True
        )
    )
    if request.method == "POST":
        checked = set(request.POST.getlist("pay"))
    else:
        checked = {
            str(row.member.pk)
            for row in rows
            if row.member.pk not in paid_default
            and (due := assessment_for(assessments[row.member.pk], default_month)) is not None
            and due.due > 0
            and default_month >= month_start(row.member.joined_on)
        }
    return render(
        request,
        "dues/organization_ledger.html",
        {
            "branch": branch,
            "year": year,
            "years": [today.year - 1, today.year],
            "months": months_of_year(year),
            "rows": rows,
            "form": form,
            "may_record": may_record,
            "checked": checked,
        },
    )


def _record_month(request, branch, form):
    chosen = set(request.POST.getlist("pay"))
    ids = [c for c in chosen if params.parse_integer(c, low=1, high=2**63 - 1)]
    members = {
        str(m.pk): m
        for m in Member.objects.filter(organization=branch, pk__in=ids).select_related(
            "organization"
        )
    }
    entries = []
    try:
        for key in sorted(chosen):
            member = members.get(key)
            if member is None:
                raise ValidationError("所选党员不属于本党支部。")
            entries.append(
                payments.MonthEntry(
                    member,
                    amount=decimal_or_none(request.POST.get(f"amount-{key}")),
                    receipt_number=request.POST.get(f"receipt-{key}", "")[:40],
                )
            )
        return payments.record_month(
            branch,
            month=form.cleaned_data["month"],
            entries=entries,
            paid_on=form.cleaned_data["paid_on"],
            method=form.cleaned_data["method"],
            by=request.user,
        )
    except ValidationError as error:
        add_service_error(form, error)
        return None


@require_http_methods(["GET", "POST"])
def duespayment_create(request):
    """One payment for one member: a single month, a quarter ahead or a back-payment."""
    roles.require(request.user, roles.EDIT_RECORDS)
    members = (
        Member.objects.visible_to(request.user)
        .in_good_standing()
        .filter(organization__type__in=(Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH))
        .select_related("organization")
        .order_by("organization__path", "name", "pk")
    )
    initial = {}
    if member := params.pk(request, "member"):
        initial["member"] = get_visible_or_404(members, request.user, pk=member)
    query = params.text(request, "q", max_length=50)
    shown = _payment_choices(request, members, query, initial.get("member"))
    form = PaymentForm(
        request.POST or None,
        members=members,
        shown=shown,
        setting=DuesSetting.load(),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        payment = call_service(
            form,
            payments.record_payment,
            data["member"],
            **fields_of(
                form,
                "months",
                "paid_on",
                "amount",
                "method",
                "receipt_number",
                "paid_by",
                "payer_name",
                "note",
            ),
            by=request.user,
        )
        if not form.errors:
            messages.success(request, f"已登记{payment.member.name}的党费{payment.amount}元。")
            return redirect(payment)
    return render(
        request,
        "dues/payment_form.html",
        {"form": form, "search": shown is not None, "query": query, "max_shown": MAX_SHOWN},
    )


def _payment_choices(request, members, query: str, chosen):
    """The members the form's list offers: all of them in a scope of up to MAX_SHOWN members
    (None); in a larger one those whose name contains `query` (the page's search box), the
    member the page was opened for, and the one posted — a list of tens of thousands of
    options is neither usable nor quick to render."""
    if not members.order_by()[MAX_SHOWN:].exists():
        return None
    shown = list(members.filter(name__contains=query)[:MAX_SHOWN]) if query else []
    picked = [chosen.pk] if chosen is not None else []
    if posted := params.parse_integer(request.POST.get("member"), low=1, high=10**18 - 1):
        picked.append(posted)
    missing = [pk for pk in picked if pk not in {m.pk for m in shown}]
    return list(members.filter(pk__in=missing)) + shown if missing else shown


@require_GET
def duespayment_detail(request, pk):
    payment = get_visible_or_404(
        DuesPayment.objects.select_related("member", "organization", "recorded_by"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "dues/payment_detail.html",
        {
            "payment": payment,
            "months": payment.months.order_by("month"),
            "may_delete": access.may_record(request.user, payment.organization),
        },
    )


@require_POST
def duespayment_delete(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    payment = get_visible_or_404(
        DuesPayment.objects.select_related("member", "organization"), request.user, pk=pk
    )
    member = payment.member
    payments.delete_payment(payment, by=request.user, reason=request.POST.get("reason", "")[:100])
    messages.success(request, f"已撤销{member.name}的这笔党费记录。")
    return redirect("dues:member-dues", member.pk)


@require_GET
def arrears_list(request):
    """Members of the scope in arrears, 警示 first, each with its explanation."""
    today = timezone.localdate()
    members = Member.objects.visible_to(request.user)
    if raw := request.GET.get("organization", ""):
        # ?organization=<pk>: that organisation's subtree (the cockpit's figure links here).
        pk = params.parse_integer(raw, low=1, high=2**63 - 1, default=0)
        scope = get_visible_or_404(Organization, request.user, pk=pk)
        members = members.in_subtree(scope)
    # Set-based and cached (arrears_rows); only the page's members are read as objects.
    rows = arrears_rows(members, as_of=today)
    level = request.GET.get("level", "")
    if level in ("warning", "alert"):
        rows = [row for row in rows if row.level == level]
    page = page_of_rows(
        rows,
        request.GET.get("page"),
        size=PAGE_SIZE,
        objects=Member.objects.select_related("organization"),
        fields=("owed_from", "reduction_now", "last_paid", "unpaid", "streak", "level"),
    )
    return render(
        request,
        "dues/arrears_list.html",
        {
            "page": page,
            "items": [(member, explain(member)) for member in page],
            "level": level,
            "through": month_label(last_counted_month(today)),
        },
    )


urlpatterns = [
    path("", ledger_index, name="ledger-index"),
    path("branches/<int:pk>/", organization_ledger, name="organization-ledger"),
    path("payments/new/", duespayment_create, name="duespayment-create"),
    path("payments/<int:pk>/", duespayment_detail, name="duespayment-detail"),
    path("payments/<int:pk>/delete/", duespayment_delete, name="duespayment-delete"),
    path("arrears/", arrears_list, name="arrears-list"),
]
