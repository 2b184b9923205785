import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from branches.models import Organization
from tests.factories import OrganizationFactory


def matrix_cell(body: str, type_value: str, category: str) -> str:
    """One cell of the home page's type × category matrix, as text."""
    row = re.search(rf'<tr data-type="{type_value}">.*?</tr>', body, re.S)
    assert row, f"no matrix row for {type_value}"
    cell = re.search(rf'<td[^>]*data-category="{category}">(.*?)</td>', row[0], re.S)
    return re.sub(r"<[^>]+>", "", cell[1]).strip()


def test_secretary_home_shows_their_branch_only(client, secretary, branch_a, branch_b):
    client.force_login(secretary)
    body = client.get(reverse("portal:home")).content.decode()
    assert branch_a.name in body
    assert branch_b.name not in body and "乙局" not in body
    # One branch: the 党组织 1 and 党支部 1 tiles would say nothing.
    assert 'data-testid="organization-total"' not in body
    assert 'data-testid="branch-total"' not in body
    assert 'data-testid="profile-link"' in body
    assert "支部书记" in body


def test_committee_admin_counts_their_subtree(client, committee_admin, branch_b):
    OrganizationFactory(
        parent=committee_admin.organization,
        type=Organization.Type.JOINT_BRANCH,
        category=Organization.Category.SOCIAL,
    )
    client.force_login(committee_admin)
    body = client.get(reverse("portal:home")).content.decode()
    # 甲局党委 + two 党支部 (党群部门) + one 联合党支部 (社会事务); nothing of 乙局.
    assert 'data-testid="organization-total">4<' in body
    assert 'data-testid="branch-total">3<' in body
    assert matrix_cell(body, "branch", "party_mass") == "2"
    assert matrix_cell(body, "joint_branch", "social") == "1"
    assert matrix_cell(body, "branch", "state_owned") == "0"
    assert "乙局" not in body


def test_staff_home_counts_the_whole_league_with_links(client, staff):
    client.force_login(staff)
    body = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="organization-total">5<' in body
    # 乙局机密党支部 is 国有企业: its cell links to the filtered organisation list, as of the
    # day the figure counts to.
    today = timezone.localdate().isoformat()
    assert f"?as_of={today}&amp;type=branch&amp;category=state_owned&amp;organization=" in body


@pytest.mark.parametrize("persona", ["secretary", "committee_admin", "staff"])
def test_home_queries_do_not_grow_with_organisations(
    client, request, persona, committee_a, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    for _ in range(20):
        OrganizationFactory(parent=committee_a)
    client.force_login(user)
    cache.clear()  # the secretary's compliance report is cached; count the cold page
    # session, user, user's organisation, then the cold cockpit (a fixed number of GROUP BYs
    # and the compliance engine, this year and last; itemised in tests/core/test_cockpit_views.py)
    limit = 50
    with django_assert_max_num_queries(limit):
        assert client.get(reverse("portal:home")).status_code == 200


def test_home_refuses_other_methods(client, secretary):
    client.force_login(secretary)
    assert client.post(reverse("portal:home")).status_code == 405
