import datetime

import pytest

from activities.compliance import Status, compute
from activities.models import Activity, Exemption, FrequencyRule
from branches.models import CommitteeSeat, Organization, PartyGroup
from tests.factories import (
    ActivityFactory,
    CommitteeSeatFactory,
    MemberFactory,
    OrganizationFactory,
)

# A partner that has confirmed its participation (activities/models/joint.py).
CONFIRMED = {"status": "confirmed"}

TODAY = datetime.date(2026, 5, 15)  # Q2, May


def cells(report, organization, kind_code):
    return {
        c.period.index: c
        for c in report.for_organization(organization.pk)
        if c.rule.kind.code == kind_code
    }


def run(*organizations, today=TODAY):
    pks = [o.pk for o in organizations]
    return compute(Organization.objects.filter(pk__in=pks), 2026, today=today)


def test_theme_day_months_are_met_overdue_due_or_future(branch_a):
    ActivityFactory(organization=branch_a, kind="theme-day", held_on=datetime.date(2026, 1, 20))
    ActivityFactory(organization=branch_a, kind="theme-day", held_on=datetime.date(2026, 3, 5))
    months = cells(run(branch_a), branch_a, "theme-day")
    assert months[1].status == Status.MET and months[1].held == 1
    assert months[2].status == Status.OVERDUE and months[2].missing == 1
    assert months[3].status == Status.MET
    assert months[4].status == Status.OVERDUE
    assert months[5].status == Status.DUE  # May is still running
    assert months[6].status == Status.FUTURE


def test_quarterly_lecture_counts_any_month_of_the_quarter(branch_a):
    ActivityFactory(organization=branch_a, kind="party-lecture", held_on=datetime.date(2026, 2, 1))
    quarters = cells(run(branch_a), branch_a, "party-lecture")
    assert quarters[1].status == Status.MET
    assert quarters[2].status == Status.DUE
    assert quarters[3].status == Status.FUTURE


def test_drafts_and_returned_records_do_not_count(branch_a):
    for status in (Activity.Status.DRAFT, Activity.Status.RETURNED):
        ActivityFactory(
            organization=branch_a,
            kind="theme-day",
            held_on=datetime.date(2026, 1, 9),
            status=status,
        )
    assert cells(run(branch_a), branch_a, "theme-day")[1].status == Status.OVERDUE
    ActivityFactory(
        organization=branch_a,
        kind="theme-day",
        held_on=datetime.date(2026, 1, 9),
        status=Activity.Status.APPROVED,
    )
    assert cells(run(branch_a), branch_a, "theme-day")[1].status == Status.MET


def test_committee_meetings_are_required_only_where_a_committee_exists(branch_a, branch_a2):
    for post in ("secretary", "organization", "publicity"):
        CommitteeSeatFactory(organization=branch_a, post=post)
    CommitteeSeatFactory(organization=branch_a2, post="secretary")
    report = run(branch_a, branch_a2)
    assert cells(report, branch_a, "committee-meeting")[4].status == Status.OVERDUE
    assert cells(report, branch_a2, "committee-meeting") == {}


def test_ended_seats_do_not_make_a_committee(branch_a):
    for post in ("secretary", "organization", "publicity"):
        CommitteeSeatFactory(organization=branch_a, post=post)
    CommitteeSeat.objects.filter(post="publicity").update(ended_on=datetime.date(2025, 12, 31))
    assert cells(run(branch_a), branch_a, "committee-meeting") == {}


def test_group_meetings_are_required_per_party_group(branch_a):
    first = PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    second = PartyGroup.objects.create(organization=branch_a, name="第二党小组")
    jan = datetime.date(2026, 1, 12)
    # The first group meets twice; that does not cover the second group.
    for _ in range(2):
        ActivityFactory(organization=branch_a, kind="group-meeting", party_group=first, held_on=jan)
    month = cells(run(branch_a), branch_a, "group-meeting")[1]
    assert (month.required, month.held, month.status) == (2, 1, Status.OVERDUE)
    ActivityFactory(organization=branch_a, kind="group-meeting", party_group=second, held_on=jan)
    assert cells(run(branch_a), branch_a, "group-meeting")[1].status == Status.MET


def test_branches_without_party_groups_owe_no_group_meetings(branch_a):
    assert cells(run(branch_a), branch_a, "group-meeting") == {}


def test_a_joint_activity_counts_for_every_participating_branch(branch_a, branch_b):
    activity = ActivityFactory(
        organization=branch_a, kind="theme-day", held_on=datetime.date(2026, 2, 3)
    )
    activity.joint_organizations.add(branch_b, through_defaults=CONFIRMED)
    report = run(branch_a, branch_b)
    assert cells(report, branch_a, "theme-day")[2].status == Status.MET
    assert cells(report, branch_b, "theme-day")[2].status == Status.MET


