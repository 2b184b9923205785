"""最强党支部 scores read in two decimals on the review pages and in the score sheet export,
whatever the database hands back (SQLite sums decimals as floats: 75.8400000000000)."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from alxa_dangjian.core.numbers import SCORE_FORMAT
from branches.models import RatingApplication, RatingStandard
from tests.branches.rating_factories import make_application, make_round
from tests.ledgers.exported import export

# A number alone as the text of an element, with more than two decimals.
LONG_DECIMAL = re.compile(r">\s*-?\d+\.\d{3,}\s*<")


@pytest.fixture
def application(secretary, branch_a):
    """Self scores of 3.3 (and 0 on deductions), the first item reviewed 2.4."""
    round = make_round("review", year=2026)
    application = make_application(
        round, branch_a, by=secretary, status=RatingApplication.Status.RECOMMENDED
    )
    items = list(application.scores.select_related("standard").order_by("standard__code"))
    for item in items:
        deduction = item.standard.method == RatingStandard.Method.DEDUCTION
        item.self_score = Decimal(0) if deduction else Decimal("3.3")
        item.save()
    items[0].review_score = Decimal("2.4")
    items[0].save()
    return application


def self_total(application) -> Decimal:
    return sum(
        (s.self_score for s in application.scores.all() if s.self_score is not None), Decimal(0)
    )


def test_application_page_shows_two_decimals(client, application, committee_admin):
    client.force_login(committee_admin)
    response = client.get(reverse("branches:ratingapplication-detail", args=[application.pk]))
    html = response.content.decode()
    total = f"{self_total(application):.2f}"
    assert f'data-testid="self-total">{total}</dd>' in html
    assert 'data-testid="review-total">2.40</dd>' in html
    assert "自评分：<strong>3.30</strong>" in html
    assert "审核得分：<strong>2.40</strong>" in html
    assert not LONG_DECIMAL.search(html)


def test_round_page_shows_two_decimal_totals(client, application, staff):
    client.force_login(staff)
    html = client.get(application.round.get_absolute_url()).content.decode()
    assert f'<td class="text-end">{self_total(application):.2f}</td>' in html
    assert '<td class="text-end">2.40</td>' in html
    assert not LONG_DECIMAL.search(html)


def test_standard_range_reads_in_two_decimals(application):
    standard = application.scores.first().standard
    assert re.fullmatch(r"-?\d+\.\d\d (至|或) -?\d+\.\d\d", standard.range_label)


def test_score_sheet_export_holds_two_decimal_scores(client, application, committee_admin):
    client.force_login(committee_admin)
    headers, rows = export(client, "rating-score-sheet", application=application.pk)
    assert {r["自评分"] for r in rows} <= {3.3, 0}
    assert [r["审核得分"] for r in rows if r["审核得分"] is not None] == [2.4]
    # Every score cell is written with the two-decimal score format (not "#,##0.00").
    response = client.post(
        reverse("ledgers:ledger-export", args=["rating-score-sheet"]),
        {"application": application.pk},
    )
    sheet = _sheet(response)
    for header in ("分值", "自评分", "审核得分"):
        column = headers.index(header) + 1
        cells = [sheet.cell(row=4 + i, column=column) for i in range(len(rows))]
        assert {c.number_format for c in cells if c.value is not None} == {SCORE_FORMAT}
        assert not any(re.search(r"\.\d{3,}", repr(c.value)) for c in cells)


def _sheet(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
