"""The cockpit's figures against hand-counted fixtures, this year and the same day last year."""

import datetime

import pytest
from django.utils import timezone

from activities.compliance import compute
from activities.models import Activity, ServiceLedgerType, ServiceRecord
from branches.models import DevelopmentStep, Member, Organization, Stage, Step
from branches.models.members import AGE_BAND_LIMITS
from portal.cockpit import FIGURES, Figure, Period, Scope, cockpit_for
from portal.cockpit.base import compute as compute_cockpit
from tests.factories import (
    ActivityFactory,
    DevelopmentCaseFactory,
    MemberFactory,
    OrganizationFactory,
)

TODAY = timezone.localdate()
Y = TODAY.year
THIS_JAN = datetime.date(Y, 1, 1)
LAST_JAN = datetime.date(Y - 1, 1, 1)


@pytest.fixture
def league(branch_a, branch_a2, branch_b, secretary):
    """Members, cases, records and service records on both sides of the tree."""
    MemberFactory(organization=branch_a, name="甲一", ethnicity="蒙古族", education="postgraduate")
    MemberFactory(organization=branch_a, name="甲二", joined_on=LAST_JAN, confirmed_on=THIS_JAN)
    MemberFactory(
        organization=branch_a2,
        name="甲三",
        joined_on=THIS_JAN,
        status=Member.Status.PROBATIONARY,
        confirmed_on=None,
    )
    MemberFactory(organization=branch_a, name="甲四", standing=Member.Standing.TRANSFERRED_OUT)
    MemberFactory(organization=branch_a2, name="甲五", lost_contact_since=LAST_JAN)
    MemberFactory(organization=branch_b, name="乙一")

    def case(organization, stage, steps, **kwargs):
        made = DevelopmentCaseFactory(organization=organization, stage=stage, **kwargs)
        for step, day in steps:
            DevelopmentStep.objects.create(case=made, step=step, done_on=day, recorded_by=secretary)
        return made

    old = datetime.date(Y - 3, 1, 1)
    case(branch_a, Stage.ACTIVIST, [(Step.APPLICATION, LAST_JAN), (Step.ACTIVIST, THIS_JAN)])
    case(
        branch_a,
        Stage.PROBATIONARY,
        [
            (Step.APPLICATION, old),
            (Step.ACTIVIST, old),
            (Step.CANDIDATE, LAST_JAN),
            (Step.ADMISSION_APPROVAL, THIS_JAN),
        ],
    )
    # Closed this year: gone from today's figure, still an applicant on last year's day.
    case(
        branch_a2,
        Stage.APPLICANT,
        [(Step.APPLICATION, LAST_JAN)],
        is_closed=True,
        closed_at=timezone.now(),
    )
    case(branch_b, Stage.CANDIDATE, [(Step.APPLICATION, old)])

    for status in (Activity.Status.SUBMITTED, Activity.Status.APPROVED, Activity.Status.DRAFT):
        ActivityFactory(
            organization=branch_a, held_on=THIS_JAN, status=status, created_by=secretary
        )
    ActivityFactory(organization=branch_a2, held_on=LAST_JAN, created_by=secretary)
    ActivityFactory(organization=branch_b, held_on=THIS_JAN, created_by=secretary)

    kind = ServiceLedgerType.objects.order_by("sort_order", "pk").first()
    for organization, started, ended in (
        (branch_a, THIS_JAN, None),
        (branch_a2, datetime.date(Y - 2, 1, 1), datetime.date(Y - 2, 6, 1)),
        (branch_b, THIS_JAN, None),
    ):
        ServiceRecord.objects.create(
            type=kind,
            organization=organization,
            title="办实事",
            started_on=started,
            ended_on=ended,
            status=ServiceRecord.Status.COMPLETED if ended else ServiceRecord.Status.IN_PROGRESS,
            created_by=secretary,
        )
    return kind


def parts(figure: Figure) -> dict:
    return {p.key: (p.value, p.previous) for p in figure.parts}


def test_members_now_and_the_same_day_last_year(league, committee_a, root):
    board = cockpit_for(committee_a)
    members = board.figure("members")
    # 甲一, 甲二 (confirmed this January), 甲五 full; 甲三 probationary; 甲四 transferred out.
    assert (members.value, members.previous) == (4, 3)
    assert parts(members) == {"full": (3, 2), "probationary": (1, 1), "lost": (1, 1)}
    assert members.delta_text == "较去年同期增加1名"
    assert cockpit_for(root).figure("members").value == 5  # 乙一 counts for the league


