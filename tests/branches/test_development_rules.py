"""The timing rules as a pure check (shared with imports) and their evaluation over many cases."""

import datetime

import pytest

from branches.models import DevelopmentCase, DevelopmentStep, Stage, Step, TimingRule
from branches.rules import development as development_rules
from branches.rules import votes
from tests.factories import DevelopmentCaseFactory

D = datetime.date
TODAY = D(2024, 6, 1)
BIRTH = D(2000, 5, 20)

# Unsaved rows: check_steps needs no database.
TALK_RULE = TimingRule(
    code="talk",
    description="一个月内谈话",
    step=Step.TALK,
    after_step=Step.APPLICATION,
    max_days=30,
)
YEAR_RULE = TimingRule(
    code="year",
    description="积极分子满一年",
    step=Step.CANDIDATE,
    after_step=Step.ACTIVIST,
    min_days=365,
    is_hard=True,
)
AGE_RULE = TimingRule(
    code="age", description="年满18周岁", step=Step.APPLICATION, min_age=18, is_hard=True
)
RULES = [TALK_RULE, YEAR_RULE, AGE_RULE]


def test_clean_dates_pass():
    dates = {Step.APPLICATION: D(2021, 3, 1), Step.TALK: D(2021, 3, 10)}
    assert development_rules.check_steps(dates, BIRTH, RULES, today=TODAY) == ([], [])


def test_soft_and_hard_rules_are_told_apart():
    dates = {
        Step.APPLICATION: D(2021, 3, 1),
        Step.TALK: D(2021, 4, 10),
        Step.ACTIVIST: D(2021, 4, 20),
        Step.CANDIDATE: D(2021, 12, 1),
    }
    hard, soft = development_rules.check_steps(dates, BIRTH, RULES, today=TODAY)
    assert hard == ["积极分子满一年（实际间隔225天）"]
    assert soft == ["一个月内谈话（实际间隔40天）"]


def test_age_rule_counts_whole_years():
    hard, _ = development_rules.check_steps(
        {Step.APPLICATION: D(2018, 5, 19)}, BIRTH, RULES, today=TODAY
    )
    assert hard == ["年满18周岁（递交入党申请书时17周岁）"]
    assert development_rules.check_steps(
        {Step.APPLICATION: D(2018, 5, 20)}, BIRTH, RULES, today=TODAY
    ) == ([], [])


def test_order_gaps_future_and_unknown_steps_are_hard_errors():
    dates = {
        Step.APPLICATION: D(2021, 3, 1),
        Step.ACTIVIST: D(2021, 2, 1),
        "baptism": D(2021, 3, 1),
        Step.CANDIDATE: D(2024, 7, 1),
    }
    hard, _ = development_rules.check_steps(dates, BIRTH, [], today=TODAY)
    assert "未知的发展步骤：baptism。" in hard
    assert "登记“确定为入党积极分子”前须先登记“党组织派人谈话”。" in hard
    assert "“确定为入党积极分子”的日期不能早于“递交入党申请书”（2021年3月1日）。" in hard
    assert "“确定为发展对象”的日期不能晚于今天。" in hard


def test_checking_one_step_ignores_older_problems():
    dates = {
        Step.APPLICATION: D(2021, 3, 1),
        Step.TALK: D(2021, 5, 1),  # late, but already on record
        Step.ACTIVIST: D(2021, 5, 2),
    }
    assert development_rules.check_steps(dates, BIRTH, RULES, today=TODAY, step=Step.ACTIVIST) == (
        [],
        [],
    )
    assert development_rules.check_steps(dates, BIRTH, RULES, today=TODAY)[1]


def test_inactive_rules_are_skipped():
    rule = TimingRule(
        description="停用", step=Step.TALK, after_step=Step.APPLICATION, max_days=1, is_active=False
    )
    dates = {Step.APPLICATION: D(2021, 3, 1), Step.TALK: D(2021, 3, 10)}
    assert development_rules.check_steps(dates, BIRTH, [rule], today=TODAY) == ([], [])


def test_vote_passes_only_above_half():
    assert not votes.vote_passes(entitled_voters=10, votes_for=5)
    assert votes.vote_passes(entitled_voters=10, votes_for=6)
    assert not votes.vote_passes(entitled_voters=9, votes_for=4)
    assert votes.vote_passes(entitled_voters=9, votes_for=5)


# --- evaluate() over cases --------------------------------------------------------------------


