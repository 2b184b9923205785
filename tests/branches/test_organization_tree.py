import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from branches.models import Organization
from tests.factories import OrganizationFactory

Type = Organization.Type


def test_path_nests_under_parent(root, committee_a, branch_a):
    assert root.path == f"{root.pk:06d}/"
    assert committee_a.path == f"{root.path}{committee_a.pk:06d}/"
    assert branch_a.path.startswith(committee_a.path)
    assert (root.depth, committee_a.depth, branch_a.depth) == (0, 1, 2)
    branch_a.refresh_from_db()
    assert branch_a.path == f"{committee_a.path}{branch_a.pk:06d}/"


@pytest.mark.parametrize("depth", [2, 4])
def test_subtree_is_one_query_at_any_depth(root, django_assert_num_queries, depth):
    committee = OrganizationFactory(type=Type.COMMITTEE, parent=root)
    general = OrganizationFactory(type=Type.GENERAL_BRANCH, parent=committee)
    OrganizationFactory(parent=general)
    OrganizationFactory(parent=committee)
    expected = {committee.pk, general.pk} | set(
        Organization.objects.filter(parent__in=[committee, general]).values_list("pk", flat=True)
    )
    with django_assert_num_queries(1):
        found = {o.pk for o in Organization.objects.subtree(committee)}
    assert found == expected
    with django_assert_num_queries(1):
        assert len(list(Organization.objects.subtree(root))) == 5


@pytest.mark.parametrize(
    ("parent_type", "child_type"),
    [
        (Type.BRANCH, Type.BRANCH),
        (Type.COMMITTEE, Type.ORGAN_COMMITTEE),
        (Type.GENERAL_BRANCH, Type.COMMITTEE),
        (Type.BRANCH, Type.GENERAL_BRANCH),
    ],
)
def test_child_must_rank_below_parent(root, parent_type, child_type):
    parent = (
        OrganizationFactory(type=Type.COMMITTEE, parent=root)
        if parent_type == Type.COMMITTEE
        else OrganizationFactory(
            type=parent_type,
            parent=OrganizationFactory(type=Type.COMMITTEE, parent=root),
        )
    )
    count = Organization.objects.count()
    with pytest.raises(ValidationError, match="层级必须低于上级"):
        OrganizationFactory(type=child_type, parent=parent)
    assert Organization.objects.count() == count


def test_only_the_work_committee_is_a_root(root):
    with pytest.raises(ValidationError, match="请选择上级党组织"):
        OrganizationFactory(type=Type.BRANCH, parent=None)
    with pytest.raises(ValidationError, match="不能设置上级"):
        OrganizationFactory(type=Type.WORK_COMMITTEE, parent=root)


def test_database_refuses_a_parentless_branch_even_past_validation(root):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.bulk_create(
            [Organization(name="绕过校验", type=Type.BRANCH, path="x/", parent=None)]
        )


def test_moving_a_committee_moves_its_whole_subtree(root, committee_a, branch_a, committee_b):
    general = OrganizationFactory(type=Type.GENERAL_BRANCH, parent=committee_b)
    branch_a.parent = general
    branch_a.save()
    branch_a.refresh_from_db()
    assert branch_a.path == f"{general.path}{branch_a.pk:06d}/"
    assert branch_a.depth == 3
    assert set(Organization.objects.subtree(committee_b)) == {committee_b, general, branch_a}

    # Moving the 党总支 carries its branch along, in one UPDATE for the whole subtree.
    general.parent = committee_a
    general.save()
    branch_a.refresh_from_db()
    assert branch_a.path == f"{committee_a.path}{general.pk:06d}/{branch_a.pk:06d}/"
    assert branch_a.depth == 3
    assert set(Organization.objects.subtree(committee_b)) == {committee_b}
    assert branch_a in Organization.objects.subtree(committee_a)


def test_cannot_move_an_organisation_under_its_own_descendant(root, committee_a):
    general = OrganizationFactory(type=Type.GENERAL_BRANCH, parent=committee_a)
    committee_a.parent = general
    with pytest.raises(ValidationError):
        committee_a.save()
    committee_a.refresh_from_db()
    assert committee_a.parent == root


def test_type_change_that_would_outrank_children_is_refused(committee_a, branch_a):
    committee_a.type = Type.BRANCH
    with pytest.raises(ValidationError, match="下级组织层级"):
        committee_a.save()
    assert Organization.objects.get(pk=committee_a.pk).type == Type.COMMITTEE
