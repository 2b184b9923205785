"""Assessments: a member's dues page (assessments, payments, history), assessing a member, and
the scope's list of current assessments."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core.forms import add_service_error
from alxa_dangjian.core.history import changes
from alxa_dangjian.core.periods import month_start
from branches.models import Member

from ..forms.members import AssessmentForm
from ..models import DuesAssessment, DuesMonth
from ..services.access import may_record
from ..services.assessments import assess_member

PAGE_SIZE = 50


@require_GET
def member_dues(request, pk):
    member = get_visible_or_404(Member.objects.select_related("organization"), request.user, pk=pk)
    assessments = list(
        member.dues_assessments.select_related("rate_table", "created_by").order_by(
            "-effective_from"
        )
    )
    payments = member.dues_payments.select_related("recorded_by").order_by("-paid_on", "-pk")[:60]
    paid_months = {payment_id: months for payment_id, months in _months_by_payment(member).items()}
    history = DuesAssessment.history.filter(member_id=member.pk).select_related("history_user")
    return render(
        request,
        "dues/member_dues.html",
        {
            "member": member,
            "assessments": assessments,
            "payments": [(p, paid_months.get(p.pk, [])) for p in payments],
            "changes": changes(history, subject=lambda r: f"{r.effective_from:%Y年%m月}起"),
            "may_record": may_record(request.user, member.organization)
            and not member.organization.is_temporary,
        },
    )


def _months_by_payment(member):
    result = {}
    for payment_id, month in DuesMonth.objects.filter(member=member).values_list(
        "payment_id", "month"
    ):
        result.setdefault(payment_id, []).append(month)
    return result


@require_http_methods(["GET", "POST"])
def member_assess(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    member = get_visible_or_404(Member.objects.select_related("organization"), request.user, pk=pk)
    current = (
        member.dues_assessments.filter(effective_from__lte=month_start(timezone.localdate()))
        .order_by("-effective_from")
        .first()
    )
    initial = {"effective_from": month_start(timezone.localdate())}
    if current is not None:
        initial |= {
            "base_kind": current.base_kind,
            "base_amount": current.base_amount,
            "voluntary_extra": current.voluntary_extra,
        }
    else:
        initial["base_kind"] = _kind_for(member)
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assess_member(
                member,
                effective_from=data["effective_from"],
                base_kind=data["base_kind"],
                base_amount=data["base_amount"] or 0,
                voluntary_extra=data["voluntary_extra"] or 0,
                reduction=data["reduction"],
                reduced_due=data["reduced_due"],
                approval_number=data["approval_number"],
                reduction_reason=data["reduction_reason"],
                reason=data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已核定{member.name}的党费。")
            return redirect("dues:member-dues", member.pk)
    return render(request, "dues/assessment_form.html", {"form": form, "member": member})


def _kind_for(member) -> str:
    return {
        Member.Category.RETIRED: "pension",
        Member.Category.STUDENT: "student",
        Member.Category.HERDER: "farmer",
    }.get(member.category, "salary")


@require_GET
def duesassessment_list(request):
    """Members of the scope with the assessment in force this month (or none yet)."""
    month = month_start(timezone.localdate())
    latest = DuesAssessment.objects.filter(
        member=OuterRef("pk"), effective_from__lte=month
    ).order_by("-effective_from")
    members = (
        Member.objects.visible_to(request.user)
        .in_good_standing()
        .select_related("organization")
        .annotate(assessment_id=Subquery(latest.values("pk")[:1]))
        .order_by("organization__path", "name", "pk")
    )
    if request.GET.get("missing") == "1":
        members = members.filter(assessment_id__isnull=True)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    found = DuesAssessment.objects.in_bulk([m.assessment_id for m in page if m.assessment_id])
    rows = [(member, found.get(member.assessment_id)) for member in page]
    return render(
        request,
        "dues/assessment_list.html",
        {"page": page, "rows": rows, "missing": request.GET.get("missing") == "1"},
    )


@require_GET
def duesassessment_detail(request, pk):
    assessment = get_visible_or_404(
        DuesAssessment.objects.select_related("member__organization", "rate_table", "created_by"),
        request.user,
        pk=pk,
    )
    history = assessment.history.select_related("history_user")
    return render(
        request,
        "dues/assessment_detail.html",
        {"assessment": assessment, "changes": changes(history)},
    )


urlpatterns = [
    path("members/<int:pk>/", member_dues, name="member-dues"),
    path("members/<int:pk>/assess/", member_assess, name="member-assess"),
    path("assessments/", duesassessment_list, name="duesassessment-list"),
    path("assessments/<int:pk>/", duesassessment_detail, name="duesassessment-detail"),
]
