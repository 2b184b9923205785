from activities.models import ActivityKind, FrequencyRule
from alxa_dangjian.core.reference import ensure_reference_data
from branches.models import TermLengthRule, TimingRule


def test_reference_rows_come_back_after_a_flush_and_are_not_duplicated(db):
    counts = [m.objects.count() for m in (ActivityKind, FrequencyRule, TimingRule, TermLengthRule)]
    assert all(counts)
    FrequencyRule.objects.all().delete()
    TimingRule.objects.all().delete()
    ensure_reference_data()
    ensure_reference_data()
    assert [
        m.objects.count() for m in (ActivityKind, FrequencyRule, TimingRule, TermLengthRule)
    ] == counts
