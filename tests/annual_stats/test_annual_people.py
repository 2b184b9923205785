"""发展党员 and 基层党组织书记 tables as of a day, on hand-computed dated steps and seats."""

import datetime

import pytest

from annual_stats import report as reports
from branches.models import CommitteeSeat, DevelopmentStep
from branches.models.development import Step
from tests.asof_history import D0, D1, build_league
from tests.factories import CommitteeSeatFactory, DevelopmentCaseFactory


@pytest.fixture
def league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff):
    people = build_league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff)
    # stay: 书记 of branch_a since 1 Mar 2020 (born 7 Mar 1985: 40 on D1, tenure 5 years).
    CommitteeSeatFactory(
        organization=branch_a,
        member=people["stay"],
        post=CommitteeSeat.Post.SECRETARY,
        started_on=datetime.date(2020, 3, 1),
    )
    # dead: 书记 of branch_a2 from 1 Jan 2019 until 1 May 2025.
    CommitteeSeatFactory(
        organization=branch_a2,
        member=people["dead"],
        post=CommitteeSeat.Post.SECRETARY,
        started_on=datetime.date(2019, 1, 1),
        ended_on=datetime.date(2025, 5, 1),
    )
    admitted = DevelopmentCaseFactory(organization=branch_a)
    for step, day in [
        (Step.APPLICATION, datetime.date(2024, 3, 1)),
        (Step.ACTIVIST, datetime.date(2024, 6, 1)),
        (Step.CANDIDATE, datetime.date(2025, 3, 1)),
        (Step.ADMISSION_APPROVAL, datetime.date(2025, 7, 1)),
    ]:
        DevelopmentStep.objects.create(case=admitted, step=step, done_on=day, recorded_by=staff)
    closed = DevelopmentCaseFactory(organization=branch_a2, is_closed=True)
    closed.closed_at = datetime.datetime(2025, 5, 1, 10, tzinfo=datetime.UTC)
    closed.save()
    DevelopmentStep.objects.create(
        case=closed, step=Step.APPLICATION, done_on=datetime.date(2024, 10, 1), recorded_by=staff
    )
    return people


def everything():
    from branches.models import Organization

    return list(Organization.objects.values_list("pk", flat=True))


def values(result, code):
    table = next(t for t in result.tables if t.table.code == code)
    return {cell.row.label: cell.value for cell in table.cells}


def test_secretaries_on_each_year_end(league, committee_a):
    before = values(reports.build(committee_a, D0, visible=everything()), "书1")
    after = values(reports.build(committee_a, D1, visible=everything()), "书1")
    assert before["书记总数"] == 2
    assert before["任职5年及以上"] == 1  # dead: 6 years on D0; stay: 4
    assert before["任职1至4年"] == 1
    assert after["书记总数"] == 1
    assert after["任职5年及以上"] == 1 and after["36至45岁"] == 1


def test_development_stage_of_the_day(league, committee_a):
    before = values(reports.build(committee_a, D0, visible=everything()), "发1")
    after = values(reports.build(committee_a, D1, visible=everything()), "发1")
    assert (before["入党申请人"], before["入党积极分子"], before["发展对象"]) == (1, 1, 0)
    assert before["本年发展党员（上级党委审批）"] == 0
    assert (after["入党申请人"], after["入党积极分子"], after["发展对象"]) == (0, 0, 0)
    assert after["本年发展党员（上级党委审批）"] == 1
    assert after["其中：女"] == 1 and after["35岁及以下"] == 1 and after["少数民族"] == 0
