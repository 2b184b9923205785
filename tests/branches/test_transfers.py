"""组织关系转接: between branches of the system, out of it and in from outside, each kept as
history; a 临时党支部 never receives a member."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alxa_dangjian.core.idnumber import make_id_number
from branches.models import (
    CommitteeSeat,
    Member,
    MemberTransfer,
    Organization,
    PartyGroup,
    TransferRequest,
)
from branches.services import members as member_services
from branches.services import transfer_requests
from tests.factories import CommitteeSeatFactory, MemberFactory, OrganizationFactory, UserFactory

D = datetime.date
Kind = MemberTransfer.Kind


@pytest.fixture
def member(branch_a):
    return MemberFactory(organization=branch_a, name="巴图")


@pytest.fixture
def temporary(committee_a):
    return OrganizationFactory(parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH)


# Between branches ----------------------------------------------------------------------------


def test_transfer_moves_the_member_and_keeps_history(member, branch_a, branch_b, staff):
    # Immediate where the actor may act on the receiver (the work committee: the whole league).
    transfer = member_services.transfer_member(
        member, to=branch_b, on=D(2025, 3, 1), letter_number="阿直机转〔2025〕5号", by=staff
    )
    member.refresh_from_db()
    assert member.organization == branch_b
    assert (transfer.kind, transfer.from_organization, transfer.to_organization) == (
        Kind.INTERNAL,
        branch_a,
        branch_b,
    )
    assert transfer.recorded_by == staff and transfer.letter_number == "阿直机转〔2025〕5号"


def test_a_transferred_member_leaves_posts_and_group(member, branch_a, branch_a2, committee_admin):
    seat = CommitteeSeatFactory(
        organization=branch_a, member=member, post=CommitteeSeat.Post.SECRETARY
    )
    group = PartyGroup.objects.create(organization=branch_a, name="第一党小组", leader=member)
    Member.objects.filter(pk=member.pk).update(party_group=group)
    member.refresh_from_db()
    member_services.transfer_member(member, to=branch_a2, on=D(2025, 3, 1), by=committee_admin)
    seat.refresh_from_db()
    group.refresh_from_db()
    member.refresh_from_db()
    assert seat.ended_on == D(2025, 3, 1) and group.leader is None and member.party_group is None


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("temporary", "临时党支部不接收党员组织关系"),
        ("same", "接收党组织不能是党员现在所在的党支部。"),
        ("committee", "党员组织关系须转入党支部"),
        ("withdrawn", "接收党组织已撤销，不能转入。"),
    ],
)
def test_transfer_to_a_branch_that_cannot_receive_changes_nothing(
    member, branch_a, committee_a, temporary, secretary, target, message
):
    withdrawn = OrganizationFactory(parent=committee_a, is_active=False)
    to = {
        "temporary": temporary,
        "same": branch_a,
        "committee": committee_a,
        "withdrawn": withdrawn,
    }
    with pytest.raises(ValidationError) as error:
        member_services.transfer_member(member, to=to[target], on=D(2025, 3, 1), by=secretary)
    assert message in " ".join(error.value.messages)
    member.refresh_from_db()
    assert member.organization == branch_a and not MemberTransfer.objects.exists()


def test_only_members_in_good_standing_are_transferred(branch_a, branch_a2, secretary):
    suspended = MemberFactory(organization=branch_a, standing=Member.Standing.SUSPENDED)
    with pytest.raises(ValidationError, match="停止党籍"):
        member_services.transfer_member(suspended, to=branch_a2, on=D(2025, 3, 1), by=secretary)


def test_transfer_dates_are_not_in_the_future_nor_before_the_last(
    member, branch_a2, branch_b, staff
):
    with pytest.raises(ValidationError, match="转接日期不能晚于今天"):
        member_services.transfer_member(member, to=branch_a2, on=D(2999, 1, 1), by=staff)
    member_services.transfer_member(member, to=branch_a2, on=D(2025, 3, 1), by=staff)
    with pytest.raises(ValidationError, match="转接日期不能早于上一次转接"):
        member_services.transfer_member(member, to=branch_b, on=D(2025, 2, 1), by=staff)
    assert MemberTransfer.objects.count() == 1


def test_secretary_sends_a_member_out_of_their_scope(client, secretary, member, branch_a, branch_b):
    client.force_login(secretary)
    url = reverse("branches:member-transfer", args=[member.pk])
    body = client.get(url).content.decode()
    assert branch_b.name in body  # any branch of the league may receive
    response = client.post(
        url, {"to": branch_b.pk, "transferred_on": "2025-03-01", "letter_number": "5"}
    )
    # outside the sender's subtree: pending until the receiver accepts (test_transfer_consent)
    transfer_request = TransferRequest.objects.get()
    assert response.status_code == 302 and response.url == transfer_request.get_absolute_url()
    assert client.get(member.get_absolute_url()).status_code == 200
    receiver = UserFactory(organization=branch_b)
    transfer_requests.accept_transfer(transfer_request, by=receiver)
    # the member now belongs to the receiving branch: the sender no longer sees them
    assert client.get(member.get_absolute_url()).status_code == 404
    client.force_login(receiver)
    history = (
        client.get(member.get_absolute_url()).content.decode().split('data-testid="transfers"')[1]
    )
    assert "系统内调动" in history and branch_a.name in history and branch_b.name in history


def test_committee_admin_moves_a_member_within_the_subtree(
    client, committee_admin, member, branch_a2
):
    client.force_login(committee_admin)
    url = reverse("branches:member-transfer", args=[member.pk])
    response = client.post(url, {"to": branch_a2.pk, "transferred_on": "2025-03-01"})
    assert response.status_code == 302 and response.url == member.get_absolute_url()


def test_transfer_form_offers_no_temporary_branch(client, secretary, member, branch_a, temporary):
    client.force_login(secretary)
    url = reverse("branches:member-transfer", args=[member.pk])
    options = client.get(url).content.decode().split('name="to"')[1].split("</select>")[0]
    assert temporary.name not in options and branch_a.name not in options
    response = client.post(url, {"to": temporary.pk, "transferred_on": "2025-03-01"})
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    member.refresh_from_db()
    assert member.organization == branch_a


# Out of the system ---------------------------------------------------------------------------


def test_transfer_out_keeps_the_record_with_standing_transferred_out(member, branch_a, secretary):
    seat = CommitteeSeatFactory(organization=branch_a, member=member)
    transfer = member_services.transfer_member_out(
        member,
        to_external="中共银川市委组织部",
        on=D(2025, 4, 1),
        letter_number="阿组转12",
        by=secretary,
    )
    member.refresh_from_db()
    seat.refresh_from_db()
    assert member.standing == Member.Standing.TRANSFERRED_OUT and member.organization == branch_a
    assert transfer.kind == Kind.OUT and transfer.external_organization == "中共银川市委组织部"
    assert transfer.from_organization == branch_a and transfer.to_organization is None
    assert seat.ended_on == D(2025, 4, 1)


@pytest.mark.parametrize(
    ("to_external", "letter_number", "message"),
    [
        ("", "12", "请填写接收党组织的名称。"),
        ("中共银川市委组织部", " ", "请填写组织关系介绍信编号。"),
    ],
)
def test_transfer_out_needs_the_receiver_and_the_letter(
    member, secretary, to_external, letter_number, message
):
    with pytest.raises(ValidationError, match=message):
        member_services.transfer_member_out(
            member,
            to_external=to_external,
            on=D(2025, 4, 1),
            letter_number=letter_number,
            by=secretary,
        )
    member.refresh_from_db()
    assert member.standing == Member.Standing.NORMAL and not MemberTransfer.objects.exists()


def test_transfer_out_view(client, secretary, member):
    client.force_login(secretary)
    url = reverse("branches:member-transfer-out", args=[member.pk])
    response = client.post(
        url,
        {
            "to_external": "中共银川市委组织部",
            "transferred_on": "2025-04-01",
            "letter_number": "12",
        },
    )
    assert response.status_code == 302
    body = client.get(member.get_absolute_url()).content.decode()
    assert "转出" in body and "中共银川市委组织部" in body
    assert "系统内调动</a>" not in body  # no further transfers offered
    # the second attempt is refused: the member is no longer in good standing
    response = client.post(
        url, {"to_external": "别处", "transferred_on": "2025-04-02", "letter_number": "13"}
    )
    assert "不能办理组织关系转接" in response.content.decode()
    assert MemberTransfer.objects.count() == 1


def test_transferred_out_members_leave_the_default_list(client, secretary, member):
    member_services.transfer_member_out(
        member, to_external="外地党委", on=D(2025, 4, 1), letter_number="12", by=secretary
    )
    client.force_login(secretary)
    list_url = reverse("branches:member-list")
    assert member.name not in client.get(list_url).content.decode()
    assert member.name in client.get(list_url, {"standing": "transferred_out"}).content.decode()


# In from outside -----------------------------------------------------------------------------

TRANSFER_IN = reverse("branches:member-transfer-in")


def transfer_in_data(branch, id_number, **overrides):
    data = {
        "organization": branch.pk,
        "name": "萨仁",
        "id_number": id_number,
        "ethnicity": "蒙古族",
        "education": "bachelor",
        "category": "civil_servant",
        "joined_on": "2012-07-01",
        "status": "full",
        "probation_extension_months": "0",
        "confirmed_on": "2013-07-01",
        "from_external": "中共乌海市海勃湾区委组织部",
        "transferred_on": "2025-02-10",
        "letter_number": "海组转〔2025〕3号",
    }
    data.update(overrides)
    return data


NEW_ID = make_id_number(region="150302", birth_date=D(1988, 8, 8), sequence=10, gender="female")


def test_transfer_in_creates_the_member_with_history(client, secretary, branch_a):
    client.force_login(secretary)
    response = client.post(TRANSFER_IN, transfer_in_data(branch_a, NEW_ID))
    member = Member.objects.get()
    assert response.status_code == 302 and response.url == member.get_absolute_url()
    assert member.organization == branch_a and member.birth_date == D(1988, 8, 8)
    transfer = member.transfers.get()
    assert transfer.kind == Kind.IN and transfer.to_organization == branch_a
    assert transfer.external_organization == "中共乌海市海勃湾区委组织部"
    assert transfer.transferred_on == D(2025, 2, 10) and transfer.recorded_by == secretary


def test_a_member_who_left_comes_back_on_the_same_record(
    client, secretary, committee_admin, branch_a, branch_a2
):
    old = MemberFactory(
        organization=branch_a2, id_number=NEW_ID, gender="female", birth_date=D(1988, 8, 8)
    )
    member_services.transfer_member_out(
        old, to_external="外地", on=D(2024, 1, 1), letter_number="1", by=committee_admin
    )
    client.force_login(secretary)
    response = client.post(TRANSFER_IN, transfer_in_data(branch_a, NEW_ID))
    assert response.status_code == 302
    old.refresh_from_db()
    assert Member.objects.count() == 1
    assert old.organization == branch_a and old.standing == Member.Standing.NORMAL
    assert old.name == "萨仁"
    assert list(old.transfers.values_list("kind", flat=True)) == [Kind.IN, Kind.OUT]


def test_transfer_in_of_someone_already_in_the_system_is_refused(
    client, secretary, branch_a, branch_b
):
    MemberFactory(
        organization=branch_b, id_number=NEW_ID, gender="female", birth_date=D(1988, 8, 8)
    )
    client.force_login(secretary)
    response = client.post(TRANSFER_IN, transfer_in_data(branch_a, NEW_ID))
    # Held in another subtree: the neutral answer, which names nobody.
    assert "该身份证号码不能在此登记，请联系上级党组织核实。" in response.content.decode()
    assert Member.objects.count() == 1 and not MemberTransfer.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"from_external": ""}, "这个字段是必填项"),
        ({"letter_number": ""}, "这个字段是必填项"),
        ({"transferred_on": "2999-01-01"}, "转接日期不能晚于今天。"),
        ({"id_number": NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")}, "身份证号码校验位错误"),
    ],
)
def test_bad_transfer_in_changes_nothing(client, secretary, branch_a, overrides, message):
    client.force_login(secretary)
    response = client.post(TRANSFER_IN, {**transfer_in_data(branch_a, NEW_ID), **overrides})
    assert response.status_code == 200 and message in response.content.decode()
    assert not Member.objects.exists() and not MemberTransfer.objects.exists()


def test_transfer_in_to_a_temporary_branch_is_blocked_on_every_path(
    client, committee_admin, temporary
):
    client.force_login(committee_admin)
    response = client.post(TRANSFER_IN, transfer_in_data(temporary, NEW_ID))
    assert "选择一个有效的选项" in response.content.decode()
    member = Member(
        organization=temporary,
        name="萨仁",
        id_number=NEW_ID,
        gender="female",
        birth_date=D(1988, 8, 8),
        education="bachelor",
        joined_on=D(2012, 7, 1),
        status="full",
    )
    with pytest.raises(ValidationError, match="临时党支部不接收党员组织关系"):
        member_services.receive_member(
            member, from_external="外地", on=D(2025, 1, 1), letter_number="1", by=committee_admin
        )
    assert not Member.objects.exists() and not MemberTransfer.objects.exists()


# Access --------------------------------------------------------------------------------------


def test_outsider_gets_404_and_nothing_moves(client, outsider, member, branch_a, branch_b):
    client.force_login(outsider)
    for name, data in [
        ("member-transfer", {"to": branch_b.pk, "transferred_on": "2025-03-01"}),
        (
            "member-transfer-out",
            {"to_external": "x", "transferred_on": "2025-03-01", "letter_number": "1"},
        ),
    ]:
        url = reverse(f"branches:{name}", args=[member.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    member.refresh_from_db()
    assert member.organization == branch_a and member.standing == Member.Standing.NORMAL
    assert not MemberTransfer.objects.exists()


def test_transfer_in_offers_only_the_users_branches(client, outsider, branch_a):
    client.force_login(outsider)
    assert branch_a.name not in client.get(TRANSFER_IN).content.decode()
    response = client.post(TRANSFER_IN, transfer_in_data(branch_a, NEW_ID))
    assert response.status_code == 200 and not Member.objects.exists()


def test_wrong_method_is_405(client, secretary, member):
    client.force_login(secretary)
    assert client.put(TRANSFER_IN).status_code == 405
    assert client.delete(reverse("branches:member-transfer", args=[member.pk])).status_code == 405
    assert (
        client.patch(reverse("branches:member-transfer-out", args=[member.pk])).status_code == 405
    )
