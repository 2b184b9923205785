import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from alxa_dangjian.core.forms import call_service, fields_of

from ..forms.development import ProbationDecisionForm
from ..forms.members import (
    LostContactForm,
    MemberEditForm,
    MemberFilterForm,
    MemberForm,
    TransferForm,
    TransferInForm,
    TransferOutForm,
    member_branches,
)
from ..history import PAGE_LIMIT, member_changes
from ..models import Member, MemberTransfer, TransferRequest
from ..services import members as member_services
from ..services import probation, transfer_requests

PAGE_SIZE = 50


@require_GET
def member_list(request):
    """The roster of the user's subtree; ID numbers and phones are masked."""
    members = Member.objects.visible_to(request.user).select_related("organization", "party_group")
    form = MemberFilterForm(request.GET, by=request.user)
    members = form.filter(members).order_by("organization__path", "name", "pk")
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/member_list.html",
        {
            "form": form,
            "page": page,
            "today": datetime.date.today(),
            "can_edit": request.user.may(roles.EDIT_RECORDS),
        },
    )


def _member_page(request, member, *, id_number=None, status=200):
    transfers = member.transfers.select_related(
        "from_organization", "to_organization", "recorded_by"
    )
    seats = member.seats.select_related("organization").order_by("-started_on")
    history = member_changes(member)
    return render(
        request,
        "branches/member_detail.html",
        {
            "member": member,
            "transfers": transfers,
            "seats": seats,
            "history": history[:PAGE_LIMIT],
            "history_more": len(history) > PAGE_LIMIT,
            "id_number": id_number,
            "today": datetime.date.today(),
            "can_edit": request.user.may(roles.EDIT_RECORDS),
            "lost_contact_form": LostContactForm(initial={"since": datetime.date.today()}),
        },
        status=status,
    )


def _visible_member(request, pk):
    return get_visible_or_404(
        Member.objects.select_related("organization", "party_group"), request.user, pk=pk
    )


