from alxa_dangjian.accounts.models import User
from branches.models import Organization


def names(queryset):
    return set(queryset.values_list("name", flat=True))


def test_secretary_sees_only_their_branch(secretary, branch_a):
    assert names(Organization.objects.visible_to(secretary)) == {branch_a.name}


def test_committee_admin_sees_their_subtree(committee_admin, committee_a, branch_a, branch_a2):
    assert names(Organization.objects.visible_to(committee_admin)) == {
        committee_a.name,
        branch_a.name,
        branch_a2.name,
    }


def test_staff_sees_the_whole_tree(staff):
    assert Organization.objects.visible_to(staff).count() == Organization.objects.count() == 5


def test_outsider_sees_nothing_of_the_other_subtree(outsider, committee_a, branch_a):
    visible = Organization.objects.visible_to(outsider)
    assert not visible.filter(pk__in=[committee_a.pk, branch_a.pk]).exists()
    assert names(visible) == {outsider.organization.name}


def test_users_are_scoped_through_their_organisation(committee_admin, secretary, outsider):
    assert set(User.objects.visible_to(committee_admin)) == {committee_admin, secretary}
    assert set(User.objects.visible_to(outsider)) == {outsider}


def test_inactive_or_unplaced_users_see_nothing(secretary, committee_a):
    secretary.is_active = False
    assert not Organization.objects.visible_to(secretary).exists()
    unplaced = User(username="nobody", organization=None)
    assert not Organization.objects.visible_to(unplaced).exists()


def test_a_deactivated_organisation_hides_its_subtree_from_its_users(secretary, branch_a):
    branch_a.is_active = False
    branch_a.save()
    secretary.refresh_from_db()
    assert not Organization.objects.visible_to(secretary).exists()
