"""Transfers into a branch the sender may not act on (转出待接收).

The sender starts a request; the member stays in the sending branch, and counts there, until
the receiving branch's secretary or a committee above it accepts (the member then moves, with
the MemberTransfer of `members.transfer_member`, recorded by the receiver). The receiver may
decline with a reason, the sender may withdraw; either way the member stays. Every step is a
history row of the request (who, when, reason), and the other side is told through the bell.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching
from alxa_dangjian.core.notifications import notify

from ..models import Member, Organization, TransferRequest
from . import members as member_services

Status = TransferRequest.Status
REASON_MAX = 200
NO_RECEIVE_RIGHT = "只有接收党支部的书记或其上级党组织可以接收或拒绝。"
NO_SEND_RIGHT = "只有转出党支部的书记或其上级党组织可以撤回。"


def incoming(user: User):
    """Requests waiting for this user's side to accept (into their subtree)."""
    if not user.may(roles.EDIT_RECORDS) or user.organization is None:
        return TransferRequest.objects.none()
    return TransferRequest.objects.visible_to(user).incoming_to(user.organization.path).pending()


def may_receive(user: User, request: TransferRequest) -> bool:
    return member_services.may_act_on(user, request.to_organization)


def may_withdraw(user: User, request: TransferRequest) -> bool:
    return member_services.may_act_on(user, request.from_organization)


def _record(request: TransferRequest, by: User, reason: str) -> None:
    request._history_user = by
    request._change_reason = reason
    request.save()


@transaction.atomic
def request_transfer(
    member: Member, *, to: Organization, on: datetime.date, letter_number: str = "", by: User
) -> TransferRequest:
    """The sender asks a branch outside their subtree to receive the member."""
    caching.changed(caching.MEMBERS)
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    if not member_services.may_act_on(by, member.organization):
        raise PermissionDenied("只有党员所在党支部的书记或其上级党组织可以办理转接。")
    member_services.check_receiver(member, to)
    if member_services.may_act_on(by, to):
        raise ValidationError({"to": "接收党支部在您的管理范围内，请直接办理调动。"})
    member_services.check_transferable(member, on=on)
    request = TransferRequest(
        member=member,
        from_organization=member.organization,
        to_organization=to,
        transferred_on=on,
        letter_number=letter_number.strip(),
        requested_by=by,
    )
    _record(request, by, "发起组织关系转接，待接收方接收")
    _tell(
        to,
        request,
        "待接收的组织关系转接：{name}".format(name=member.name),
        "转出党组织：{org}".format(org=member.organization.name),
    )
    return request


def _locked(request: TransferRequest) -> TransferRequest:
    current = (
        TransferRequest.objects.select_for_update()
        .select_related("member", "from_organization", "to_organization")
        .get(pk=request.pk)
    )
    if current.status != Status.PENDING:
        message = "该转接{status}，不能再处理。"
        raise ValidationError(message.format(status=current.get_status_display()))
    return current


def _decided(request: TransferRequest, status: str, by: User, reason: str = "") -> None:
    request.status = status
    request.decided_by, request.decided_at, request.reason = by, timezone.now(), reason


@transaction.atomic
def accept_transfer(request: TransferRequest, *, by: User) -> TransferRequest:
    """The receiver accepts: the member moves to the receiving branch now."""
    caching.changed(caching.MEMBERS, caching.ORGANIZATIONS)
    request = _locked(request)
    if not may_receive(by, request):
        raise PermissionDenied(NO_RECEIVE_RIGHT)
    member = Member.objects.select_for_update().get(pk=request.member_id)
    if member.organization_id != request.from_organization_id:
        raise ValidationError("党员所在党支部已发生变化，请转出方撤回后重新发起。")
    _decided(request, Status.ACCEPTED, by)
    _record(request, by, "接收方已接收")
    request.transfer = member_services.transfer_member(
        member,
        to=request.to_organization,
        on=request.transferred_on,
        letter_number=request.letter_number,
        by=by,
    )
    request.save(update_fields=["transfer"])
    _tell(
        request.from_organization,
        request,
        "组织关系转接已接收：{name}".format(name=member.name),
        "接收党组织：{org}".format(org=request.to_organization.name),
    )
    return request


@transaction.atomic
def decline_transfer(request: TransferRequest, *, reason: str, by: User) -> TransferRequest:
    """The receiver declines, with a reason: the member stays in the sending branch."""
    caching.changed(caching.MEMBERS)
    request = _locked(request)
    if not may_receive(by, request):
        raise PermissionDenied(NO_RECEIVE_RIGHT)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "拒绝时请填写原因。"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"原因不能超过{REASON_MAX}字。"})
    _decided(request, Status.DECLINED, by, reason)
    _record(request, by, reason)
    _tell(
        request.from_organization,
        request,
        "组织关系转接被拒绝：{name}".format(name=request.member.name),
        reason,
    )
    return request


@transaction.atomic
def withdraw_transfer(request: TransferRequest, *, by: User) -> TransferRequest:
    """The sender withdraws a request not yet accepted: the member stays."""
    caching.changed(caching.MEMBERS)
    request = _locked(request)
    if not may_withdraw(by, request):
        raise PermissionDenied(NO_SEND_RIGHT)
    _decided(request, Status.WITHDRAWN, by)
    _record(request, by, "转出方撤回")
    return request


def _tell(organization: Organization, request: TransferRequest, title: str, body: str) -> None:
    """The bell for the users of `organization` who keep its records (after commit)."""
    users = roles.record_keepers(organization)
    if not users:
        return
    key = f"transfer:{request.pk}:{request.status}"
    url = request.get_absolute_url()
    transaction.on_commit(lambda: notify(users, key=key, title=title, body=body, url=url))
