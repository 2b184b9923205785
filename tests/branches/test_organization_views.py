from django.urls import reverse

from branches.models import Organization
from tests.factories import OrganizationFactory

LIST = "branches:organization-list"


def test_tree_shows_the_subtree_indented(client, committee_admin, committee_a, branch_a, branch_b):
    client.force_login(committee_admin)
    body = client.get(reverse(LIST)).content.decode()
    assert committee_a.name in body and branch_a.name in body
    assert branch_b.name not in body
    assert body.index(committee_a.name) < body.index(branch_a.name)
    assert 'class="tree-indent"' in body


def test_search_and_filters(client, staff, committee_a, branch_a, branch_a2, branch_b):
    client.force_login(staff)
    body = client.get(reverse(LIST), {"q": "第二"}).content.decode()
    assert branch_a2.name in body and branch_a.name not in body
    body = client.get(reverse(LIST), {"category": "state_owned"}).content.decode()
    assert branch_b.name in body and branch_a.name not in body
    body = client.get(reverse(LIST), {"type": "committee"}).content.decode()
    assert committee_a.name in body and branch_a.name not in body
    temporary = OrganizationFactory(parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH)
    body = client.get(reverse(LIST), {"type": "branches"}).content.decode()
    assert temporary.name in body and branch_b.name in body and committee_a.name not in body


def test_bad_filter_values_are_ignored_not_errors(client, staff, branch_a):
    client.force_login(staff)
    response = client.get(reverse(LIST), {"type": "'; drop table", "category": "x" * 500})
    assert response.status_code == 200
    assert branch_a.name in response.content.decode()


def test_tree_queries_do_not_grow(client, staff, committee_a, django_assert_max_num_queries):
    for _ in range(30):
        OrganizationFactory(parent=committee_a)
    client.force_login(staff)
    # session, user, user's organisation, count, one page of organisations with counts
    with django_assert_max_num_queries(5):
        client.get(reverse(LIST))


def test_tree_is_paginated_in_depth_first_order(client, staff, committee_a, branch_a):
    for n in range(210):
        OrganizationFactory(parent=committee_a, name=f"分页支部{n:03d}")
    client.force_login(staff)
    first = client.get(reverse(LIST)).content.decode()
    second = client.get(reverse(LIST), {"page": 2}).content.decode()
    assert "共 215 个党组织" in first
    assert "测试机关工委" in first and "分页支部" in second
    assert "第 2 / 2 页" in second
    assert client.get(reverse(LIST), {"page": "abc"}).status_code == 200


def test_detail_shows_children_and_breadcrumb_within_scope(
    client, committee_admin, committee_a, branch_a
):
    client.force_login(committee_admin)
    body = client.get(branch_a.get_absolute_url()).content.decode()
    assert committee_a.display_name in body  # breadcrumb link to the visible parent
    assert "测试机关工委" not in body.split("<main")[1].split("<dl")[0]  # root is out of scope
    body = client.get(committee_a.get_absolute_url()).content.decode()
    assert branch_a.name in body
    assert Organization.Type.BRANCH.label in body