def make_case(organization, by, dates, **kw):
    case = DevelopmentCaseFactory(organization=organization, birth_date=BIRTH, **kw)
    DevelopmentStep.objects.bulk_create(
        DevelopmentStep(case=case, step=step, done_on=day, recorded_by=by)
        for step, day in dates.items()
    )
    return case


def status_of(case, today=TODAY):
    cases = DevelopmentCase.objects.with_steps().filter(pk=case.pk)
    return development_rules.evaluate(cases, development_rules.active_rules(), today=today)[0]


def test_next_step_and_its_due_date(branch_a, secretary):
    case = make_case(branch_a, secretary, {Step.APPLICATION: D(2024, 5, 20)})
    status = status_of(case)
    assert status.next_step == Step.TALK
    assert status.due_on == D(2024, 6, 19)
    assert not status.overdue and status.broken == []
    assert status.done == [(Step.APPLICATION, D(2024, 5, 20))]


def test_a_missed_due_date_is_a_broken_rule(branch_a, secretary):
    case = make_case(branch_a, secretary, {Step.APPLICATION: D(2024, 4, 1)})
    status = status_of(case)
    assert status.overdue
    (item,) = status.broken
    assert item.overdue and item.rule.code == "talk-within-a-month"
    assert "应于2024年5月1日前完成，已逾期31天" in item.message


def test_earliest_date_of_the_next_step(branch_a, secretary):
    dates = {
        Step.APPLICATION: D(2024, 1, 1),
        Step.TALK: D(2024, 1, 10),
        Step.ACTIVIST: D(2024, 2, 1),
    }
    status = status_of(make_case(branch_a, secretary, dates, stage=Stage.ACTIVIST))
    assert status.next_step == Step.CANDIDATE
    assert status.due_on is None
    assert status.not_before == D(2025, 1, 31)
    assert status.waiting


def test_the_shorter_of_two_limits_is_the_due_date(branch_a, secretary):
    steps = [
        Step.APPLICATION,
        Step.TALK,
        Step.ACTIVIST,
        Step.CANDIDATE,
        Step.TRAINING,
        Step.PRE_REVIEW,
        Step.ADMISSION_MEETING,
    ]
    dates = dict.fromkeys(steps, D(2024, 5, 1))
    status = status_of(make_case(branch_a, secretary, dates, stage=Stage.PROBATIONARY))
    assert status.next_step == Step.ADMISSION_APPROVAL
    assert status.due_on == D(2024, 7, 30)  # 90 days, not 183


def test_recorded_soft_violations_are_listed(branch_a, secretary):
    dates = {Step.APPLICATION: D(2024, 1, 1), Step.TALK: D(2024, 3, 1)}
    (item,) = status_of(make_case(branch_a, secretary, dates)).broken
    assert not item.overdue and not item.is_hard
    assert item.message == "收到入党申请书后1个月内派人谈话（实际间隔60天）"


def test_closed_and_finished_cases_have_no_next_step(branch_a, secretary):
    closed = make_case(branch_a, secretary, {Step.APPLICATION: D(2024, 1, 1)}, is_closed=True)
    status = status_of(closed)
    assert status.next_step is None and status.broken == []
    finished = make_case(branch_a, secretary, {Step.APPLICATION: D(2024, 1, 1)}, stage=Stage.FULL)
    assert status_of(finished).next_step is None


def test_rule_report_for_the_case_page(branch_a, secretary):
    dates = {Step.APPLICATION: D(2024, 1, 1), Step.TALK: D(2024, 3, 1)}
    status = status_of(make_case(branch_a, secretary, dates))
    rules = development_rules.active_rules()
    report = {rule.code: state for rule, state, _ in development_rules.rule_report(status, rules)}
    assert report["age-at-application"] == "ok"
    assert report["talk-within-a-month"] == "broken"
    assert report["activist-one-year"] == "pending"


@pytest.mark.parametrize("count", [5, 30])
def test_evaluation_costs_three_queries_whatever_the_number(
    branch_a, secretary, count, django_assert_num_queries
):
    for n in range(count):
        make_case(
            branch_a, secretary, {Step.APPLICATION: D(2024, 1, 1), Step.TALK: D(2024, 1, n + 2)}
        )
    # active rules, the cases, every case's steps
    with django_assert_num_queries(3):
        statuses = development_rules.evaluate(
            DevelopmentCase.objects.with_steps(), development_rules.active_rules(), today=TODAY
        )
    assert len(statuses) == count
    assert all(status.next_step == Step.ACTIVIST for status in statuses)
