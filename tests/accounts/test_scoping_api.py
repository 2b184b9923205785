"""The one scoping API: every access question a feature app asks, answered in one place."""

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.models import User
from branches.models import Member, Organization
from tests.factories import MemberFactory, UserFactory

Role = User.Role


def names(queryset):
    return set(queryset.values_list("name", flat=True))


# contains: the single object --------------------------------------------------------------


def test_a_secretary_contains_only_their_own_branch(secretary, branch_a, branch_a2, committee_a):
    assert scoping.contains(secretary, branch_a)
    assert not scoping.contains(secretary, branch_a2)
    assert not scoping.contains(secretary, committee_a)


def test_a_committee_admin_contains_their_subtree_and_nothing_above_or_beside(
    committee_admin, committee_a, branch_a, branch_a2, root, branch_b
):
    assert all(scoping.contains(committee_admin, o) for o in (committee_a, branch_a, branch_a2))
    assert not scoping.contains(committee_admin, root)
    assert not scoping.contains(committee_admin, branch_b)


def test_staff_at_the_root_contain_the_whole_tree(staff):
    assert all(scoping.contains(staff, o) for o in Organization.objects.all())


def test_contains_agrees_with_visible_to(committee_admin, outsider, staff, secretary):
    for user in (committee_admin, outsider, staff, secretary):
        visible = set(Organization.objects.visible_to(user))
        assert {o for o in Organization.objects.all() if scoping.contains(user, o)} == visible


def test_an_inactive_or_unplaced_user_contains_nothing(secretary, branch_a):
    secretary.is_active = False
    assert not scoping.contains(secretary, branch_a)
    assert not scoping.contains(User(username="nobody", organization=None), branch_a)


def test_a_deactivated_organisation_contains_nothing_for_its_users(secretary, branch_a):
    branch_a.is_active = False
    branch_a.save()
    secretary.refresh_from_db()
    assert not scoping.contains(secretary, branch_a)


# in_subtree: one organisation against another, by path ------------------------------------


def test_in_subtree_includes_the_place_itself_and_its_descendants(root, committee_a, branch_a):
    assert scoping.in_subtree(branch_a, branch_a)
    assert scoping.in_subtree(branch_a, committee_a)
    assert scoping.in_subtree(branch_a, root)
    assert not scoping.in_subtree(committee_a, branch_a)


def test_in_subtree_does_not_confuse_a_sibling_whose_path_begins_alike():
    # The trailing separator is part of the prefix: 12 is not below 1.
    assert scoping.in_subtree("000001/000012/", "000001/")
    assert not scoping.in_subtree("000001/000012/", "000001/000001/")
    assert not scoping.in_subtree("000001/000012/", "000001/000012/000003/")


# within / subtree_q: any model's rows in a subtree -----------------------------------------


def test_within_narrows_organisations_to_the_subtree(committee_a, branch_a, branch_a2, branch_b):
    assert names(scoping.within(Organization.objects.all(), committee_a, "")) == {
        committee_a.name,
        branch_a.name,
        branch_a2.name,
    }
    assert names(scoping.within(Organization.objects.all(), branch_a.path, "")) == {branch_a.name}


def test_within_follows_the_field_to_the_organisation(committee_a, branch_a, branch_b):
    ours = MemberFactory(organization=branch_a)
    MemberFactory(organization=branch_b)
    assert list(scoping.within(Member.objects.all(), committee_a)) == [ours]
    assert list(Member.objects.filter(scoping.subtree_q(committee_a))) == [ours]


def test_within_is_the_same_filter_as_visible_to(committee_admin, committee_a):
    scoped = scoping.within(Organization.objects.all(), committee_a, "")
    assert str(scoped.query) == str(Organization.objects.visible_to(committee_admin).query)


def test_within_adds_no_query(django_assert_num_queries, committee_a):
    with django_assert_num_queries(0):
        scoping.within(Member.objects.all(), committee_a)
        scoping.subtree_q(committee_a, "member__organization")


# roots and the work committee --------------------------------------------------------------


def test_is_root_and_root_q_name_the_work_committee(root, committee_a):
    assert scoping.is_root(root)
    assert not scoping.is_root(committee_a)
    assert not scoping.is_root(None)
    assert list(Organization.objects.filter(scoping.root_q())) == [root]
    staff = UserFactory(role=Role.STAFF, organization=root)
    UserFactory(role=Role.STAFF, organization=committee_a)
    assert list(User.objects.filter(scoping.root_q("organization"))) == [staff]


def test_the_work_committee_is_a_publishing_role_at_the_root(
    staff, system_admin, committee_admin, secretary, root
):
    assert scoping.is_work_committee(staff)
    assert scoping.is_work_committee(system_admin)
    assert not scoping.is_work_committee(committee_admin)
    assert not scoping.is_work_committee(secretary)
    # A secretary placed at the root publishes nothing; staff placed lower are not the root.
    assert not scoping.is_work_committee(UserFactory(role=Role.SECRETARY, organization=root))


def test_staff_below_the_root_or_unplaced_are_not_the_work_committee(committee_a):
    assert not scoping.is_work_committee(UserFactory(role=Role.STAFF, organization=committee_a))
    assert not scoping.is_work_committee(UserFactory(role=Role.STAFF, organization=None))


def test_inactive_staff_are_not_the_work_committee(staff):
    staff.is_active = False
    assert not scoping.is_work_committee(staff)
