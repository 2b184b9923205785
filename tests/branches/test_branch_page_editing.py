"""Editing from the branch page: committee seats, 党小组 and the units served."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.models import CommitteeSeat, Member, Organization, PartyGroup, ServedUnit
from branches.models.terms import PROBATIONARY_SEAT_MESSAGE
from branches.services import organizations as organization_services
from tests.factories import CommitteeSeatFactory, MemberFactory, OrganizationFactory

D = datetime.date
Post = CommitteeSeat.Post


@pytest.fixture
def member_a(branch_a):
    return MemberFactory(organization=branch_a)


@pytest.fixture
def temporary(committee_a):
    return OrganizationFactory(parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH)


# Committee seats ----------------------------------------------------------------------------


def test_a_member_of_the_branch_takes_a_seat(branch_a, member_a, secretary):
    seat = organization_services.add_committee_seat(
        branch_a, member=member_a, post=Post.SECRETARY, started_on=D(2024, 6, 1), by=secretary
    )
    assert seat.is_current and seat.member == member_a


def test_a_member_of_another_branch_cannot_sit_on_the_committee(branch_a, branch_a2, secretary):
    stranger = MemberFactory(organization=branch_a2)
    with pytest.raises(ValidationError) as error:
        organization_services.add_committee_seat(
            branch_a, member=stranger, post=Post.MEMBER, started_on=D(2024, 6, 1), by=secretary
        )
    assert error.value.message_dict["member"] == ["委员须是本支部的党员。"]
    assert not CommitteeSeat.objects.exists()


def test_a_committee_seats_members_of_its_subtree(committee_a, branch_a2, branch_b, staff):
    inside = MemberFactory(organization=branch_a2)
    organization_services.add_committee_seat(
        committee_a, member=inside, post=Post.SECRETARY, started_on=D(2024, 1, 1), by=staff
    )
    with pytest.raises(ValidationError, match="委员须是本组织或其下级组织的党员"):
        organization_services.add_committee_seat(
            committee_a,
            member=MemberFactory(organization=branch_b),
            post=Post.MEMBER,
            started_on=D(2024, 1, 1),
            by=staff,
        )


def test_a_temporary_branch_seats_members_of_the_organisation_that_set_it_up(
    temporary, branch_a2, branch_b, staff
):
    appointed = MemberFactory(organization=branch_a2)
    seat = organization_services.add_committee_seat(
        temporary, member=appointed, post=Post.SECRETARY, started_on=D(2024, 1, 1), by=staff
    )
    assert seat.pk
    with pytest.raises(ValidationError):
        organization_services.add_committee_seat(
            temporary,
            member=MemberFactory(organization=branch_b),
            post=Post.MEMBER,
            started_on=D(2024, 1, 1),
            by=staff,
        )


def test_only_one_current_secretary(branch_a, member_a, secretary):
    CommitteeSeatFactory(organization=branch_a, post=Post.SECRETARY)
    with pytest.raises(ValidationError) as error:
        organization_services.add_committee_seat(
            branch_a, member=member_a, post=Post.SECRETARY, started_on=D(2024, 6, 1), by=secretary
        )
    assert error.value.message_dict["post"] == ["已有现任书记，请先为原书记办理离任。"]


def test_the_same_post_twice_is_refused(branch_a, member_a, secretary):
    CommitteeSeatFactory(organization=branch_a, member=member_a, post=Post.PUBLICITY)
    with pytest.raises(ValidationError, match="该党员已担任此职务"):
        organization_services.add_committee_seat(
            branch_a, member=member_a, post=Post.PUBLICITY, started_on=D(2024, 6, 1), by=secretary
        )


def test_a_member_not_in_good_standing_cannot_take_a_seat(branch_a, secretary):
    suspended = MemberFactory(organization=branch_a, standing=Member.Standing.SUSPENDED)
    with pytest.raises(ValidationError, match="不能担任委员"):
        organization_services.add_committee_seat(
            branch_a, member=suspended, post=Post.MEMBER, started_on=D(2024, 6, 1), by=secretary
        )


def _probationary(branch, **kwargs):
    return MemberFactory(
        organization=branch,
        status=Member.Status.PROBATIONARY,
        joined_on=D(2024, 12, 1),
        confirmed_on=None,
        **kwargs,
    )


@pytest.mark.parametrize("post", [Post.SECRETARY, Post.DEPUTY_SECRETARY, Post.MEMBER])
def test_the_service_refuses_a_seat_for_a_probationary_member(branch_a, secretary, post):
    candidate = _probationary(branch_a)
    with pytest.raises(ValidationError, match="章程》第七条") as caught:
        organization_services.add_committee_seat(
            branch_a, member=candidate, post=post, started_on=D(2025, 1, 6), by=secretary
        )
    assert caught.value.message_dict["member"] == [PROBATIONARY_SEAT_MESSAGE]
    assert not CommitteeSeat.objects.exists()


def test_the_model_refuses_a_seat_for_a_probationary_member(branch_a):
    seat = CommitteeSeat(
        organization=branch_a,
        member=_probationary(branch_a),
        post=Post.ORGANIZATION,
        started_on=D(2025, 1, 6),
    )
    with pytest.raises(ValidationError) as caught:
        seat.full_clean()
    assert caught.value.message_dict == {"member": [PROBATIONARY_SEAT_MESSAGE]}
    # Once confirmed (正式党员) the same member may be elected.
    seat.member.status, seat.member.confirmed_on = Member.Status.FULL, D(2025, 12, 1)
    seat.full_clean()


def test_the_seat_form_marks_and_refuses_a_probationary_member(client, secretary, branch_a):
    candidate = _probationary(branch_a, name="预备甲")
    client.force_login(secretary)
    url = reverse("branches:organization-add-seat", args=[branch_a.pk])
    assert "预备甲（预备党员）" in client.get(url).content.decode()
    response = client.post(
        url, {"member": candidate.pk, "post": Post.SECRETARY, "started_on": "2025-01-06"}
    )
    assert response.status_code == 200
    assert PROBATIONARY_SEAT_MESSAGE in response.content.decode()
    assert not CommitteeSeat.objects.exists()


def test_a_temporary_branch_may_appoint_a_probationary_officer(committee_a, branch_a2, staff):
    # Its officers are appointed by the organisation that set it up, not elected (党章第七条
    # is about the right to be elected), so the seat is accepted.
    temporary = OrganizationFactory(parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH)
    seat = organization_services.add_committee_seat(
        temporary,
        member=_probationary(branch_a2),
        post=Post.SECRETARY,
        started_on=D(2025, 1, 6),
        by=staff,
    )
    assert seat.pk


def test_ending_a_seat(branch_a, secretary):
    seat = CommitteeSeatFactory(organization=branch_a, started_on=D(2023, 6, 1))
    with pytest.raises(ValidationError, match="离任日期不能早于任职日期"):
        organization_services.end_committee_seat(seat, on=D(2023, 1, 1), by=secretary)
    seat.refresh_from_db()
    assert seat.is_current
    organization_services.end_committee_seat(seat, on=D(2024, 6, 1), by=secretary)
    seat.refresh_from_db()
    assert seat.ended_on == D(2024, 6, 1)
    with pytest.raises(ValidationError, match="该委员已离任"):
        organization_services.end_committee_seat(seat, on=D(2024, 7, 1), by=secretary)


def test_seat_views(client, secretary, branch_a, member_a):
    client.force_login(secretary)
    url = reverse("branches:organization-add-seat", args=[branch_a.pk])
    body = client.get(url).content.decode()
    assert member_a.name in body
    response = client.post(
        url, {"member": member_a.pk, "post": Post.SECRETARY, "started_on": "2024-06-01"}
    )
    assert response.status_code == 302
    seat = CommitteeSeat.objects.get()
    other = MemberFactory(organization=branch_a)
    response = client.post(
        url, {"member": other.pk, "post": Post.SECRETARY, "started_on": "2024-06-01"}
    )
    assert "已有现任书记" in response.content.decode()
    end_url = reverse("branches:committeeseat-end", args=[seat.pk])
    assert client.post(end_url, {"ended_on": "2025-01-02"}).status_code == 302
    seat.refresh_from_db()
    assert seat.ended_on == D(2025, 1, 2)


def test_seat_form_offers_only_members_of_the_branch(client, secretary, branch_a, branch_a2):
    stranger = MemberFactory(organization=branch_a2, name="隔壁支部党员")
    client.force_login(secretary)
    url = reverse("branches:organization-add-seat", args=[branch_a.pk])
    assert stranger.name not in client.get(url).content.decode()
    response = client.post(
        url, {"member": stranger.pk, "post": Post.MEMBER, "started_on": "2024-06-01"}
    )
    assert response.status_code == 200
    assert not CommitteeSeat.objects.exists()


# Party groups --------------------------------------------------------------------------------


def test_a_party_group_leader_joins_the_group(branch_a, member_a, secretary):
    group = organization_services.save_party_group(
        PartyGroup(organization=branch_a, name="第一党小组", leader=member_a), by=secretary
    )
    member_a.refresh_from_db()
    assert member_a.party_group == group


def test_a_leader_leads_one_group_at_a_time(branch_a, member_a, secretary):
    first = organization_services.save_party_group(
        PartyGroup(organization=branch_a, name="第一党小组", leader=member_a), by=secretary
    )
    second = organization_services.save_party_group(
        PartyGroup(organization=branch_a, name="第二党小组", leader=member_a), by=secretary
    )
    first.refresh_from_db()
    member_a.refresh_from_db()
    assert first.leader is None and member_a.party_group == second


def test_a_party_group_leader_must_belong_to_the_branch(branch_a, branch_a2, secretary):
    stranger = MemberFactory(organization=branch_a2)
    with pytest.raises(ValidationError) as error:
        organization_services.save_party_group(
            PartyGroup(organization=branch_a, name="第一党小组", leader=stranger), by=secretary
        )
    assert error.value.message_dict["leader"] == ["党小组组长须是本支部的党员。"]
    assert not PartyGroup.objects.exists()


def test_party_groups_only_in_branches_that_keep_members(committee_a, temporary, staff):
    with pytest.raises(ValidationError, match="党小组只能在党支部下设立"):
        organization_services.save_party_group(
            PartyGroup(organization=committee_a, name="小组"), by=staff
        )
    with pytest.raises(ValidationError, match="临时党支部"):
        organization_services.save_party_group(
            PartyGroup(organization=temporary, name="小组"), by=staff
        )
    assert not PartyGroup.objects.exists()


def test_party_group_views(client, secretary, branch_a, member_a):
    client.force_login(secretary)
    url = reverse("branches:organization-add-group", args=[branch_a.pk])
    response = client.post(url, {"name": "第一党小组", "leader": member_a.pk})
    assert response.status_code == 302
    group = PartyGroup.objects.get()
    response = client.post(url, {"name": "第一党小组"})
    assert "本支部已有同名的党小组。" in response.content.decode()
    edit_url = reverse("branches:partygroup-edit", args=[group.pk])
    assert client.post(edit_url, {"name": "机关第一党小组", "leader": ""}).status_code == 302
    group.refresh_from_db()
    assert group.name == "机关第一党小组" and group.leader is None
    assert client.get(reverse("branches:partygroup-delete", args=[group.pk])).status_code == 405
    assert client.post(reverse("branches:partygroup-delete", args=[group.pk])).status_code == 302
    member_a.refresh_from_db()
    assert member_a.party_group is None and Member.objects.filter(pk=member_a.pk).exists()


def test_party_group_page_of_a_temporary_branch_is_blocked(client, committee_admin, temporary):
    client.force_login(committee_admin)
    url = reverse("branches:organization-add-group", args=[temporary.pk])
    assert 'data-testid="blocked"' in client.get(url).content.decode()
    response = client.post(url, {"name": "小组"})
    assert response.status_code == 200 and not PartyGroup.objects.exists()


# Units served --------------------------------------------------------------------------------


def test_units_are_added_and_removed(client, secretary, branch_a):
    client.force_login(secretary)
    url = reverse("branches:organization-add-unit", args=[branch_a.pk])
    assert client.post(url, {"name": " 盟财政局 "}).status_code == 302
    unit = ServedUnit.objects.get()
    assert unit.name == "盟财政局"
    response = client.post(url, {"name": "盟财政局"}, follow=True)
    assert "该单位已在列表中。" in response.content.decode()
    response = client.post(url, {"name": ""}, follow=True)
    assert "请填写单位名称" in response.content.decode()
    assert ServedUnit.objects.count() == 1
    assert client.get(url).status_code == 405
    delete_url = reverse("branches:servedunit-delete", args=[unit.pk])
    assert client.get(delete_url).status_code == 405
    assert client.post(delete_url).status_code == 302
    assert not ServedUnit.objects.exists()


# Access --------------------------------------------------------------------------------------


def test_committee_admin_edits_a_branch_of_the_subtree(client, committee_admin, branch_a2):
    member = MemberFactory(organization=branch_a2)
    client.force_login(committee_admin)
    url = reverse("branches:organization-add-seat", args=[branch_a2.pk])
    response = client.post(
        url, {"member": member.pk, "post": Post.SECRETARY, "started_on": "2024-06-01"}
    )
    assert response.status_code == 302 and CommitteeSeat.objects.filter(member=member).exists()


def test_a_secretary_cannot_edit_a_sibling_branch(client, secretary, branch_a2):
    client.force_login(secretary)
    for name in ("organization-add-seat", "organization-add-group", "organization-add-unit"):
        url = reverse(f"branches:{name}", args=[branch_a2.pk])
        assert client.post(url, {"name": "x"}).status_code == 404


def test_outsider_gets_404_and_changes_nothing(client, outsider, branch_a, member_a):
    seat = CommitteeSeatFactory(organization=branch_a, member=member_a, post=Post.SECRETARY)
    group = PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    unit = ServedUnit.objects.create(organization=branch_a, name="盟财政局")
    client.force_login(outsider)
    for url, data in [
        (reverse("branches:committeeseat-end", args=[seat.pk]), {"ended_on": "2025-01-01"}),
        (reverse("branches:partygroup-edit", args=[group.pk]), {"name": "改名"}),
        (reverse("branches:partygroup-delete", args=[group.pk]), {}),
        (reverse("branches:servedunit-delete", args=[unit.pk]), {}),
        (reverse("branches:organization-add-unit", args=[branch_a.pk]), {"name": "新单位"}),
    ]:
        assert client.post(url, data).status_code == 404
    seat.refresh_from_db()
    group.refresh_from_db()
    assert seat.is_current and group.name == "第一党小组"
    assert list(ServedUnit.objects.values_list("name", flat=True)) == ["盟财政局"]
