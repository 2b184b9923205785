"""发展党员程序合规 agrees with the case page: a step the page calls 逾期 (a rule's latest date
passed, the step not done, the case open) costs the indicator, once per rule, in each year it
is still overdue at the judging day (year 2025, closed: judged on 31 December)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from assessments.branch_indicators import development_steps_within_rules
from branches.models import DevelopmentCase, DevelopmentStep
from branches.rules import development as development_rules
from tests.factories import DevelopmentCaseFactory, UserFactory

YEAR = 2025
d = datetime.date


def _case(branch, **dates):
    case = DevelopmentCaseFactory(organization=branch)
    user = UserFactory()
    for step, day in dates.items():
        DevelopmentStep.objects.create(case=case, step=step, done_on=day, recorded_by=user)
    return case


def ratio(branch):
    measure = development_steps_within_rules(YEAR, [branch])[branch.pk]
    return (int(measure.numerator), int(measure.denominator))


def page_overdue(case, day):
    """What the case page shows as 逾期 on `day`."""
    cases = DevelopmentCase.objects.with_steps().filter(pk=case.pk)
    status = development_rules.evaluate(cases, development_rules.active_rules(), today=day)[0]
    return [b for b in status.broken if b.overdue]


def test_a_talk_overdue_at_year_end_costs_the_indicator(branch_a):
    # Application 1 Nov, no talk: the talk was due within 30 days, by 1 Dec.
    case = _case(branch_a, application=d(YEAR, 11, 1))
    assert len(page_overdue(case, d(YEAR, 12, 31))) == 1
    assert ratio(branch_a) == (1, 2)  # the application is fine, the missing talk is not


def test_a_talk_due_on_the_judging_day_is_not_yet_overdue(branch_a):
    # Application 1 Dec: the talk is due by 31 Dec, the judging day itself.
    case = _case(branch_a, application=d(YEAR, 12, 1))
    assert page_overdue(case, d(YEAR, 12, 31)) == []
    assert ratio(branch_a) == (1, 1)


def test_a_step_overdue_since_last_year_costs_this_year_too(branch_a):
    case = _case(branch_a, application=d(YEAR - 1, 6, 1))
    assert len(page_overdue(case, d(YEAR, 12, 31))) == 1
    assert ratio(branch_a) == (0, 1)


def test_a_step_done_late_after_the_year_was_overdue_at_its_end(branch_a):
    # Talk on 10 Jan next year: on 31 Dec the page said 逾期.
    _case(branch_a, application=d(YEAR, 11, 1), talk=d(YEAR + 1, 1, 10))
    assert ratio(branch_a) == (1, 2)


def test_a_closed_case_is_not_overdue(branch_a):
    case = _case(branch_a, application=d(YEAR, 11, 1))
    case.is_closed = True
    case.closed_at = timezone.make_aware(datetime.datetime(YEAR, 11, 20, 10, 0))
    case.save()
    assert page_overdue(case, d(YEAR, 12, 31)) == []
    assert ratio(branch_a) == (1, 1)


def test_a_case_closed_after_the_year_was_open_at_its_end(branch_a):
    case = _case(branch_a, application=d(YEAR, 11, 1))
    case.is_closed = True
    case.closed_at = timezone.make_aware(datetime.datetime(YEAR + 1, 2, 1, 10, 0))
    case.save()
    assert ratio(branch_a) == (1, 2)


def test_the_drilldown_lists_the_overdue_step(client, staff, branch_a):
    case = _case(branch_a, application=d(YEAR, 11, 1))
    client.force_login(staff)
    url = reverse("assessments:indicator-detail", args=[branch_a.pk])
    body = client.get(url, {"code": "development-steps", "year": YEAR}).content.decode()
    assert case.name in body
    assert "收到入党申请书后1个月内派人谈话（应于2025-12-01前完成，至2025-12-31逾期）" in body
