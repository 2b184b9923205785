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


def test_the_previous_year_windows_come_back_after_a_flush(db):
    """组织生活会 and 民主评议党员 held early next year count for the year before (DOMAIN.md §5):
    the window a data migration sets must survive a flush and seed_demo like the kinds."""
    FrequencyRule.objects.all().delete()
    ActivityKind.objects.all().delete()
    ensure_reference_data()
    windows = dict(
        ActivityKind.objects.filter(prior_year_months__gt=0).values_list(
            "code", "prior_year_months"
        )
    )
    assert windows == {"life-meeting": 2, "member-review": 2}