def _editable_member(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    return _visible_member(request, pk)


@require_GET
def member_detail(request, pk):
    # A transfer waiting for the receiver (at most one): shown with a link, in the same query.
    pending = TransferRequest.objects.filter(member=OuterRef("pk"), status="pending")
    members = Member.objects.select_related("organization", "party_group").annotate(
        pending_transfer_pk=Subquery(pending.values("pk")[:1]),
        pending_transfer_to=Subquery(pending.values("to_organization__name")[:1]),
    )
    return _member_page(request, get_visible_or_404(members, request.user, pk=pk))


@require_GET
def member_history(request, pk):
    """The member's whole 变更记录, paginated; the member page shows the newest."""
    member = _visible_member(request, pk)
    history = member_changes(member)
    page = Paginator(history, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/history_page.html",
        {
            "title": f"{member.name} · 变更记录",
            "back": member.get_absolute_url(),
            "back_label": f"返回{member.name}",
            "page": page,
            "total": len(history),
        },
    )


@never_cache
@require_POST
def member_reveal(request, pk):
    """The full ID number, for roles that keep the roster; every reveal is logged."""
    member = _editable_member(request, pk)
    id_number = member_services.reveal_id_number(member, by=request.user)
    if request.headers.get("HX-Request"):
        return render(
            request, "branches/_id_number.html", {"member": member, "id_number": id_number}
        )
    return _member_page(request, member, id_number=id_number)


@require_http_methods(["GET", "POST"])
def member_create(request):
    roles.require(request.user, roles.EDIT_RECORDS)
    initial = {}
    branches = member_branches(request.user)
    if chosen := params.pk(request, "organization"):
        initial["organization"] = branches.filter(pk=chosen).first()
    form = MemberForm(request.POST or None, initial=initial, by=request.user)
    if request.method == "POST" and form.is_valid():
        member = call_service(form, member_services.save_member, form.instance, by=request.user)
        if not form.errors:
            messages.success(request, f"已登记党员“{member.name}”。")
            return redirect(member)
    return render(
        request,
        "branches/member_form.html",
        {"form": form, "title": "新增党员", "has_branches": branches.exists()},
    )


@require_http_methods(["GET", "POST"])
def member_transfer_in(request):
    """A member transferred in from an organisation outside the system (转入)."""
    roles.require(request.user, roles.EDIT_RECORDS)
    form = TransferInForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        member = call_service(
            form,
            member_services.receive_member,
            form.instance,
            from_external=form.cleaned_data["from_external"],
            **_transfer_fields(request, form),
        )
        if not form.errors:
            messages.success(request, f"已办理“{member.name}”的组织关系转入。")
            return redirect(member)
    return render(
        request,
        "branches/member_form.html",
        {
            "form": form,
            "title": "转入党员（来自系统外党组织）",
            "has_branches": member_branches(request.user).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def member_edit(request, pk):
    member = _editable_member(request, pk)
    form = MemberEditForm(request.POST or None, instance=member, by=request.user)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data.get("change_reason", "")
        call_service(
            form, member_services.save_member, form.instance, by=request.user, reason=reason
        )
        if not form.errors:
            messages.success(request, f"已保存党员“{member.name}”的信息。")
            return redirect(member)
    return render(
        request,
        "branches/member_form.html",
        {"form": form, "member": member, "title": f"编辑党员：{member.name}", "has_branches": True},
    )


@require_http_methods(["GET", "POST"])
def member_transfer(request, pk):
    """系统内调动. The sender acts; afterwards the member is in the receiving branch's scope."""
    member = _editable_member(request, pk)
    form = TransferForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source = member.organization
        # A branch outside the user's subtree receives only by accepting (转出待接收).
        immediate = member_services.may_act_on(request.user, data["to"])
        move = member_services.transfer_member if immediate else transfer_requests.request_transfer
        transfer = call_service(
            form, move, member, to=data["to"], **_transfer_fields(request, form)
        )
        if not form.errors:
            if not immediate:
                messages.success(
                    request,
                    f"已向{transfer.to_organization.name}发起“{member.name}”的组织关系转接，"
                    "待对方接收后完成；接收前该党员仍在本支部。",
                )
                return redirect(transfer)
            messages.success(
                request,
                f"已将“{member.name}”的组织关系转至{transfer.to_organization.name}。",
            )
            if Member.objects.visible_to(request.user).filter(pk=member.pk).exists():
                return redirect(member)
            return redirect(source)
    return _transfer_page(request, member, form, kind=MemberTransfer.Kind.INTERNAL)


@require_http_methods(["GET", "POST"])
def member_transfer_out(request, pk):
    """转出 to an organisation outside the system; the record stays, standing 转出."""
    member = _editable_member(request, pk)
    form = TransferOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        call_service(
            form,
            member_services.transfer_member_out,
            member,
            to_external=form.cleaned_data["to_external"],
            **_transfer_fields(request, form),
        )
        if not form.errors:
            messages.success(request, f"已办理“{member.name}”的组织关系转出。")
            return redirect(member)
    return _transfer_page(request, member, form, kind=MemberTransfer.Kind.OUT)


@require_http_methods(["GET", "POST"])
def member_probation(request, pk):
    """转正, 延长预备期 or 取消预备党员资格: a 支部大会 decision, recorded with its vote."""
    member = _editable_member(request, pk)
    form = ProbationDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decide = {
            "confirm": probation.confirm_probation,
            "extend": probation.extend_probation,
            "cancel": probation.cancel_probation,
        }
        extra = {"months": data["months"]} if data["kind"] == "extend" else {}
        decision = call_service(
            form,
            decide[data["kind"]],
            member,
            **fields_of(form, "held_on", "reason", "present_voters", "votes_for"),
            by=request.user,
            **extra,
        )
        if not form.errors:
            messages.success(request, f"已登记“{member.name}”的{decision.get_kind_display()}决定。")
            return redirect(member)
    return render(
        request,
        "branches/member_probation.html",
        {
            "member": member,
            "form": form,
            "decisions": member.probation_decisions.select_related("recorded_by"),
        },
    )


def _transfer_fields(request, form):
    """What every transfer records besides where to: the day, the letter and who."""
    data = form.cleaned_data
    return {
        "on": data["transferred_on"],
        "letter_number": data["letter_number"],
        "by": request.user,
    }


def _transfer_page(request, member, form, *, kind):
    return render(
        request,
        "branches/member_transfer.html",
        {"member": member, "form": form, "kind": MemberTransfer.Kind(kind)},
    )


@require_POST
def member_lost_contact(request, pk):
    """Set (with the date contact was lost) or clear the 失联 flag."""
    member = _editable_member(request, pk)
    if request.POST.get("clear"):
        member_services.clear_lost_contact(member, by=request.user)
        messages.success(request, f"已取消“{member.name}”的失联标记。")
        return redirect(member)
    form = LostContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写有效的失联起始日期。")
        return redirect(member)
    try:
        member_services.set_lost_contact(member, since=form.cleaned_data["since"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"已标记“{member.name}”为失联党员。")
    return redirect(member)


urlpatterns = [
    path("members/", member_list, name="member-list"),
    path("members/new/", member_create, name="member-create"),
    path("members/transfer-in/", member_transfer_in, name="member-transfer-in"),
    path("members/<int:pk>/", member_detail, name="member-detail"),
    path("members/<int:pk>/edit/", member_edit, name="member-edit"),
    path("members/<int:pk>/history/", member_history, name="member-history"),
    path("members/<int:pk>/reveal-id/", member_reveal, name="member-reveal"),
    path("members/<int:pk>/transfer/", member_transfer, name="member-transfer"),
    path("members/<int:pk>/transfer-out/", member_transfer_out, name="member-transfer-out"),
    path("members/<int:pk>/lost-contact/", member_lost_contact, name="member-lost-contact"),
    path("members/<int:pk>/probation/", member_probation, name="member-probation"),
]
