"""The profile's sections from the later apps: rating history, training, lists, the last
published assessment and dues — counted by hand from the cockpit tests' league."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.branches.rating_factories import make_title
from tests.core.figure_checks import Walker, checks_of_markup, checks_of_profile
from tests.core.test_cockpit_apps import THIS_JAN, Y, attend, league  # noqa: F401 - fixture
from tests.factories import MemberFactory, OrganizationFactory
from tests.training.factories import TrainingClassFactory

pytestmark = pytest.mark.usefixtures("league")


def profile(client, user, organization):
    client.force_login(user)
    response = client.get(reverse("portal:organization-profile", args=[organization.pk]))
    assert response.status_code == 200
    return response


def test_branch_profile_shows_every_section(client, secretary, branch_a):
    response = profile(client, secretary, branch_a)
    context = response.context
    assert [str(t) for t in context["titles"]] == [f"{Y}年 甲局第一党支部 最强党支部"]
    assert context["classes_held"] == 0  # the league's classes are held by the root
    assert context["training_figure"].value == 1
    assert context["scorecard"].total == 94
    assert context["grade_label"] == "较好"
    assert context["arrears_figure"].value == 2
    body = response.content.decode()
    for section in ("ratings", "training", "assessment", "lists", "dues"):
        assert f'data-testid="profile-{section}"' in body
    assert reverse("assessments:scorecard-detail", args=[context["scorecard"].pk]) in body


def test_committee_profile_lists_withdrawn_titles_and_lists(client, committee_admin, committee_a):
    context = profile(client, committee_admin, committee_a).context
    withdrawn = [t for t in context["titles"] if t.is_withdrawn]
    assert [t.organization.name for t in withdrawn] == ["甲局第二党支部"]
    assert len(context["titles"]) == 3  # a, a2 (withdrawn), the temporary branch
    assert [lst.item_count for lst in context["lists"]] == [4]
    assert context["list_figure"].value == 2
    assert context["scorecard"] is None  # the committee itself was not assessed


def test_unpublished_assessment_is_not_shown(client, staff, branch_b):
    assert profile(client, staff, branch_b).context["scorecard"] is None


def test_outsider_sees_no_profile(client, outsider, branch_a):
    client.force_login(outsider)
    url = reverse("portal:organization-profile", args=[branch_a.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("persona", ["staff", "committee_admin"])
def test_profile_queries_do_not_grow_with_rows(
    client, request, committee_a, branch_a, django_assert_max_num_queries, persona
):
    user = request.getfixturevalue(persona)
    url = reverse("portal:organization-profile", args=[committee_a.pk])
    client.force_login(user)
    client.get(url)
    cache.clear()
    with django_assert_max_num_queries(250) as few:
        client.get(url)
    before = len(few.captured_queries)
    for n in range(5):
        member = MemberFactory(organization=branch_a, name=f"新党员{n}")
        attend(member, TrainingClassFactory(organization=branch_a, starts_on=THIS_JAN), 8)
        make_title(OrganizationFactory(parent=committee_a), year=Y)
    cache.clear()
    with django_assert_max_num_queries(before) as many:
        client.get(url)
    assert len(many.captured_queries) == before


@pytest.mark.parametrize(
    ("persona", "organization"),
    [("secretary", "branch_a"), ("committee_admin", "committee_a"), ("staff", "committee_a")],
)
def test_every_linked_profile_number_equals_its_list(client, request, persona, organization):
    """The harness of tests/core/test_figure_consistency.py on the league: every number the
    profile's sections show (lists' items, 党费 rate, 学时达标, 欠缴 …) equals its list."""
    user, organization = request.getfixturevalue(persona), request.getfixturevalue(organization)
    response = profile(client, user, organization)
    context = response.context
    checks = checks_of_profile(context)
    families = {check.family for check in checks}
    assert {"profile", "dues-on-time"} <= families
    assert ("lists" in families) == (not organization.is_branch)  # the lists are committee's
    assert Walker(client).problems(checks) == []
    # The same page read from its markup: every marked count (the lists' 已确认 and 待审核
    # columns among them) equals its list, and no number is shown without a link.
    marked, bare = checks_of_markup(response.content.decode(), "组织概况")
    assert bare == []
    assert Walker(client).problems(marked) == []
    if not organization.is_branch:
        (shown,) = context["lists"]
        urls = {check.url for check in marked}
        assert {shown.confirmed_url, shown.waiting_url} <= urls


def test_profile_list_row_links_to_its_items(client, committee_admin, committee_a):
    context = profile(client, committee_admin, committee_a).context
    (shown,) = context["lists"]
    response = client.get(shown.items_url)
    assert response.context["page"].paginator.count == shown.item_count == 4
