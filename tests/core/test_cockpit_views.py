"""The homes as cockpits: scoping, links, print, caching and query counts."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ActivityKind
from activities.services import records as services
from branches.services.members import save_member
from tests.factories import ActivityFactory, MemberFactory, OrganizationFactory

Y = timezone.localdate().year


def shows(body: str, text: str) -> bool:
    """In the page, or in a chart's JSON (json_script escapes non-ASCII)."""
    return text in body or json.dumps(text)[1:-1] in body


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def people(branch_a, branch_a2, branch_b):
    MemberFactory(organization=branch_a, name="甲一", ethnicity="蒙古族")
    MemberFactory(organization=branch_a2, name="甲二")
    for _ in range(3):
        MemberFactory(organization=branch_b, ethnicity="回族")


def test_committee_admin_cockpit_shows_only_their_subtree(client, committee_admin, people):
    body = home(client, committee_admin)
    assert 'data-testid="members">2<' in body
    assert shows(body, "甲局第一党支部")  # a heatmap row
    for secret in ("乙局", "回族"):
        assert not shows(body, secret)


def test_staff_cockpit_covers_the_league(client, staff, people):
    body = home(client, staff)
    assert 'data-testid="members">5<' in body
    assert shows(body, "乙局机密党支部") and shows(body, "回族")
    assert 'data-testid="chart-compliance-heatmap"' in body
    assert 'data-testid="chart-member-ethnicity"' in body


def test_secretary_sees_due_items_first_then_the_branch_figures(client, secretary, people):
    body = home(client, secretary)
    assert body.index('data-testid="due-items"') < body.index('data-testid="cockpit-figures"')
    assert 'data-testid="members">1<' in body
    assert not shows(body, "甲局第二党支部") and not shows(body, "乙局")


def test_every_figure_links_to_its_list(client, committee_admin, committee_a, people):
    body = home(client, committee_admin)
    scope = f"organization={committee_a.pk}"
    today = timezone.localdate().isoformat()
    assert f'href="/branches/members/?as_of={today}&amp;status=full&amp;{scope}"' in body
    assert f"/branches/development/?stage=activist&amp;{scope}" in body
    # activities chart (its data table): counted records of the month
    assert f"/activities/?status=counted&amp;month={Y}-01&amp;{scope}" in body
    # 达标率 opens the met rule-periods; its parts the heatmap (all, and the branches behind)
    assert f"/activities/compliance/periods/?year={Y}&amp;status=met&amp;{scope}" in body
    assert f"/activities/compliance/?year={Y}&amp;committee={committee_a.pk}&amp;behind=1" in body


def test_member_list_filters_by_category_for_the_chart_links(client, committee_admin, branch_a):
    MemberFactory(organization=branch_a, name="甲退休", category="retired")
    MemberFactory(organization=branch_a, name="甲在职")
    client.force_login(committee_admin)
    body = client.get(reverse("branches:member-list"), {"category": "retired"}).content.decode()
    assert "甲退休" in body and "甲在职" not in body


def test_organization_list_narrows_to_a_subtree(client, staff, committee_a, branch_a, branch_b):
    client.force_login(staff)
    response = client.get(reverse("branches:organization-list"), {"organization": committee_a.pk})
    body = response.content.decode()
    assert branch_a.name in body and branch_b.name not in body


def test_print_view_has_no_navigation_and_an_a4_page(client, committee_admin, people):
    client.force_login(committee_admin)
    body = client.get(reverse("portal:cockpit-print")).content.decode()
    assert "@page { size: A4" in body and "@media print" in body
    assert "navbar" not in body
    assert 'data-testid="members">2<' in body and not shows(body, "乙局")


def test_cockpit_print_refuses_post(client, staff):
    client.force_login(staff)
    assert client.post(reverse("portal:cockpit-print")).status_code == 405


def test_a_member_saved_through_the_service_shows_at_once(
    client, committee_admin, branch_a, secretary, people, django_capture_on_commit_callbacks
):
    assert 'data-testid="members">2<' in home(client, committee_admin)
    with django_capture_on_commit_callbacks(execute=True):
        save_member(MemberFactory.build(organization=branch_a, name="甲新"), by=secretary)
    assert 'data-testid="members">3<' in home(client, committee_admin)


def test_a_record_submitted_through_the_service_shows_at_once(
    client, committee_admin, branch_a, secretary, django_capture_on_commit_callbacks
):
    assert 'data-testid="activities">0<' in home(client, committee_admin)
    record = Activity(
        organization=branch_a,
        kind=ActivityKind.objects.get(code="theme-day"),
        held_on=timezone.localdate(),
        theme="主题党日",
    )
    with django_capture_on_commit_callbacks(execute=True):
        record = services.save_activity(record, attendance={}, by=secretary)
        services.submit_activity(record, by=secretary, confirm_quorum=True)
    assert 'data-testid="activities">1<' in home(client, committee_admin)


@pytest.mark.parametrize("persona", ["staff", "committee_admin", "secretary"])
def test_home_queries_are_fixed_cold_and_three_warm(
    client, request, persona, committee_a, branch_a, secretary, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    # Growth that would show: 40 more branches (the heatmap switches to units), members and
    # records in them, and in the secretary's branch.
    for _ in range(40):
        branch = OrganizationFactory(parent=committee_a)
        MemberFactory(organization=branch)
        ActivityFactory(organization=branch, held_on=datetime.date(Y, 1, 1), created_by=secretary)
    for _ in range(10):
        MemberFactory(organization=branch_a)
        ActivityFactory(organization=branch_a, held_on=datetime.date(Y, 1, 1), created_by=secretary)
    client.force_login(user)
    cache.clear()
    # session, user, organisation (3); organisations, members, records, development (2),
    # admissions, service records — each this year and last (12); the compliance engine this
    # year and last (branches, rules, exemptions, explanations, hosted and joint GROUP BYs:
    # 12); a unit
    # heatmap's branch paths and units (2); records by month, composition and age bands (3);
    # second pass, each this year and last: 最强党支部 share and round (4), 学时 (2), list
    # items (2), assessment run, cards and results (6), dues setting and arrears (4); the
    # ratings and training charts (2); what waits for this side's consent: joint records
    # and incoming transfers (2); a branch's drafts and pending 补录申请 (2)
    with django_assert_max_num_queries(56):
        assert client.get(reverse("portal:home")).status_code == 200
    # Warm: session, user, organisation; the cockpit, the compliance report and the consent
    # queues are cached.
    with django_assert_max_num_queries(3):
        assert client.get(reverse("portal:home")).status_code == 200