def test_organisations_by_founding_date(league, committee_a):
    OrganizationFactory(parent=committee_a, name="甲局新党支部", established_on=THIS_JAN)
    board = cockpit_for(committee_a)
    organizations, branches = board.figure("organizations"), board.figure("branches")
    assert (organizations.value, organizations.previous) == (4, 3)
    assert parts(organizations) == {"committee": (1, 1), "branch": (3, 2)}
    assert (branches.value, branches.previous) == (3, 2)
    matrix = {row["type"]: row["total"] for row in organizations.extra["matrix"]}
    assert matrix == {"committee": 1, "branch": 3}


def test_development_stages_today_and_from_steps_last_year(league, committee_a):
    board = cockpit_for(committee_a)
    development = board.figure("development")
    assert (development.value, development.previous) == (2, 3)
    assert parts(development) == {
        "applicant": (0, 2),
        "activist": (1, 0),
        "candidate": (0, 1),
        "probationary": (1, 0),
    }
    admissions = board.figure("admissions")
    assert (admissions.value, admissions.previous) == (1, 0)


def test_activities_count_submitted_and_approved_records_of_the_subtree(league, committee_a):
    board = cockpit_for(committee_a)
    activities = board.figure("activities")
    assert (activities.value, activities.previous) == (2, 1)
    chart = board.chart("activities-by-month")
    by_year = {s.name: s.values for s in chart.series}
    assert by_year[f"{Y}年"][0] == 2 and sum(by_year[f"{Y}年"]) == 2
    assert by_year[f"{Y - 1}年"][0] == 1 and sum(by_year[f"{Y - 1}年"]) == 1
    assert chart.series[1].urls[0].endswith(f"month={Y}-01&organization={committee_a.pk}")


def test_service_records_running_this_year(league, committee_a):
    figure = cockpit_for(committee_a).figure("service-records")
    assert (figure.value, figure.previous) == (1, 0)
    assert parts(figure) == {league.code: (1, None)}
    assert f"year={Y}" in figure.url


def test_compliance_rate_is_the_engines_and_shares_its_cache(league, committee_a):
    figure = cockpit_for(committee_a).figure("compliance")
    report = compute(Organization.objects.subtree(committee_a), Y, today=TODAY)
    expected = report.rate()
    assert figure.value == (None if expected is None else round(expected * 100, 1))
    assert parts(figure)["branches"][0] == 2
    chart = cockpit_for(committee_a).chart("compliance-heatmap")
    assert chart.y_categories == [branch.display_name for branch in report.organizations]


def test_member_composition(league, committee_a):
    board = cockpit_for(committee_a)
    ethnicity = board.chart("member-ethnicity")
    assert dict(zip(ethnicity.categories, ethnicity.series[0].values, strict=True)) == {
        "汉族": 3,
        "蒙古族": 1,
    }
    education = board.chart("member-education")
    assert dict(zip(education.categories, education.series[0].values, strict=True)) == {
        "研究生": 1,
        "大学本科": 3,
    }
    ages = board.chart("member-age")
    age = Member(birth_date=datetime.date(1985, 3, 7)).age_on(TODAY)
    band = next(
        i
        for i, (low, high) in enumerate(AGE_BAND_LIMITS.values())
        if (low is None or age >= low) and (high is None or age < high)
    )
    assert ages.series[0].values[band] == 4 and sum(ages.series[0].values) == 4
    assert "ethnicity=%E8%92%99%E5%8F%A4%E6%97%8F" in ethnicity.series[0].urls[1]


def test_a_branch_scope_counts_only_the_branch(league, branch_a):
    board = cockpit_for(branch_a)
    assert board.figure("members").value == 2  # 甲一, 甲二
    assert board.figure("activities").value == 2
    heatmap = board.chart("compliance-heatmap")
    assert heatmap is None or heatmap.y_categories == [branch_a.display_name]


def test_a_provider_is_one_function(committee_a, branch_a, branch_a2):
    """What a later pass does: one function (scope, period) → Figure, one list entry."""

    def branches_named_jia(scope: Scope, period: Period) -> Figure:
        n = scope.organizations().filter(name__startswith="甲").count()
        return Figure("jia", "甲字头组织", n, scope.url("branches:organization-list"), unit="个")

    board = compute_cockpit(
        Scope.of(committee_a), Period.of(Y, TODAY), [*FIGURES, branches_named_jia], []
    )
    assert board.figure("jia").value == 3 and board.figure("jia").previous == 3
    assert board.figure("jia").delta_text == "与去年同期持平"


def test_period_of_a_past_year_is_the_whole_year():
    assert Period.of(Y - 1, TODAY).end == datetime.date(Y - 1, 12, 31)
    assert Period.of(Y, TODAY).previous().year == Y - 1