def test_an_exemption_removes_the_rule_for_its_periods(branch_a, staff):
    rule = FrequencyRule.objects.get(kind__code="theme-day")
    Exemption.objects.create(
        organization=branch_a,
        rule=rule,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 3, 31),
        reason="新成立支部，首季度豁免",
        approved_by=staff,
    )
    months = cells(run(branch_a), branch_a, "theme-day")
    assert set(months) == set(range(4, 13))


def test_rules_outside_their_effective_dates_are_ignored(branch_a):
    FrequencyRule.objects.filter(kind__code="heart-talk").update(
        effective_to=datetime.date(2025, 12, 31)
    )
    assert cells(run(branch_a), branch_a, "heart-talk") == {}


def test_rules_apply_by_organisation_type(root, committee_a, branch_a):
    temporary = OrganizationFactory(parent=committee_a, type=Organization.Type.TEMPORARY_BRANCH)
    report = run(branch_a, temporary, committee_a)
    assert report.for_organization(temporary.pk) == []
    assert report.for_organization(committee_a.pk) == []  # a 党委 is not a branch
    assert report.for_organization(branch_a.pk)


def test_due_now_lists_what_the_secretary_still_has_to_hold(branch_a):
    ActivityFactory(organization=branch_a, kind="party-lecture", held_on=datetime.date(2026, 4, 2))
    due = {
        (c.rule.kind.name, c.period.kind, c.period.index, c.missing)
        for c in run(branch_a).due_now(branch_a.pk)
    }
    assert ("主题党日", "month", 5, 1) in due
    assert ("支部党员大会", "quarter", 2, 1) in due
    assert ("组织生活会", "year", 1, 1) in due
    assert ("主题党日", "month", 4, 1) in due  # April was missed: overdue, still listed
    assert ("党课", "quarter", 1, 1) in due  # Q1's lecture was missed
    assert not any(name == "党课" and index == 2 for name, _, index, _ in due)
    assert ("主题党日", "month", 6, 1) not in due  # June has not started


def test_heatmap_and_behind_list(branch_a, branch_a2):
    for month in range(1, 6):
        ActivityFactory(
            organization=branch_a, kind="theme-day", held_on=datetime.date(2026, month, 3)
        )
    ActivityFactory(
        organization=branch_a, kind="general-meeting", held_on=datetime.date(2026, 2, 3)
    )
    ActivityFactory(organization=branch_a, kind="party-lecture", held_on=datetime.date(2026, 3, 3))
    report = run(branch_a, branch_a2)
    heat = dict(report.heatmap())
    assert heat[branch_a][0] == Status.MET  # January: theme day held
    # March closes the quarter: theme day, general meeting and lecture all held.
    assert heat[branch_a][2] == Status.MET
    assert heat[branch_a2][0] == Status.OVERDUE
    assert heat[branch_a][6] == Status.FUTURE  # July has not started
    assert heat[branch_a][11] == Status.DUE  # the yearly items fall due in December
    # Only branch_a2 has missed anything so far; branch_a is merely due in May.
    assert [row[0] for row in report.behind()] == [branch_a2]


@pytest.mark.parametrize("branch_count", [3, 30])
def test_query_count_does_not_grow_with_branches(
    committee_a, branch_count, django_assert_num_queries
):
    branches = [OrganizationFactory(parent=committee_a) for _ in range(branch_count)]
    for branch in branches:
        ActivityFactory(organization=branch, held_on=datetime.date(2026, 1, 5))
        MemberFactory(organization=branch)
    # branches with seat and group counts, rules with kinds, exemptions, explanations,
    # hosted GROUP BY, joint GROUP BY
    with django_assert_num_queries(6):
        report = compute(Organization.objects.subtree(committee_a), 2026, today=TODAY)
    assert len(report.organizations) == branch_count


def test_a_general_branch_gets_cells_for_the_rules_that_name_it(committee_a):
    general = OrganizationFactory(parent=committee_a, type=Organization.Type.GENERAL_BRANCH)
    ActivityFactory(organization=general, kind="theme-day", held_on=datetime.date(2026, 1, 20))
    report = run(general)
    months = cells(report, general, "theme-day")
    # The seeded 主题党日 rule names 党总支: January held, February missed, May running.
    assert months[1].status == Status.MET and months[1].held == 1
    assert months[2].status == Status.OVERDUE
    assert months[5].status == Status.DUE
    # The seeded 党小组会 rule names only 党支部 and 联合党支部: no cells for the 总支.
    PartyGroup.objects.create(organization=general, name="第一党小组")
    assert cells(run(general), general, "group-meeting") == {}


def test_a_rule_that_stops_naming_general_branches_gives_them_no_cells(committee_a):
    general = OrganizationFactory(parent=committee_a, type=Organization.Type.GENERAL_BRANCH)
    FrequencyRule.objects.filter(kind__code="theme-day").update(organization_types=["branch"])
    report = run(general)
    assert cells(report, general, "theme-day") == {}
    assert cells(report, general, "general-meeting")  # still named by its rule
