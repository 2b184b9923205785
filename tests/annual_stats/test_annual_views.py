"""The annual statistics page and its drill-down: allowed, outsider 404, wrong method, bad
parameters answered in Chinese, each cell's list stating the cell's number."""

import re

import pytest
from django.urls import reverse

from annual_stats.models import StatRow
from tests.asof_history import D1, build_league

URL = reverse("annual_stats:report")
CELL = reverse("annual_stats:cell")


@pytest.fixture
def league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff):
    return build_league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff)


def test_committee_admin_sees_the_report_of_their_subtree(client, league, committee_admin):
    client.force_login(committee_admin)
    response = client.get(URL, {"as_of": D1.isoformat()})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.day == D1 and report.place == committee_admin.organization
    assert "党内统计年报" in response.content.decode()


def test_every_cell_links_to_a_list_stating_its_number(client, league, committee_admin):
    client.force_login(committee_admin)
    report = client.get(URL, {"as_of": D1.isoformat()}).context["report"]
    for table in report.tables:
        for cell in table.cells:
            page = client.get(cell.url)
            assert page.status_code == 200
            total = re.search(r'data-testid="list-total" data-total="(\d+)"', page.content.decode())
            assert int(total.group(1)) == cell.value, (table.table.code, cell.row.label)


def test_default_day_is_last_year_end(client, league, secretary):
    client.force_login(secretary)
    response = client.get(URL)
    day = response.context["report"].day
    assert (day.month, day.day) == (12, 31)


@pytest.mark.parametrize("raw", ["2025-02-30", "abc", "1800-01-01", "2025-12-3１", "9999-01-01"])
def test_bad_day_is_answered_in_chinese(client, league, secretary, raw):
    client.force_login(secretary)
    response = client.get(URL, {"as_of": raw})
    assert response.status_code == 200
    assert "统计截止日" in response.context["message"]


def test_future_day_is_refused(client, league, secretary):
    client.force_login(secretary)
    response = client.get(URL, {"as_of": "2099-12-31"})
    assert "不能晚于今天" in response.context["message"]


def test_outsider_gets_404_for_another_subtree(client, league, outsider, committee_a):
    client.force_login(outsider)
    assert client.get(URL, {"org": committee_a.pk}).status_code == 404
    row = StatRow.objects.get(table__code="党1", position=1)
    assert client.get(CELL, {"org": committee_a.pk, "row": row.pk}).status_code == 404


@pytest.mark.parametrize("org", ["x", "0", "99999999", "１"])
def test_bad_org_is_404(client, league, secretary, org):
    client.force_login(secretary)
    assert client.get(URL, {"org": org}).status_code == 404


def test_no_row_goes_back_to_the_report(client, league, secretary):
    client.force_login(secretary)
    response = client.get(CELL, {"as_of": D1.isoformat()})
    assert response.status_code == 302 and response.url.startswith(URL)


@pytest.mark.parametrize("row", ["x", "0", "99999999"])
def test_bad_row_is_404(client, league, secretary, row):
    client.force_login(secretary)
    assert client.get(CELL, {"row": row}).status_code == 404


def test_wrong_method(client, league, secretary):
    client.force_login(secretary)
    assert client.post(URL).status_code == 405


def test_drill_down_names_the_members_of_the_day(client, league, committee_admin):
    client.force_login(committee_admin)
    row = StatRow.objects.get(table__code="党6", label="转往系统外")
    response = client.get(CELL, {"as_of": D1.isoformat(), "row": row.pk})
    assert [item["name"] for item in response.context["rows"]] == [league["left"].name]
    assert "转出" in response.context["rows"][0]["cells"]


def test_report_queries_do_not_grow_with_rows(
    client, league, committee_admin, branch_a, django_assert_num_queries
):
    from tests.factories import MemberFactory

    client.force_login(committee_admin)
    client.get(URL, {"as_of": D1.isoformat()})
    MemberFactory.create_batch(5, organization=branch_a)
    # session, user, the user's organisation; visible organisations; tables, rows; two
    # snapshots of 9 queries each (the day, a year before); secretaries' seats; development
    # steps, cases; incomplete records (the checks); the places of the form; the submitted
    # versions.
    with django_assert_num_queries(30):
        client.get(URL, {"as_of": D1.isoformat()})


def test_fuzzed_parameters_never_answer_5xx(client, league, staff, secretary):
    from tests.test_param_fuzz import VALUES

    row = StatRow.objects.get(table__code="党1", position=1)
    failures = []
    for user in (staff, secretary):
        client.force_login(user)
        for value in VALUES:
            for url, query in [
                (URL, {"as_of": value}),
                (URL, {"org": value}),
                (CELL, {"as_of": value, "row": row.pk}),
                (CELL, {"row": value}),
                (CELL, {"row": row.pk, "page": value}),
            ]:
                status = client.get(url, query).status_code
                if status >= 500:
                    failures.append((user.username, url, query, status))
    assert failures == []


def test_every_number_on_the_page_is_a_linked_count(client, league, committee_admin):
    from tests.core.figure_checks import checks_of_markup

    client.force_login(committee_admin)
    response = client.get(URL, {"as_of": D1.isoformat()})
    checks, problems = checks_of_markup(response.content.decode(), "党内统计年报")
    assert problems == []
    cells = [c for t in response.context["report"].tables for c in t.cells]
    assert [(c.value, c.url) for c in checks] == [(c.value, c.url) for c in cells]
