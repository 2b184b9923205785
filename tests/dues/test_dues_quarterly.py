"""Paying a quarter's dues at the quarter's end is on time (党费每月交纳，经党支部同意可按季度
交纳): a month counts as paid on time when paid by the last day of its quarter, and a month of
the quarter still running is due only once paid (it cannot be late yet)."""

import datetime

import pytest

from dues.arrears import on_time_by_branch, quarter_deadline
from tests.dues.factories import assess, month_range, paid
from tests.factories import MemberFactory

d = datetime.date
JAN = d(2026, 1, 1)


@pytest.mark.parametrize(
    ("month", "deadline"),
    [
        (d(2026, 1, 1), d(2026, 4, 1)),
        (d(2026, 3, 1), d(2026, 4, 1)),
        (d(2026, 4, 1), d(2026, 7, 1)),
        (d(2026, 9, 1), d(2026, 10, 1)),
        (d(2026, 12, 1), d(2027, 1, 1)),
    ],
)
def test_quarter_deadline(month, deadline):
    assert quarter_deadline(month) == deadline


def test_a_quarter_paid_on_its_last_day_is_on_time(branch_a, branch_a2, secretary):
    member = MemberFactory(organization=branch_a)
    assess(member, secretary, month=JAN)
    paid(member, secretary, *month_range(JAN, 3), paid_on=d(2026, 3, 31))  # Q1 on 31 March
    paid(member, secretary, *month_range(d(2026, 4, 1), 3), paid_on=d(2026, 7, 1))  # a day late
    result = on_time_by_branch(2026, [branch_a.pk, branch_a2.pk], as_of=d(2026, 7, 15))
    assert result == {branch_a.pk: (3, 6), branch_a2.pk: (0, 0)}


def test_a_month_paid_after_its_quarter_is_late(branch_a, secretary):
    member = MemberFactory(organization=branch_a)
    assess(member, secretary, month=JAN)
    paid(member, secretary, JAN, paid_on=d(2026, 4, 1))
    paid(member, secretary, *month_range(d(2026, 2, 1), 2), paid_on=d(2026, 2, 10))
    assert on_time_by_branch(2026, [branch_a.pk], as_of=d(2026, 4, 20)) == {branch_a.pk: (2, 3)}


def test_the_running_quarter_counts_only_months_already_paid(branch_a, secretary):
    # 15 August: January–June are due (two closed quarters); July is counted when paid.
    ahead, quarterly = MemberFactory.create_batch(2, organization=branch_a)
    for member in (ahead, quarterly):
        assess(member, secretary, month=JAN)
        paid(member, secretary, *month_range(JAN, 6))
    paid(ahead, secretary, d(2026, 7, 1), paid_on=d(2026, 7, 20))
    assert on_time_by_branch(2026, [branch_a.pk], as_of=d(2026, 8, 15)) == {branch_a.pk: (13, 13)}


def test_in_the_first_quarter_only_paid_months_count(branch_a, secretary):
    member = MemberFactory(organization=branch_a)
    assess(member, secretary, month=JAN)
    assert on_time_by_branch(2026, [branch_a.pk], as_of=d(2026, 3, 10)) == {branch_a.pk: (0, 0)}
    paid(member, secretary, JAN)
    assert on_time_by_branch(2026, [branch_a.pk], as_of=d(2026, 3, 10)) == {branch_a.pk: (1, 1)}
