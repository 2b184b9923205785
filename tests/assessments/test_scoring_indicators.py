"""Each auto indicator of organisational life and organisation building against hand-computed
fixtures (year 2025, closed: every period counts)."""

import datetime

import pytest

from activities.indicators import theme_day_months, three_meetings_completion
from activities.models import Activity
from assessments import indicators as registry
from assessments.branch_indicators import (
    development_steps_within_rules,
    setup_rules_met,
    terms_on_time,
)
from branches.models import CommitteeSeat, DevelopmentStep
from tests.factories import (
    ActivityFactory,
    CommitteeSeatFactory,
    DevelopmentCaseFactory,
    MemberFactory,
    TermFactory,
    UserFactory,
)

# A partner that has confirmed its participation (activities/models/joint.py).
CONFIRMED = {"status": "confirmed"}

YEAR = 2025
d = datetime.date


def ratio(measure):
    return (int(measure.numerator), int(measure.denominator))


def test_every_own_indicator_is_registered():
    codes = {i.code for i in registry.all_indicators()}
    assert {
        "three-meetings-one-lesson",
        "theme-day-months",
        "term-on-time",
        "development-steps",
        "setup-rules",
    } <= codes


def test_three_meetings_one_lesson_counts_required_meetings_held(
    committee_a, branch_a, branch_a2, secretary
):
    # branch_a owes 4 支部党员大会 and 4 党课 (no committee, no party groups): 8.
    ActivityFactory(organization=branch_a, kind="general-meeting", held_on=d(YEAR, 2, 1))
    ActivityFactory(organization=branch_a, kind="general-meeting", held_on=d(YEAR, 4, 1))
    ActivityFactory(
        organization=branch_a, kind="general-meeting", held_on=d(YEAR, 5, 1)
    )  # Q2 again
    ActivityFactory(organization=branch_a, kind="party-lecture", held_on=d(YEAR, 8, 1))
    ActivityFactory(
        organization=branch_a,
        kind="party-lecture",
        held_on=d(YEAR, 9, 1),
        status=Activity.Status.DRAFT,
    )
    joint = ActivityFactory(organization=branch_a2, kind="party-lecture", held_on=d(YEAR, 11, 1))
    joint.joint_organizations.add(branch_a, through_defaults=CONFIRMED)
    ActivityFactory(organization=branch_a, kind="general-meeting", held_on=d(YEAR - 1, 12, 1))

    measures = three_meetings_completion(YEAR, [committee_a, branch_a, branch_a2])

    assert ratio(measures[branch_a.pk]) == (4, 8)  # Q1, Q2 meetings; Q3, Q4 lectures
    assert ratio(measures[branch_a2.pk]) == (1, 8)
    assert ratio(measures[committee_a.pk]) == (5, 16)


def test_theme_day_months_covered(committee_a, branch_a, branch_a2):
    for month in (1, 1, 3):
        ActivityFactory(organization=branch_a, kind="theme-day", held_on=d(YEAR, month, 15))
    ActivityFactory(
        organization=branch_a,
        kind="theme-day",
        held_on=d(YEAR, 4, 15),
        status=Activity.Status.DRAFT,
    )
    ActivityFactory(organization=branch_a, kind="theme-day", held_on=d(YEAR - 1, 12, 15))
    joint = ActivityFactory(organization=branch_a2, kind="theme-day", held_on=d(YEAR, 5, 15))
    joint.joint_organizations.add(branch_a, through_defaults=CONFIRMED)

    measures = theme_day_months(YEAR, [committee_a, branch_a, branch_a2])

    assert ratio(measures[branch_a.pk]) == (3, 12)  # January, March, May (joint)
    assert ratio(measures[branch_a2.pk]) == (1, 12)
    assert ratio(measures[committee_a.pk]) == (4, 24)


