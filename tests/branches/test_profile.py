"""The organisation profile (组织概况) and its print: one page about one organisation."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.core import caching
from branches.models import CommitteeSeat
from tests.factories import (
    ActivityFactory,
    CommitteeSeatFactory,
    DevelopmentCaseFactory,
    MemberFactory,
    OrganizationFactory,
    TermFactory,
)

TODAY = timezone.localdate()
Y = TODAY.year


def profile_url(organization, name="portal:organization-profile"):
    return reverse(name, args=[organization.pk])


@pytest.fixture
def branch_life(branch_a, secretary):
    leader = MemberFactory(organization=branch_a, name="甲书记")
    MemberFactory(organization=branch_a, name="甲党员")
    TermFactory(organization=branch_a, number=3, elected_on=datetime.date(Y - 1, 6, 1))
    CommitteeSeatFactory(organization=branch_a, member=leader, post=CommitteeSeat.Post.SECRETARY)
    ActivityFactory(organization=branch_a, held_on=datetime.date(Y, 1, 5), created_by=secretary)
    ActivityFactory(
        organization=branch_a,
        held_on=datetime.date(Y, 1, 9),
        created_by=secretary,
        kind="general-meeting",
    )
    DevelopmentCaseFactory(organization=branch_a, name="甲申请人")
    DevelopmentCaseFactory(organization=branch_a, name="甲已终止", is_closed=True)
    return branch_a


def test_committee_admin_sees_everything_about_a_branch(client, committee_admin, branch_life):
    client.force_login(committee_admin)
    body = client.get(profile_url(branch_life)).content.decode()
    assert 'data-testid="roster-total">2<' in body
    assert "第3届" in body and "甲书记" in body
    assert "甲申请人" in body and "甲已终止" not in body
    # The month's counted records (drafts are shown apart), as the calendar counts them.
    january = f"/activities/?organization={branch_life.pk}&amp;status=counted&amp;month={Y}-01"
    assert january in body
    assert 'data-month="1"' in body and ">2 次<" in body
    assert 'data-testid="chart-activities-by-month"' in body


def test_secretary_sees_their_own_branch(client, secretary, branch_life):
    client.force_login(secretary)
    assert client.get(profile_url(branch_life)).status_code == 200


@pytest.mark.parametrize("name", ["portal:organization-profile", "portal:organization-print"])
def test_outside_the_subtree_is_404(client, secretary, outsider, branch_a2, branch_life, name):
    client.force_login(secretary)
    assert client.get(profile_url(branch_a2, name)).status_code == 404
    client.force_login(outsider)
    assert client.get(profile_url(branch_life, name)).status_code == 404
    assert client.get(reverse(name, args=[999999])).status_code == 404


def test_a_committee_profile_covers_its_subtree(client, staff, committee_a, branch_a, branch_b):
    MemberFactory(organization=branch_a, name="甲一")
    MemberFactory(organization=branch_b, name="乙一")
    DevelopmentCaseFactory(organization=branch_a, name="甲申请人")
    client.force_login(staff)
    body = client.get(profile_url(committee_a)).content.decode()
    assert 'data-testid="roster-total">1<' in body
    assert "甲申请人" in body and branch_a.display_name in body
    assert "乙一" not in body


def test_print_view_is_a4_without_navigation(client, committee_admin, branch_life):
    client.force_login(committee_admin)
    body = client.get(profile_url(branch_life, "portal:organization-print")).content.decode()
    assert "@page { size: A4" in body and "navbar" not in body
    assert "甲书记" in body and "组织概况" in body


def test_detail_page_links_to_the_profile(client, committee_admin, branch_a):
    client.force_login(committee_admin)
    body = client.get(branch_a.get_absolute_url()).content.decode()
    assert profile_url(branch_a) in body


def test_profile_refuses_post(client, committee_admin, branch_a):
    client.force_login(committee_admin)
    assert client.post(profile_url(branch_a)).status_code == 405


@pytest.mark.parametrize("which", ["branch", "committee"])
def test_profile_queries_do_not_grow(
    client, staff, committee_a, branch_a, secretary, which, django_assert_max_num_queries
):
    for _ in range(15):
        branch = OrganizationFactory(parent=committee_a)
        MemberFactory(organization=branch)
        DevelopmentCaseFactory(organization=branch)
    for month in range(1, 13):
        MemberFactory(organization=branch_a)
        CommitteeSeatFactory(organization=branch_a)
        DevelopmentCaseFactory(organization=branch_a)
        ActivityFactory(
            organization=branch_a, held_on=datetime.date(Y, month, 1), created_by=secretary
        )
    organization = branch_a if which == "branch" else committee_a
    client.force_login(staff)
    client.get(profile_url(organization))  # the cockpit and compliance report, cached
    # ... but not the sections below, which are what this guard is about
    cache.delete(caching.key("profile", organization.pk, timezone.localdate().isoformat()))
    # session, user, user's organisation, the organisation with its roster counts, current
    # term, current seats with members, party groups, calendar GROUP BYs (hosted; a branch's
    # joined records too), open cases; then (second pass) titles, applications, lists,
    # published score card, branch ids, dues on time (assessments in force, months paid),
    # classes held; the 变更记录 (the organisation's history, the parents it names)
    with django_assert_max_num_queries(20 if which == "branch" else 19):
        assert client.get(profile_url(organization)).status_code == 200
