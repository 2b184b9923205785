"""Transfers into another subtree (转出待接收): the member stays in (and counts for) the
sending branch until the receiving branch or its committee accepts; the receiver may decline
with a reason, the sender may withdraw; every step leaves history. Within the actor's own
subtree a transfer stays immediate."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alxa_dangjian.accounts.models import User
from alxa_dangjian.core.models import Notification
from branches.models import Member, MemberTransfer, Organization, TransferRequest
from branches.services import members as member_services
from branches.services import transfer_requests
from tests.factories import MemberFactory, OrganizationFactory, UserFactory

D = datetime.date
Status = TransferRequest.Status
LIST = reverse("branches:transferrequest-list")


@pytest.fixture
def member(branch_a):
    return MemberFactory(organization=branch_a, name="巴图")


@pytest.fixture
def receiver(branch_b):
    return UserFactory(username="receiver", role=User.Role.SECRETARY, organization=branch_b)


@pytest.fixture
def pending(client, secretary, member, branch_b, receiver, django_capture_on_commit_callbacks):
    """branch_a's secretary sends the member to branch_b (another committee) by the form."""
    client.force_login(secretary)
    url = reverse("branches:member-transfer", args=[member.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"to": branch_b.pk, "transferred_on": "2025-03-01", "letter_number": "阿转5号"}
        )
    request = TransferRequest.objects.get()
    assert response.status_code == 302 and response.url == request.get_absolute_url()
    return request


def roster_count(organization):
    return Member.objects.in_good_standing().in_subtree(organization).count()


def test_a_pending_transfer_keeps_the_member_in_the_source(
    client, pending, member, branch_a, branch_b, secretary, receiver
):
    member.refresh_from_db()
    assert member.organization == branch_a and not MemberTransfer.objects.exists()
    assert (pending.status, pending.from_organization, pending.to_organization) == (
        Status.PENDING,
        branch_a,
        branch_b,
    )
    assert roster_count(branch_a) == 1 and roster_count(branch_b) == 0
    # the sender still sees the member, with the pending transfer and a way to withdraw
    page = client.get(member.get_absolute_url()).content.decode()
    assert 'data-testid="pending-transfer"' in page and pending.get_absolute_url() in page
    # the receiver does not see the member yet, only the request
    client.force_login(receiver)
    assert client.get(member.get_absolute_url()).status_code == 404
    assert client.get(pending.get_absolute_url()).status_code == 200
    assert Notification.objects.get(user=receiver).url == pending.get_absolute_url()
    assert pending.history.get().history_user == secretary


def test_the_receiver_sees_it_on_home_and_accepts(
    client, pending, member, branch_a, branch_b, receiver, secretary
):
    client.force_login(receiver)
    home = client.get(reverse("portal:home")).content.decode()
    queue = home.split('data-testid="consent-queue"')[1]
    assert LIST in queue and 'data-testid="transfers-awaiting-count">1<' in queue
    listing = client.get(LIST).content.decode()
    assert 'data-testid="list-total" data-total="1"' in listing and "巴图" in listing
    page = client.get(pending.get_absolute_url()).content.decode()
    assert 'data-testid="transfer-accept-form"' in page
    assert 'data-testid="transfer-withdraw-form"' not in page
    response = client.post(reverse("branches:transferrequest-accept", args=[pending.pk]))
    assert response.status_code == 302
    pending.refresh_from_db()
    member.refresh_from_db()
    assert pending.status == Status.ACCEPTED and pending.decided_by == receiver
    assert member.organization == branch_b
    transfer = pending.transfer
    assert (transfer.kind, transfer.from_organization, transfer.to_organization) == (
        MemberTransfer.Kind.INTERNAL,
        branch_a,
        branch_b,
    )
    assert transfer.transferred_on == D(2025, 3, 1) and transfer.letter_number == "阿转5号"
    assert roster_count(branch_a) == 0 and roster_count(branch_b) == 1
    assert client.get(member.get_absolute_url()).status_code == 200
    assert 'data-total="0"' in client.get(LIST).content.decode()
    assert [h.history_user for h in pending.history.order_by("history_id")][:2] == [
        secretary,
        receiver,
    ]
    client.force_login(secretary)
    assert client.get(member.get_absolute_url()).status_code == 404


def test_a_committee_above_the_receiver_may_accept(pending, member, committee_b, branch_b):
    admin = UserFactory(role=User.Role.COMMITTEE_ADMIN, organization=committee_b)
    assert transfer_requests.incoming(admin).count() == 1
    transfer_requests.accept_transfer(pending, by=admin)
    member.refresh_from_db()
    assert member.organization == branch_b


def test_the_receiver_declines_with_a_reason_and_the_member_stays(
    client, pending, member, branch_a, receiver, secretary
):
    client.force_login(receiver)
    decline = reverse("branches:transferrequest-decline", args=[pending.pk])
    client.post(decline, {"reason": ""})
    pending.refresh_from_db()
    assert pending.status == Status.PENDING  # a reason is required
    client.post(decline, {"reason": "介绍信信息有误"})
    pending.refresh_from_db()
    member.refresh_from_db()
    assert (pending.status, pending.reason) == (Status.DECLINED, "介绍信信息有误")
    assert member.organization == branch_a and not MemberTransfer.objects.exists()
    assert pending.history.first().history_change_reason == "介绍信信息有误"
    # declined: the member may be sent again
    transfer_requests.request_transfer(
        member, to=pending.to_organization, on=D(2025, 3, 2), by=secretary
    )


