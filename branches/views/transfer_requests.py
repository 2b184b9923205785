"""Pending transfers into another subtree (转出待接收): both sides' lists, the request page,
and accept / decline (the receiver) or withdraw (the sender), each a CSRF-protected POST."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404

from ..models import TransferRequest
from ..services import transfer_requests

PAGE_SIZE = 30
Status = TransferRequest.Status
DIRECTIONS = {"in": "转入本组织（待本方接收）", "out": "本组织转出（待对方接收）"}


def _requests(user):
    return TransferRequest.objects.visible_to(user).select_related(
        "member", "from_organization", "to_organization", "requested_by", "decided_by"
    )


@require_GET
def transferrequest_list(request):
    """?direction=in (default): into the user's subtree; out: from it. ?status=all shows
    every request, not only the pending ones."""
    user = request.user
    direction = request.GET.get("direction", "in")
    direction = direction if direction in DIRECTIONS else "in"
    show_all = request.GET.get("status") == "all"
    requests = _requests(user)
    path_ = user.organization.path if user.organization else ""
    side = requests.incoming_to if direction == "in" else requests.outgoing_from
    requests = side(path_)
    if not show_all:
        requests = requests.pending()
    page = Paginator(requests.order_by("-requested_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "branches/transferrequest_list.html",
        {
            "page": page,
            "direction": direction,
            "directions": DIRECTIONS.items(),
            "show_all": show_all,
        },
    )


@require_GET
def transferrequest_detail(request, pk):
    transfer_request = get_visible_or_404(_requests(request.user), request.user, pk=pk)
    user = request.user
    pending = transfer_request.status == Status.PENDING
    return render(
        request,
        "branches/transferrequest_detail.html",
        {
            "transfer_request": transfer_request,
            "may_receive": pending and transfer_requests.may_receive(user, transfer_request),
            "may_withdraw": pending and transfer_requests.may_withdraw(user, transfer_request),
        },
    )


def _act(request, pk, action, done: str):
    roles.require(request.user, roles.EDIT_RECORDS)
    transfer_request = get_visible_or_404(TransferRequest, request.user, pk=pk)
    try:
        action(transfer_request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(transfer_request)


@require_POST
def transferrequest_accept(request, pk):
    return _act(
        request,
        pk,
        lambda r: transfer_requests.accept_transfer(r, by=request.user),
        "已接收，党员组织关系已转入。",
    )


@require_POST
def transferrequest_decline(request, pk):
    return _act(
        request,
        pk,
        lambda r: transfer_requests.decline_transfer(
            r, reason=request.POST.get("reason", ""), by=request.user
        ),
        "已拒绝接收，党员仍在原党支部。",
    )


@require_POST
def transferrequest_withdraw(request, pk):
    return _act(
        request,
        pk,
        lambda r: transfer_requests.withdraw_transfer(r, by=request.user),
        "已撤回该转接，党员仍在本支部。",
    )


urlpatterns = [
    path("transfers/", transferrequest_list, name="transferrequest-list"),
    path("transfers/<int:pk>/", transferrequest_detail, name="transferrequest-detail"),
    path("transfers/<int:pk>/accept/", transferrequest_accept, name="transferrequest-accept"),
    path("transfers/<int:pk>/decline/", transferrequest_decline, name="transferrequest-decline"),
    path("transfers/<int:pk>/withdraw/", transferrequest_withdraw, name="transferrequest-withdraw"),
]
