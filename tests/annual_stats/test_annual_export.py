"""The annual statistics workbook: a sheet per table through the ledger mechanism, the same
numbers as the page, the export logged."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from alxa_dangjian.ledgers.models import ExportJob
from tests.asof_history import D1, build_league

EXPORT = reverse("ledgers:ledger-export", args=["annual-stats"])


@pytest.fixture
def league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff):
    return build_league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff)


def test_workbook_has_a_sheet_per_table_with_the_page_numbers(
    client, league, committee_admin, committee_a
):
    client.force_login(committee_admin)
    page = client.get(reverse("annual_stats:report"), {"as_of": D1.isoformat()})
    report = page.context["report"]
    response = client.post(EXPORT, {"as_of": D1.isoformat(), "organization": committee_a.pk})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(workbook.sheetnames) == len(report.tables) + 1
    for table, name in zip(report.tables, workbook.sheetnames, strict=False):
        sheet = workbook[name]
        assert name.startswith(table.table.code)
        rows = [r for r in sheet.iter_rows(min_row=4, values_only=True)]
        assert [r[2] for r in rows] == [cell.value for cell in table.cells]
        assert rows[0][1].strip() == table.cells[0].row.label
    checks = workbook[workbook.sheetnames[-1]]
    assert [r[1] for r in checks.iter_rows(min_row=4, values_only=True)] == [
        "通过" if c.ok else "未通过" for c in report.checks
    ]
    job = ExportJob.objects.get(ledger="annual-stats")
    assert job.params["as_of"] == D1.isoformat()


def test_future_day_is_refused_in_chinese(client, league, committee_admin):
    client.force_login(committee_admin)
    response = client.post(EXPORT, {"as_of": "2099-12-31"})
    assert response.status_code == 200
    assert "不能晚于今天" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_outsider_naming_another_subtree_gets_404(client, league, outsider, committee_a):
    client.force_login(outsider)
    response = client.post(EXPORT, {"as_of": D1.isoformat(), "organization": committee_a.pk})
    assert response.status_code == 404
