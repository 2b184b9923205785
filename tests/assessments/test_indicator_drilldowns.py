"""Each auto indicator's drill-down: the numerator's link opens exactly the records counted
for that organisation and year, and the page (or the denominator's link) states the
denominator — checked against the indicator's own measure (year 2025, closed)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from activities.models import Activity
from assessments import indicators as registry
from branches.models import CommitteeSeat, DevelopmentStep, Level, Scope
from tests.branches.rating_factories import make_title
from tests.factories import (
    ActivityFactory,
    CommitteeSeatFactory,
    DevelopmentCaseFactory,
    MemberFactory,
    OrganizationFactory,
    TermFactory,
    UserFactory,
)
from tests.training.factories import TrainingClassFactory
from training.models import Enrollment

# A partner that has confirmed its participation (activities/models/joint.py).
CONFIRMED = {"status": "confirmed"}

YEAR = 2025
d = datetime.date


def stated(response, testid: str) -> Decimal:
    match = re.search(rf'data-testid="{testid}" data-total="([\d.]+)"', response.text)
    assert match, f"{testid} not stated"
    return Decimal(match.group(1))


def measure(code, organization):
    return registry.get(code).compute(YEAR, [organization])[organization.pk]


def follow(client, code, organization):
    indicator = registry.get(code)
    numerator = client.get(indicator.drilldown(organization, YEAR))
    denominator = client.get(indicator.denominator_link(organization, YEAR))
    assert numerator.status_code == denominator.status_code == 200
    return numerator, denominator


@pytest.fixture
def meetings(branch_a, branch_a2):
    """branch_a: Q1 and Q2 (twice) 支部党员大会, a Q3 党课, a draft Q3 党课 (not counted), a
    joint Q4 党课 hosted by a2, last year's meeting; three 主题党日 months (Jan twice, Mar, and
    May joint), a draft in April."""
    records = {
        "q1": ActivityFactory(organization=branch_a, kind="general-meeting", held_on=d(YEAR, 2, 1)),
        "q2": ActivityFactory(organization=branch_a, kind="general-meeting", held_on=d(YEAR, 4, 1)),
        "q2b": ActivityFactory(
            organization=branch_a, kind="general-meeting", held_on=d(YEAR, 5, 1)
        ),
        "q3": ActivityFactory(organization=branch_a, kind="party-lecture", held_on=d(YEAR, 8, 1)),
        "draft": ActivityFactory(
            organization=branch_a,
            kind="party-lecture",
            held_on=d(YEAR, 9, 1),
            status=Activity.Status.DRAFT,
        ),
        "joint": ActivityFactory(
            organization=branch_a2, kind="party-lecture", held_on=d(YEAR, 11, 1)
        ),
        "old": ActivityFactory(
            organization=branch_a, kind="general-meeting", held_on=d(YEAR - 1, 12, 1)
        ),
        "jan": ActivityFactory(organization=branch_a, kind="theme-day", held_on=d(YEAR, 1, 15)),
        "jan2": ActivityFactory(organization=branch_a, kind="theme-day", held_on=d(YEAR, 1, 20)),
        "mar": ActivityFactory(organization=branch_a, kind="theme-day", held_on=d(YEAR, 3, 15)),
        "apr": ActivityFactory(
            organization=branch_a,
            kind="theme-day",
            held_on=d(YEAR, 4, 15),
            status=Activity.Status.DRAFT,
        ),
        "may": ActivityFactory(organization=branch_a2, kind="theme-day", held_on=d(YEAR, 5, 15)),
        "old_day": ActivityFactory(
            organization=branch_a, kind="theme-day", held_on=d(YEAR - 1, 12, 15)
        ),
    }
    records["joint"].joint_organizations.add(branch_a, through_defaults=CONFIRMED)
    records["may"].joint_organizations.add(branch_a, through_defaults=CONFIRMED)
    return records


def listed_records(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-record="(\d+)"', response.text)}


def test_three_meetings_page_lists_the_counted_records_and_states_both_numbers(
    client, staff, branch_a, meetings
):
    client.force_login(staff)
    numerator, denominator = follow(client, "three-meetings-one-lesson", branch_a)
    expected = measure("three-meetings-one-lesson", branch_a)
    assert (stated(numerator, "numerator"), stated(numerator, "denominator")) == (4, 8)
    assert (expected.numerator, expected.denominator) == (4, 8)
    assert stated(denominator, "denominator") == 8
    rows = numerator.context["rows"]
    assert sum(row["counted"] for row in rows) == 4
    assert sum(row["required"] for row in rows) == 8
    kept = {"q1", "q2", "q2b", "q3", "joint"}
    assert listed_records(numerator) == {meetings[k].pk for k in kept}
    # The year's page for the year only: last year's meeting and the draft are not there.
    assert meetings["old"].pk not in listed_records(numerator)


def test_theme_day_page_lists_the_months_and_records_counted(client, staff, branch_a, meetings):
    client.force_login(staff)
    numerator, _ = follow(client, "theme-day-months", branch_a)
    assert (stated(numerator, "numerator"), stated(numerator, "denominator")) == (3, 12)
    covered = [row["label"] for row in numerator.context["rows"] if row["counted"]]
    assert covered == [f"{YEAR}年1月", f"{YEAR}年3月", f"{YEAR}年5月"]
    assert listed_records(numerator) == {meetings[k].pk for k in ("jan", "jan2", "mar", "may")}


@pytest.mark.parametrize("code", ["three-meetings-one-lesson", "theme-day-months"])
def test_committee_page_sums_its_branches(client, staff, committee_a, branch_a, meetings, code):
    client.force_login(staff)
    numerator, _ = follow(client, code, committee_a)
    expected = measure(code, committee_a)
    assert stated(numerator, "numerator") == expected.numerator
    assert stated(numerator, "denominator") == expected.denominator
    rows = numerator.context["branch_rows"]
    assert sum(m.numerator for _, m in rows) == expected.numerator
    assert sum(m.denominator for _, m in rows) == expected.denominator


def test_indicator_page_refuses_outsiders_unknown_codes_and_ignores_bad_years(
    client, secretary, branch_a, branch_b, meetings
):
    client.force_login(secretary)
    url = reverse("activities:indicator-detail", args=[branch_b.pk])
    assert client.get(url, {"code": "theme-day-months"}).status_code == 404
    url = reverse("activities:indicator-detail", args=[branch_a.pk])
    assert client.get(url, {"code": "no-such-code"}).status_code == 404
    assert client.get(url).status_code == 404
    for raw in ("²", "²²²²", "abc", "1800"):
        assert client.get(url, {"code": "theme-day-months", "year": raw}).status_code == 200
    assert client.post(url, {"code": "theme-day-months"}).status_code == 405


def test_rating_level_page_explains_the_points_and_the_full_score(
    client, staff, committee_a, branch_a, branch_a2
):
    make_title(branch_a, year=YEAR, level=Level.STRONGEST)
    make_title(branch_a, year=YEAR, level=Level.MODEL_POINT)
    make_title(branch_a2, year=YEAR - 1, scope=Scope.LEAGUE)
    OrganizationFactory(parent=committee_a, type="temporary_branch")  # takes no part
    client.force_login(staff)
    for organization, expected in ((branch_a, (2, 3)), (committee_a, (3, 6))):
        got = measure("rating-level", organization)
        assert (got.numerator, got.denominator) == expected
        numerator, _ = follow(client, "rating-level", organization)
        assert stated(numerator, "numerator") == expected[0]
        assert stated(numerator, "denominator") == expected[1]
        assert numerator.context["page"].paginator.count * 3 == expected[1]
        assert sum(row["branch"].top for row in numerator.context["rows"]) == expected[0]


def test_training_hours_met_opens_the_members_counted(client, staff, branch_a, root):
    training_class = TrainingClassFactory(organization=root, starts_on=d(YEAR, 3, 1))
    met = MemberFactory(organization=branch_a, name="达标")
    short = MemberFactory(organization=branch_a, name="未达标")
    for member, hours in ((met, 40), (short, 8)):
        Enrollment.objects.create(
            training_class=training_class, member=member, signed_in=True, hours_earned=hours
        )
    client.force_login(staff)
    got = measure("training-hours-met", branch_a)
    assert (got.numerator, got.denominator) == (1, 2)
    numerator, denominator = follow(client, "training-hours-met", branch_a)
    assert [m.name for m in numerator.context["page"]] == ["达标"]
    assert stated(numerator, "list-total") == got.numerator
    assert stated(numerator, "list-denominator") == got.denominator
    assert len(denominator.context["table"]) == got.denominator


def _counted_rows(response) -> tuple[int, int]:
    flags = re.findall(r'data-row-counted="([01])"', response.text)
    return flags.count("1"), len(flags)


@pytest.fixture
def organisation_records(committee_a, branch_a, branch_a2):
    """Terms: a's second term renewed on time in 2025, its third not due, a2's first due on
    1 January and running, committee_a without any term. Steps: a late talk and its
    application, a timely talk, a2's steps of last year. Set-up: a with 2 members (too few),
    a2 with 3 and a secretary."""
    TermFactory(
        organization=branch_a, number=1, elected_on=d(2019, 6, 1), actual_end=d(2022, 5, 20)
    )
    TermFactory(
        organization=branch_a, number=2, elected_on=d(2022, 5, 20), actual_end=d(2025, 5, 10)
    )
    TermFactory(organization=branch_a, number=3, elected_on=d(2025, 5, 10))
    TermFactory(organization=branch_a2, number=1, elected_on=d(2022, 1, 1))
    user = UserFactory()
    for organization, dates in (
        (branch_a, {"application": d(YEAR, 1, 10), "talk": d(YEAR, 3, 1)}),
        (branch_a, {"application": d(YEAR - 1, 12, 20), "talk": d(YEAR, 1, 5)}),
        (branch_a2, {"application": d(YEAR - 1, 1, 1), "talk": d(YEAR - 1, 3, 1)}),
    ):
        case = DevelopmentCaseFactory(organization=organization)
        for step, day in dates.items():
            DevelopmentStep.objects.create(case=case, step=step, done_on=day, recorded_by=user)
    MemberFactory.create_batch(2, organization=branch_a)
    members = MemberFactory.create_batch(3, organization=branch_a2)
    CommitteeSeatFactory(
        organization=branch_a2, member=members[0], post=CommitteeSeat.Post.SECRETARY
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # committee_a: a on time, a2 overdue, committee_a without terms → 1 of 3.
        ("term-on-time", {"branch_a": (1, 1), "branch_a2": (0, 1), "committee_a": (1, 3)}),
        # a: the late talk broke the one-month rule → 2 of 3 steps; a2 none this year.
        ("development-steps", {"branch_a": (2, 3), "branch_a2": (0, 0), "committee_a": (2, 3)}),
        ("setup-rules", {"branch_a": (0, 1), "branch_a2": (1, 1), "committee_a": (1, 2)}),
    ],
)
def test_organisation_building_pages_list_every_judged_row(
    client, request, staff, organisation_records, code, expected
):
    client.force_login(staff)
    for name, (numerator, denominator) in expected.items():
        organization = request.getfixturevalue(name)
        got = measure(code, organization)
        assert (got.numerator, got.denominator) == (numerator, denominator), name
        page, _ = follow(client, code, organization)
        assert (stated(page, "numerator"), stated(page, "denominator")) == expected[name]
        assert _counted_rows(page) == expected[name], name


def test_organisation_building_page_refuses_outsiders_and_unknown_codes(
    client, secretary, branch_a, branch_b
):
    client.force_login(secretary)
    for code, organization in (("setup-rules", branch_b), ("nope", branch_a)):
        url = reverse("assessments:indicator-detail", args=[organization.pk])
        assert client.get(url, {"code": code}).status_code == 404
    url = reverse("assessments:indicator-detail", args=[branch_a.pk])
    assert client.get(url, {"code": "term-on-time", "year": "²²²²"}).status_code == 200


def _queries(client, url, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(60) as counted:
        assert client.get(url).status_code == 200
    return len(counted.captured_queries)


@pytest.mark.parametrize(
    "code",
    [
        "three-meetings-one-lesson",
        "theme-day-months",
        "term-on-time",
        "setup-rules",
        "development-steps",
        "dues-on-time",
        "rating-level",
        "list-items-closed-on-time",
    ],
)
def test_drilldown_queries_do_not_grow_with_branches(
    client, staff, committee_a, code, django_assert_max_num_queries
):
    client.force_login(staff)
    url = registry.get(code).drilldown(committee_a, YEAR)
    counts = []
    for batch in (2, 6):
        for n in range(batch):
            branch = OrganizationFactory(parent=committee_a, name=f"新支部{batch}-{n}")
            MemberFactory(organization=branch)
            ActivityFactory(organization=branch, kind="theme-day", held_on=d(YEAR, 3, 1))
            TermFactory(organization=branch, number=1, elected_on=d(2020, 1, 1))
            make_title(branch, year=YEAR)
        counts.append(_queries(client, url, django_assert_max_num_queries))
    assert counts[0] == counts[1], counts


def test_drilldowns_list_combined_meetings_under_each_kind_they_name(client, staff, branch_a):
    """主题党日暨党课 (main kind 党课) counts for both indicators; each page lists it."""
    from activities.models import ActivityKind

    combined = ActivityFactory(organization=branch_a, kind="party-lecture", held_on=d(YEAR, 4, 9))
    combined.also_kinds.set([ActivityKind.objects.get(code="theme-day")])
    client.force_login(staff)
    theme, _ = follow(client, "theme-day-months", branch_a)
    assert stated(theme, "numerator") == measure("theme-day-months", branch_a).numerator == 1
    assert listed_records(theme) == {combined.pk}
    meetings, _ = follow(client, "three-meetings-one-lesson", branch_a)
    assert combined.pk in listed_records(meetings)