def test_terms_on_time(committee_a, branch_a, branch_a2):
    # branch_a: a term closed before the year (ignored), one due in May and renewed on time,
    # and the new one not due yet.
    TermFactory(
        organization=branch_a, number=1, elected_on=d(2019, 6, 1), actual_end=d(2022, 5, 20)
    )
    TermFactory(
        organization=branch_a, number=2, elected_on=d(2022, 5, 20), actual_end=d(2025, 5, 10)
    )
    TermFactory(organization=branch_a, number=3, elected_on=d(2025, 5, 10))
    # branch_a2: due 1 January and still running.
    TermFactory(organization=branch_a2, number=1, elected_on=d(2022, 1, 1))
    # committee_a: no term at all counts as one overdue.

    measures = terms_on_time(YEAR, [committee_a, branch_a, branch_a2])

    assert ratio(measures[branch_a.pk]) == (1, 1)
    assert ratio(measures[branch_a2.pk]) == (0, 1)
    assert measures[committee_a.pk].denominator == 3
    assert measures[committee_a.pk].numerator == 1
    assert "未登记届次" in measures[committee_a.pk].note


def test_terms_renewed_late_are_not_on_time(branch_a):
    TermFactory(organization=branch_a, number=1, elected_on=d(2022, 3, 1), actual_end=d(2025, 6, 1))
    assert ratio(terms_on_time(YEAR, [branch_a])[branch_a.pk]) == (0, 1)


def _steps(case, **dates):
    user = UserFactory()
    for step, day in dates.items():
        DevelopmentStep.objects.create(case=case, step=step, done_on=day, recorded_by=user)


def test_development_steps_within_the_timing_rules(committee_a, branch_a, branch_a2):
    late_talk = DevelopmentCaseFactory(organization=branch_a)
    _steps(late_talk, application=d(YEAR, 1, 10), talk=d(YEAR, 3, 1))  # 50 days: broken
    timely = DevelopmentCaseFactory(organization=branch_a)
    _steps(timely, application=d(YEAR - 1, 12, 20), talk=d(YEAR, 1, 5))  # only the talk counts
    old = DevelopmentCaseFactory(organization=branch_a2)
    _steps(old, application=d(YEAR - 1, 1, 1), talk=d(YEAR - 1, 3, 1))  # not in the year

    measures = development_steps_within_rules(YEAR, [committee_a, branch_a, branch_a2])

    assert ratio(measures[branch_a.pk]) == (2, 3)
    assert ratio(measures[branch_a2.pk]) == (0, 0)  # nothing to judge: full marks later
    assert ratio(measures[committee_a.pk]) == (2, 3)


def test_setup_rules_met(committee_a, branch_a, branch_a2):
    MemberFactory.create_batch(2, organization=branch_a)  # fewer than 3 full members
    members = MemberFactory.create_batch(3, organization=branch_a2)
    CommitteeSeatFactory(
        organization=branch_a2, member=members[0], post=CommitteeSeat.Post.SECRETARY
    )

    measures = setup_rules_met(YEAR, [committee_a, branch_a, branch_a2])

    assert ratio(measures[branch_a.pk]) == (0, 1)
    assert "正式党员不足3名" in measures[branch_a.pk].note
    assert ratio(measures[branch_a2.pk]) == (1, 1)
    assert ratio(measures[committee_a.pk]) == (1, 2)


@pytest.mark.parametrize("code", [i.code for i in registry.all_indicators()])
def test_every_registered_indicator_runs_a_fixed_number_of_queries(
    code, root, committee_a, branch_a, branch_a2, django_assert_max_num_queries
):
    """The registry's contract, for every indicator any app registered."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import OrganizationFactory

    indicator = registry.get(code)
    with CaptureQueriesContext(connection) as small:
        result = indicator.compute(YEAR, [committee_a, branch_a])
    assert set(result) == {committee_a.pk, branch_a.pk}
    more = [OrganizationFactory(parent=committee_a) for _ in range(6)]
    for branch in more:
        ActivityFactory(organization=branch, kind="theme-day", held_on=d(YEAR, 3, 1))
    with CaptureQueriesContext(connection) as large:
        result = indicator.compute(YEAR, [committee_a, branch_a, *more])
    assert len(result) == 8
    assert len(large.captured_queries) == len(small.captured_queries), code
