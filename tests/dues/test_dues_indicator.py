"""The year-end indicator reads dues.arrears.on_time_by_branch and rolls branches up."""

import datetime

from django.conf import settings

from assessments import indicators
from dues import arrears


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


def test_real_counts_flow_through(db, branch_a):
    # No member owes anything yet: the branch is measured, with nothing due.
    measure = indicators.get("dues-on-time").compute(2026, [branch_a])[branch_a.pk]
    assert (measure.numerator, measure.denominator) == (0, 0)
    assert arrears.on_time_by_branch(2026, [branch_a.pk], as_of=datetime.date(2026, 11, 26)) == {
        branch_a.pk: (0, 0)
    }