def test_the_sender_withdraws_and_the_member_stays(client, pending, member, branch_a, receiver):
    withdraw = reverse("branches:transferrequest-withdraw", args=[pending.pk])
    page = client.get(pending.get_absolute_url()).content.decode()
    assert 'data-testid="transfer-withdraw-form"' in page
    assert 'data-testid="transfer-accept-form"' not in page
    assert client.post(withdraw).status_code == 302
    pending.refresh_from_db()
    member.refresh_from_db()
    assert pending.status == Status.WITHDRAWN and member.organization == branch_a
    # withdrawn: the receiver can no longer accept
    with pytest.raises(ValidationError, match="已撤回"):
        transfer_requests.accept_transfer(pending, by=receiver)
    member.refresh_from_db()
    assert member.organization == branch_a


def test_each_side_acts_only_for_itself(pending, secretary, receiver):
    with pytest.raises(PermissionDenied):
        transfer_requests.accept_transfer(pending, by=secretary)
    with pytest.raises(PermissionDenied):
        transfer_requests.withdraw_transfer(pending, by=receiver)
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_a_pending_member_cannot_be_moved_again(pending, member, staff, branch_a2):
    with pytest.raises(ValidationError, match="待接收"):
        member_services.transfer_member(member, to=branch_a2, on=D(2025, 3, 1), by=staff)
    with pytest.raises(ValidationError, match="待接收"):
        member_services.transfer_member_out(
            member, to_external="外地党支部", on=D(2025, 3, 1), letter_number="1", by=staff
        )
    member.refresh_from_db()
    assert member.organization_id == pending.from_organization_id


def test_the_service_never_moves_a_member_into_another_subtree(member, secretary, branch_b):
    with pytest.raises(ValidationError, match="接收方接收"):
        member_services.transfer_member(member, to=branch_b, on=D(2025, 3, 1), by=secretary)
    member.refresh_from_db()
    assert member.organization != branch_b and not MemberTransfer.objects.exists()


def test_within_the_actors_subtree_the_transfer_stays_immediate(
    client, committee_admin, member, branch_a2
):
    client.force_login(committee_admin)
    url = reverse("branches:member-transfer", args=[member.pk])
    response = client.post(url, {"to": branch_a2.pk, "transferred_on": "2025-03-01"})
    assert response.status_code == 302 and response.url == member.get_absolute_url()
    member.refresh_from_db()
    assert member.organization == branch_a2 and not TransferRequest.objects.exists()


def test_outsiders_get_404_and_nothing_changes(client, pending, member, branch_a, root):
    committee_c = OrganizationFactory(parent=root, type=Organization.Type.COMMITTEE)
    outsider = UserFactory(role=User.Role.COMMITTEE_ADMIN, organization=committee_c)
    client.force_login(outsider)
    assert client.get(pending.get_absolute_url()).status_code == 404
    for name in ("accept", "decline", "withdraw"):
        url = reverse(f"branches:transferrequest-{name}", args=[pending.pk])
        assert client.post(url, {"reason": "x"}).status_code == 404
    for direction in ("in", "out"):
        body = client.get(LIST, {"direction": direction, "status": "all"}).content.decode()
        assert 'data-total="0"' in body
    pending.refresh_from_db()
    member.refresh_from_db()
    assert pending.status == Status.PENDING and member.organization == branch_a


def test_wrong_method_is_405(client, pending):
    for name in ("accept", "decline", "withdraw"):
        url = reverse(f"branches:transferrequest-{name}", args=[pending.pk])
        assert client.get(url).status_code == 405
    assert client.post(LIST).status_code == 405
    assert client.post(pending.get_absolute_url()).status_code == 405


def test_the_sender_lists_outgoing_requests(client, pending):
    body = client.get(LIST, {"direction": "out"}).content.decode()
    assert 'data-total="1"' in body and pending.get_absolute_url() in body
    assert 'data-total="0"' in client.get(LIST).content.decode()  # nothing incoming
    for value in ("²", "x\x00", "in" * 200):
        assert client.get(LIST, {"direction": value, "status": value}).status_code == 200


def test_list_queries_do_not_grow_with_requests(
    client, branch_a, branch_b, secretary, receiver, django_assert_max_num_queries
):
    client.force_login(receiver)
    counts = []
    for n in (2, 12):
        while TransferRequest.objects.count() < n:
            transfer_requests.request_transfer(
                MemberFactory(organization=branch_a), to=branch_b, on=D(2025, 3, 1), by=secretary
            )
        with CaptureQueriesContext(connection) as queries:
            body = client.get(LIST).content.decode()
        assert f'data-total="{n}"' in body
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        client.get(LIST, {"status": "all"})
