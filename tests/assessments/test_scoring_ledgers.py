"""The year-end ledgers: ranked results, one score card and the "一张表格" sheet, exported
through the one mechanism; scoped, and with a fixed number of queries."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import Target
from assessments.services import review, runs, scores
from tests.assessments.scoring_fixtures import YEAR, make_scheme
from tests.factories import ActivityFactory, MemberFactory, OrganizationFactory, TermFactory


def export(client, code, **params):
    response = client.post(reverse("ledgers:ledger-export", args=[code]), params)
    assert response.status_code == 200, response.content[:500]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]


def run_over(committee_a, staff, capture):
    make_scheme()
    with capture(execute=True):
        run = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    run.refresh_from_db()
    return run


@pytest.fixture
def league(committee_a, branch_a, branch_a2, staff, django_capture_on_commit_callbacks):
    for month in range(1, 13):
        ActivityFactory(
            organization=branch_a, kind="theme-day", held_on=datetime.date(YEAR, month, 2)
        )
    MemberFactory.create_batch(3, organization=branch_a)
    MemberFactory(organization=branch_a, status="probationary", confirmed_on=None)
    TermFactory(organization=branch_a, number=1, elected_on=datetime.date(2024, 3, 1))
    return run_over(committee_a, staff, django_capture_on_commit_callbacks)


def test_results_are_ranked_with_grades(client, staff, league, branch_a, branch_a2):
    client.force_login(staff)
    rows = export(client, "assessment-results", year=YEAR)
    header = rows.index(next(r for r in rows if r[0] == "考核对象"))
    body = rows[header + 1 :]
    assert [(r[1], r[2], r[5], r[6]) for r in body] == [
        (1, "甲局第一党支部", 40, "差"),
        (2, "甲局第二党支部", 0, "差"),
    ]


def test_secretaries_export_only_published_results(client, secretary, staff, league):
    client.force_login(secretary)
    rows = export(client, "assessment-results", year=YEAR)
    assert not any(r[2] == "甲局第一党支部" for r in rows)
    review.freeze_run(league, by=staff)
    review.publish_run(league, by=staff)
    rows = export(client, "assessment-results", year=YEAR)
    assert any(r[2] == "甲局第一党支部" for r in rows)
    assert not any(r[2] == "甲局第二党支部" for r in rows)  # outside the secretary's branch


def test_the_score_card_ledger_lists_every_line(client, staff, league, branch_a):
    scores.enter_score(
        branch_a,
        league.scheme.indicators.get(name="述职评议"),
        score="7",
        reason="材料完整",
        by=staff,
    )
    client.force_login(staff)
    rows = export(client, "assessment-scorecard", year=YEAR, organization=branch_a.pk)
    names = [r[0] for r in rows]
    assert {"主题党日", "述职评议", "民主测评", "加分", "扣分", "否决"} <= set(names)
    duty = next(r for r in rows if r[0] == "述职评议")
    assert duty[4] == 14 and "材料完整" in duty[5]
    theme = next(r for r in rows if r[0] == "主题党日")
    assert theme[3] == "12 / 12"


def test_the_one_sheet_has_a_row_per_organisation_and_its_blocks(
    client, staff, league, committee_a, branch_a
):
    client.force_login(staff)
    rows = export(client, "assessment-sheet", year=YEAR, organization=committee_a.pk)
    header = next(r for r in rows if r and r[0] == "党组织")
    assert "党员：正式" in header and "组织生活：主题党日覆盖月份：完成率" in header
    assert "组织建设：按期换届：完成率" in header and "得分：总分" in header
    row = next(r for r in rows if r[0] == "甲局第一党支部")
    values = dict(zip(header, row, strict=True))
    assert (values["党员：正式"], values["党员：预备"], values["党员：合计"]) == (3, 1, 4)
    # numbers, not text: numerator, denominator and rate sort and sum in a spreadsheet
    assert values["组织生活：主题党日覆盖月份：完成"] == 12
    assert values["组织生活：主题党日覆盖月份：应完成"] == 12
    assert values["组织生活：主题党日覆盖月份：完成率"] == 1
    assert values["得分：总分"] == 40
    assert values["本届届满"].date() == datetime.date(2027, 3, 1)
    committee = next(r for r in rows if r[0] == "甲局党委")
    assert dict(zip(header, committee, strict=True))["党员：合计"] == 4  # its subtree


@pytest.mark.parametrize("code", ["assessment-results", "assessment-sheet", "assessment-scorecard"])
def test_ledger_queries_do_not_grow_with_rows(
    client, staff, committee_a, branch_a, code, django_capture_on_commit_callbacks
):
    make_scheme()
    client.force_login(staff)
    organization = branch_a if code == "assessment-scorecard" else committee_a
    counts = []
    for batch in range(2):
        for n in range(2 + 10 * batch):
            branch = OrganizationFactory(parent=committee_a, name=f"甲局批量党支部{batch}-{n}")
            MemberFactory(organization=branch)
        with django_capture_on_commit_callbacks(execute=True):
            runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
        with CaptureQueriesContext(connection) as queries:
            export(client, code, year=YEAR, organization=organization.pk)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
