"""The cockpit's own figures (providers.py) equal the lists they open on a small league with
every edge they must agree on: drafts, records after today, records joined from outside the
subtree, last year's admissions, service items not begun yet, a revoked branch. The demo-wide
walk is test_figure_consistency.py; this one runs in a second and names the edge that broke.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ServiceLedgerType, ServiceRecord
from branches.models import DevelopmentStep, Stage, Step
from portal.cockpit import cockpit_for
from tests.core.figure_checks import Walker, checks_of_cockpit, checks_of_profile
from tests.factories import (
    ActivityFactory,
    DevelopmentCaseFactory,
    MemberFactory,
    OrganizationFactory,
)

TODAY = timezone.localdate()
Y = TODAY.year
THIS_JAN = datetime.date(Y, 1, 1)
LAST_YEAR = datetime.date(Y - 1, 6, 1)
# Figures defined in providers.py (the others have their own tests).
FAMILIES = {
    "organizations",
    "branches",
    "members",
    "compliance",
    "activities",
    "development",
    "admissions",
    "service-records",
}


@pytest.fixture
def edges(branch_a, branch_a2, branch_b, committee_a, secretary):
    OrganizationFactory(parent=committee_a, name="甲局已撤销党支部", is_active=False)
    for status in (Activity.Status.SUBMITTED, Activity.Status.APPROVED, Activity.Status.DRAFT):
        ActivityFactory(organization=branch_a, held_on=THIS_JAN, status=status)
    ActivityFactory(organization=branch_a2, held_on=LAST_YEAR)
    # Hosted by 乙局's branch, joined by 甲局第一党支部: a record of both subtrees.
    joint = ActivityFactory(organization=branch_b, held_on=THIS_JAN)
    joint.joint_organizations.add(branch_a, through_defaults={"status": "confirmed"})
    later = TODAY + datetime.timedelta(days=1)
    if later.year == Y:  # held after the day the figure counts to
        ActivityFactory(organization=branch_a, held_on=later)

    MemberFactory(organization=branch_a, name="甲正式")
    MemberFactory(organization=branch_a2, name="甲失联", lost_contact_since=THIS_JAN)
    if later.year == Y:  # dated after the day the figures count to
        MemberFactory(organization=branch_a, name="甲待转正", confirmed_on=later)
        MemberFactory(organization=branch_a, name="甲新党员", joined_on=later, confirmed_on=None)

    def case(stage, admitted_on):
        made = DevelopmentCaseFactory(organization=branch_a, stage=stage)
        DevelopmentStep.objects.create(
            case=made, step=Step.ADMISSION_APPROVAL, done_on=admitted_on, recorded_by=secretary
        )

    case(Stage.PROBATIONARY, THIS_JAN)
    case(Stage.FULL, LAST_YEAR)

    kind = ServiceLedgerType.objects.order_by("sort_order", "pk").first()
    starts = [THIS_JAN, datetime.date(Y - 2, 1, 1)]
    if later.year == Y:
        starts.append(later)  # not begun yet
    for started in starts:
        ServiceRecord.objects.create(
            type=kind,
            organization=branch_a,
            title="办实事",
            started_on=started,
            status=ServiceRecord.Status.IN_PROGRESS,
            created_by=secretary,
        )


def problems(client, user, organization) -> list[str]:
    client.force_login(user)
    walker = Walker(client)
    checks = [c for c in checks_of_cockpit(cockpit_for(organization)) if c.family in FAMILIES]
    profile = client.get(reverse("portal:organization-profile", args=[organization.pk]))
    checks += [c for c in checks_of_profile(profile.context) if c.family == "calendar"]
    assert {"activities", "admissions", "service-records", "organizations"} <= {
        c.family for c in checks
    }
    return [problem for _, problem in walker.problems(checks)]


def test_committee_figures_equal_their_lists(client, committee_admin, committee_a, edges):
    assert problems(client, committee_admin, committee_a) == []
    board = cockpit_for(committee_a)
    # Hosted submitted + approved, and the record joined from 乙局.
    assert board.figure("activities").value == 3
    assert board.figure("admissions").value == 1
    # Begun this January, and begun two years ago still running; not the one begun tomorrow.
    assert board.figure("service-records").value == 2
    assert board.figure("organizations").value == 3  # the revoked branch left out


def test_branch_figures_equal_their_lists(client, secretary, branch_a, edges):
    assert problems(client, secretary, branch_a) == []
    compliance = cockpit_for(branch_a).figure("compliance")
    assert compliance.is_ratio and compliance.denominator >= compliance.numerator
    assert {p.key for p in compliance.parts} == {"met", "overdue"}


def test_league_figures_equal_their_lists(client, staff, root, edges):
    assert problems(client, staff, root) == []


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("activities:activity-list", {"start": "²⁰²⁶-01-01", "end": "2026-02-30"}),
        ("activities:activity-list", {"start": "0001-01-01", "status": "bogus"}),
        ("activities:servicerecord-list", {"until": "２０２６-01-01", "year": "²"}),
        ("activities:servicerecord-list", {"until": "9999-12-31"}),
        ("branches:developmentcase-list", {"admitted_from": "x", "admitted_to": "2026-13-01"}),
        ("branches:developmentcase-list", {"organization": "²"}),
        ("branches:organization-list", {"as_of": "²", "organization": "１"}),
        ("branches:member-list", {"as_of": "0001-01-01", "status": "full"}),
        ("branches:member-list", {"as_of": "²", "lost_contact": "on"}),
        ("activities:compliance-heatmap", {"behind": "²", "year": "²"}),
        ("activities:compliance-periods", {"year": "²", "status": "bogus", "page": "x"}),
    ],
)
def test_bad_filter_values_are_ignored(client, staff, name, params):
    client.force_login(staff)
    response = client.get(reverse(name), params)
    assert response.status_code == 200


def test_periods_of_an_organisation_outside_the_subtree_are_404(client, secretary, branch_b):
    client.force_login(secretary)
    url = reverse("activities:compliance-periods")
    assert client.get(url, {"organization": branch_b.pk}).status_code == 404
    assert client.get(url, {"organization": "²"}).status_code == 404


def test_heatmap_behind_lists_only_branches_with_overdue_items(client, staff, root, edges):
    client.force_login(staff)
    summary_figure = cockpit_for(root).figure("compliance")
    behind = next(p for p in summary_figure.parts if p.key == "behind")
    response = client.get(behind.url)
    shown = {int(row["pk"]) for row in response.context["rows"]}
    assert len(shown) == behind.value
    assert response.context["behind_only"] is True
