"""The branch page (organisation detail): counts, committee, term, groups, units and the
set-up warnings of 支部工作条例 / 选举工作条例, shown but never enforced."""

import datetime

import pytest

from branches.models import CommitteeSeat, Member, Organization, PartyGroup, ServedUnit
from tests.factories import (
    CommitteeSeatFactory,
    MemberFactory,
    OrganizationFactory,
    TermFactory,
    UserFactory,
)

Post = CommitteeSeat.Post
TODAY = datetime.date(2025, 5, 10)


def members(branch, n, **kwargs):
    return MemberFactory.create_batch(n, organization=branch, **kwargs)


def probationary(branch, n):
    return members(
        branch,
        n,
        status=Member.Status.PROBATIONARY,
        joined_on=datetime.date(2024, 12, 1),
        confirmed_on=None,
    )


def seats(branch, posts):
    return [
        CommitteeSeatFactory(organization=branch, member=member, post=post)
        for member, post in zip(members(branch, len(posts)), posts, strict=True)
    ]


def warnings_of(branch, *, today=TODAY):
    organization = Organization.objects.with_roster_counts().get(pk=branch.pk)
    term = organization.terms.current().first()
    return organization.setup_warnings(current_term=term, today=today)


def page(client, user, branch):
    client.force_login(user)
    response = client.get(branch.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# Counts ------------------------------------------------------------------------------------


def test_counts_only_members_in_good_standing(branch_a):
    members(branch_a, 4)
    probationary(branch_a, 2)
    members(branch_a, 1, standing=Member.Standing.TRANSFERRED_OUT)
    members(branch_a, 1, standing=Member.Standing.DECEASED)
    organization = Organization.objects.with_roster_counts().get(pk=branch_a.pk)
    assert (organization.full_count, organization.probationary_count) == (4, 2)
    assert organization.member_count == 6


def test_page_shows_full_and_probationary_counts(client, secretary, branch_a):
    members(branch_a, 4)
    probationary(branch_a, 2)
    body = page(client, secretary, branch_a)
    counts = body.split('data-testid="member-counts"')[1].split("</dl>")[0]
    numbers = [chunk.split("<")[0] for chunk in counts.split('class="display-6">')[1:]]
    assert numbers == ["4", "2", "6"]


def test_committee_page_counts_its_whole_subtree(
    client, committee_admin, committee_a, branch_a, branch_a2
):
    members(branch_a, 3)
    probationary(branch_a2, 2)
    body = page(client, committee_admin, committee_a)
    assert "合计（含下级）" in body
    assert 'class="display-6">3<' in body and 'class="display-6">2<' in body
    assert 'class="display-6">5<' in body
    assert 'data-testid="setup-warnings"' not in body  # the branch rules are for branches


# Warnings -----------------------------------------------------------------------------------


def test_a_well_set_up_branch_has_no_warnings(branch_a):
    members(branch_a, 4)
    seats(branch_a, [Post.SECRETARY, Post.DEPUTY_SECRETARY])
    TermFactory(organization=branch_a, elected_on=datetime.date(2024, 6, 1))
    assert warnings_of(branch_a) == []


def test_fewer_than_three_full_members_suggests_a_joint_branch(branch_a):
    seats(branch_a, [Post.SECRETARY])
    members(branch_a, 1)
    probationary(branch_a, 3)  # probationary members do not count
    (warning,) = warnings_of(branch_a)
    assert "正式党员不足3名（现有2名）" in warning and "联合党支部" in warning


def test_a_joint_branch_also_needs_three_full_members(committee_a):
    joint = OrganizationFactory(parent=committee_a, type=Organization.Type.JOINT_BRANCH)
    seats(joint, [Post.SECRETARY])
    (warning,) = warnings_of(joint)
    assert warning == "正式党员不足3名（现有1名），联合党支部也应有3名以上正式党员。"


def test_a_joint_branch_normally_serves_at_most_five_units(committee_a):
    joint = OrganizationFactory(parent=committee_a, type=Organization.Type.JOINT_BRANCH)
    seats(joint, [Post.SECRETARY])
    members(joint, 4)
    for n in range(5):
        ServedUnit.objects.create(organization=joint, name=f"单位{n}")
    assert warnings_of(joint) == []
    ServedUnit.objects.create(organization=joint, name="单位5")
    assert warnings_of(joint) == ["联合党支部所含单位一般不超过5个（现有6个）。"]


def test_more_than_fifty_members(branch_a):
    seats(branch_a, [Post.SECRETARY, Post.ORGANIZATION, Post.PUBLICITY])
    members(branch_a, 40)
    probationary(branch_a, 7)
    assert warnings_of(branch_a) == []  # exactly 50
    probationary(branch_a, 1)
    assert warnings_of(branch_a) == ["党员人数超过50名（现有51名），一般应分设党支部。"]


@pytest.mark.parametrize(
    ("posts", "warned"),
    [
        ([Post.SECRETARY], True),
        ([Post.SECRETARY, Post.DEPUTY_SECRETARY], True),
        ([Post.SECRETARY, Post.ORGANIZATION, Post.PUBLICITY], False),
        ([Post.SECRETARY, Post.ORGANIZATION, Post.PUBLICITY, Post.DISCIPLINE, Post.MEMBER], False),
        # 支部工作条例: "一般设委员3至5人，一般不超过7人" — 6 and 7 are no breach.
        ([Post.SECRETARY, *[Post.MEMBER] * 5], False),
        ([Post.SECRETARY, Post.DEPUTY_SECRETARY, *[Post.MEMBER] * 5], False),
        ([Post.SECRETARY, Post.DEPUTY_SECRETARY, *[Post.MEMBER] * 6], True),
    ],
)
def test_seven_full_members_need_a_committee_of_three_to_seven(branch_a, posts, warned):
    seats(branch_a, posts)
    members(branch_a, max(0, 7 - len(posts)))
    full = max(7, len(posts))
    committee_warnings = [w for w in warnings_of(branch_a) if "支部委员会" in w]
    if warned:
        assert committee_warnings == [
            f"正式党员7名以上（现有{full}名），应设立支部委员会，"
            f"委员一般3至5名、不超过7名（现有{len(posts)}名）。"
        ]
    else:
        assert committee_warnings == []


def test_ended_seats_and_double_posts_do_not_make_a_committee(branch_a):
    seated = seats(branch_a, [Post.SECRETARY, Post.ORGANIZATION, Post.PUBLICITY])
    members(branch_a, 4)
    assert warnings_of(branch_a) == []
    seated[2].ended_on = datetime.date(2025, 1, 1)
    seated[2].save()
    # The secretary also taking the vacant post leaves two people on the committee.
    CommitteeSeatFactory(organization=branch_a, member=seated[0].member, post=Post.PUBLICITY)
    assert "不超过7名（现有2名）" in warnings_of(branch_a)[0]


def test_fewer_than_seven_full_members_have_only_a_secretary_and_deputy(branch_a):
    seats(branch_a, [Post.SECRETARY, Post.DEPUTY_SECRETARY])
    members(branch_a, 2)
    assert warnings_of(branch_a) == []
    CommitteeSeatFactory(
        organization=branch_a, member=members(branch_a, 1)[0], post=Post.DISCIPLINE
    )
    assert warnings_of(branch_a) == [
        "正式党员不足7名（现有5名），不设支部委员会，只设书记，可设副书记。"
    ]


def test_a_branch_without_a_secretary_is_warned(branch_a):
    members(branch_a, 3)
    assert warnings_of(branch_a) == ["尚未登记现任党支部书记。"]


def test_an_expired_term_is_warned_with_the_days_overdue(branch_a):
    seats(branch_a, [Post.SECRETARY])
    members(branch_a, 2)
    TermFactory(organization=branch_a, elected_on=datetime.date(2022, 5, 1))  # due 2025-05-01
    assert warnings_of(branch_a) == ["本届任期已于2025年5月1日届满，已超期9天，应及时换届。"]


def test_a_term_ending_this_year_is_warned(branch_a):
    seats(branch_a, [Post.SECRETARY])
    members(branch_a, 2)
    TermFactory(organization=branch_a, elected_on=datetime.date(2022, 12, 31))
    (warning,) = warnings_of(branch_a)
    assert warning.startswith("本届任期将于今年2025年12月31日届满（还有235天）")


def test_an_approved_delay_moves_the_term_warning(branch_a):
    seats(branch_a, [Post.SECRETARY])
    members(branch_a, 2)
    TermFactory(
        organization=branch_a,
        elected_on=datetime.date(2022, 5, 1),
        adjusted_end=datetime.date(2026, 3, 1),
        adjustment_approval_no="阿直机党发〔2025〕3号",
    )
    assert warnings_of(branch_a) == []


def test_a_committee_gets_only_the_term_warning(committee_a):
    TermFactory(organization=committee_a, elected_on=datetime.date(2020, 1, 1), length_years=5)
    assert warnings_of(committee_a) == ["本届任期已于2025年1月1日届满，已超期129天，应及时换届。"]


def test_temporary_branch_gets_a_note_not_warnings(client, committee_admin, committee_a):
    temporary = OrganizationFactory(parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH)
    assert warnings_of(temporary) == []
    body = page(client, committee_admin, temporary)
    assert 'data-testid="temporary-note"' in body
    assert "不进行选举" in body
    assert 'data-testid="setup-warnings"' not in body
    assert "登记换届选举" not in body
    assert "新增党员" not in body and "新建党小组" not in body


def test_a_withdrawn_branch_gets_no_warnings(branch_a):
    branch_a.is_active = False
    branch_a.save()
    assert warnings_of(branch_a) == []


def test_page_shows_warnings(client, secretary, branch_a):
    members(branch_a, 2)
    body = page(client, secretary, branch_a)
    assert 'data-testid="setup-warnings"' in body
    assert "正式党员不足3名（现有2名）" in body
    assert "尚未登记现任党支部书记。" in body


# Committee, term, groups, units on the page -------------------------------------------------


def test_page_shows_committee_term_groups_and_units(client, secretary, branch_a):
    secretary_seat, organization_seat = seats(branch_a, [Post.SECRETARY, Post.ORGANIZATION])
    ended = CommitteeSeatFactory(
        organization=branch_a, post=Post.PUBLICITY, ended_on=datetime.date(2024, 1, 1)
    )
    today = datetime.date.today()
    TermFactory(
        organization=branch_a,
        number=4,
        elected_on=datetime.date(2019, 3, 1),
        actual_end=datetime.date(2022, 3, 1),
    )
    TermFactory(organization=branch_a, number=5, elected_on=today.replace(year=today.year - 1))
    group = PartyGroup.objects.create(
        organization=branch_a, name="第一党小组", leader=secretary_seat.member
    )
    Member.objects.filter(pk=secretary_seat.member.pk).update(party_group=group)
    ServedUnit.objects.create(organization=branch_a, name="盟发改委")
    body = page(client, secretary, branch_a)
    committee = body.split('data-testid="committee"')[1].split("</section>")[0]
    assert committee.index("书记") < committee.index("组织委员")
    assert secretary_seat.member.name in committee and organization_seat.member.name in committee
    assert "历任委员（1）" in committee and ended.member.name in committee
    term = body.split('data-testid="current-term"')[1].split("</section>")[0]
    assert "第5届" in term and "距届满" in term
    assert "历届（1）" in body and "第4届" in body
    groups = body.split('data-testid="party-groups"')[1].split("</section>")[0]
    assert "第一党小组" in groups and secretary_seat.member.name in groups
    assert "<td>1</td>" in groups
    assert "盟发改委" in body


def test_an_overdue_term_shows_its_overdue_days(client, secretary, branch_a):
    elected = datetime.date.today().replace(month=1, day=1)
    TermFactory(organization=branch_a, elected_on=elected.replace(year=elected.year - 4))
    body = page(client, secretary, branch_a)
    assert "已超期" in body.split('data-testid="current-term"')[1]


def test_no_term_recorded(client, secretary, branch_a):
    assert "尚未登记届次" in page(client, secretary, branch_a)


# Access and queries -------------------------------------------------------------------------


def test_outsider_gets_404(client, outsider, branch_a):
    client.force_login(outsider)
    assert client.get(branch_a.get_absolute_url()).status_code == 404


def test_wrong_method_is_405(client, secretary, branch_a):
    client.force_login(secretary)
    assert client.post(branch_a.get_absolute_url()).status_code == 405


def test_secretary_of_a_sibling_branch_gets_404(client, branch_a, branch_a2):
    other = UserFactory(organization=branch_a2)
    client.force_login(other)
    assert client.get(branch_a.get_absolute_url()).status_code == 404


def _full_branch(branch, n):
    members(branch, n)
    probationary(branch, 2)
    seats(branch, [Post.SECRETARY, Post.ORGANIZATION, Post.PUBLICITY])
    TermFactory(
        organization=branch,
        number=1,
        elected_on=datetime.date(2018, 1, 1),
        actual_end=datetime.date(2021, 1, 1),
    )
    TermFactory(organization=branch, number=2, elected_on=datetime.date(2021, 1, 1))
    for n in range(3):
        PartyGroup.objects.create(
            organization=branch, name=f"党小组{n}", leader=branch.members.all()[n]
        )
        ServedUnit.objects.create(organization=branch, name=f"单位{n}")


@pytest.mark.parametrize("size", [5, 40])
def test_branch_page_queries_do_not_grow(
    client, secretary, branch_a, size, django_assert_max_num_queries
):
    _full_branch(branch_a, size)
    client.force_login(secretary)
    # session, user, user's organisation, the branch with its counts, unread notifications
    # (navigation bar), children, ancestors, subtree counts, terms, seats with members,
    # party groups with leaders and counts, units
    with django_assert_max_num_queries(12):
        response = client.get(branch_a.get_absolute_url())
    assert response.status_code == 200


def test_committee_page_queries_do_not_grow(
    client, committee_admin, committee_a, branch_a, branch_a2, django_assert_max_num_queries
):
    _full_branch(branch_a, 30)
    client.force_login(committee_admin)
    # as for a branch, with one aggregate of the subtree's member counts in place of the
    # party groups (a committee has none)
    with django_assert_max_num_queries(12):
        response = client.get(committee_a.get_absolute_url())
    assert response.status_code == 200
