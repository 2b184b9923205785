"""The year-end indicator reads dues.arrears.on_time_by_branch and rolls branches up."""

import datetime

from django.conf import settings
from django.urls import reverse

from assessments import indicators
from dues import arrears
from tests.dues.factories import assess, month_range, paid
from tests.factories import MemberFactory


def test_the_indicator_is_registered_and_in_the_beat_schedule():
    assert indicators.get("dues-on-time").name == "党费按时足额交纳"
    entry = settings.CELERY_BEAT_SCHEDULE["dues-arrears-alerts"]
    assert entry["task"] == "dues.send_arrears_alerts"


def test_a_committee_sums_its_branches(
    monkeypatch, root, committee_a, branch_a, branch_a2, branch_b
):
    calls = []

    def fake_counts(year, branch_ids):
        calls.append(set(branch_ids))
        counts = {branch_a.pk: (10, 12), branch_a2.pk: (2, 12), branch_b.pk: (0, 6)}
        return {pk: counts[pk] for pk in branch_ids}

    monkeypatch.setattr("dues.indicators.on_time_by_branch", fake_counts)
    result = indicators.get("dues-on-time").compute(2026, [committee_a, branch_b])
    assert calls == [{branch_a.pk, branch_a2.pk, branch_b.pk}]
    assert (result[committee_a.pk].numerator, result[committee_a.pk].denominator) == (12, 24)
    assert (result[branch_b.pk].numerator, result[branch_b.pk].denominator) == (0, 6)


def test_real_counts_flow_through(committee_a, branch_a, branch_a2, staff):
    """A closed year (2025), so the figures do not depend on today: 甲 owes March–December
    (10 months) and paid March–August within each month and September late; 乙 is exempt;
    丙 in the second branch owes the whole year and paid January on time."""
    jia, yi = MemberFactory.create_batch(2, organization=branch_a)
    bing = MemberFactory(organization=branch_a2)
    assess(jia, staff, month=datetime.date(2025, 3, 1))
    assess(
        yi,
        staff,
        month=datetime.date(2025, 1, 1),
        reduction="exempt",
        approval_number="盟委2025-1号",
        reduction_reason="长期患病",
    )
    assess(bing, staff, month=datetime.date(2024, 6, 1))
    paid(jia, staff, *month_range(datetime.date(2025, 3, 1), 6))
    paid(jia, staff, datetime.date(2025, 9, 1), paid_on=datetime.date(2025, 10, 8))
    paid(bing, staff, datetime.date(2025, 1, 1))
    paid(bing, staff, datetime.date(2024, 12, 1))  # another year: not counted

    assert arrears.on_time_by_branch(2025, [branch_a.pk, branch_a2.pk]) == {
        branch_a.pk: (6, 10),
        branch_a2.pk: (1, 12),
    }
    measures = indicators.get("dues-on-time").compute(2025, [committee_a, branch_a])
    assert (measures[branch_a.pk].numerator, measures[branch_a.pk].denominator) == (6, 10)
    assert (measures[committee_a.pk].numerator, measures[committee_a.pk].denominator) == (7, 22)


def test_drilldown_lists_the_member_months_counted(client, committee_a, branch_a, branch_a2, staff):
    """The same closed year: 甲 6 of 10 on time; 乙 exempt (not listed); 丙 1 of 12."""
    jia, yi = MemberFactory.create_batch(2, organization=branch_a)
    bing = MemberFactory(organization=branch_a2)
    assess(jia, staff, month=datetime.date(2025, 3, 1))
    assess(
        yi,
        staff,
        month=datetime.date(2025, 1, 1),
        reduction="exempt",
        approval_number="盟委2025-1号",
        reduction_reason="长期患病",
    )
    assess(bing, staff, month=datetime.date(2024, 6, 1))
    paid(jia, staff, *month_range(datetime.date(2025, 3, 1), 6))
    paid(bing, staff, datetime.date(2025, 1, 1))
    indicator = indicators.get("dues-on-time")
    client.force_login(staff)
    page = client.get(indicator.drilldown(branch_a, 2025))
    assert page.context["rows"] == [(jia, 6, 10)]
    assert (page.context["measure"].numerator, page.context["measure"].denominator) == (6, 10)
    page = client.get(indicator.drilldown(committee_a, 2025))
    assert [(b.pk, paid_, due) for b, paid_, due in page.context["rows"]] == [
        (branch_a.pk, 6, 10),
        (branch_a2.pk, 1, 12),
    ]
    text = page.content.decode()
    assert 'data-testid="numerator" data-total="7"' in text
    assert 'data-testid="denominator" data-total="22"' in text
    url = reverse("dues:indicator-detail", args=[committee_a.pk])
    assert client.get(url, {"year": "²"}).status_code == 404  # year_param: a bad year is a 404
