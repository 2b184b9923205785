"""The demo lists: shape of this year and last year, and a second run creating nothing."""

import datetime

from assessments import item_states
from assessments.demo.lists import seed_lists
from assessments.models import CheckpointEntry, ResponsibilityItem, ResponsibilityList, Stage
from branches.models import CommitteeSeat
from tests.factories import CommitteeSeatFactory, MemberFactory

Review = CheckpointEntry.Review
TODAY = datetime.date(2026, 11, 26)


def test_demo_lists_tell_the_year_and_reseeding_changes_nothing(
    system_admin, committee_a, branch_a, branch_a2, committee_b, branch_b
):
    secretary = MemberFactory(organization=committee_a, name="王书记")
    CommitteeSeatFactory(
        organization=committee_a, member=secretary, post=CommitteeSeat.Post.SECRETARY
    )
    counts = seed_lists(today=TODAY)
    # 5 owners (2 committees, 3 branches) × 2 years, plus committee_a's secretary list × 2
    assert counts["lists"] == 12
    assert ResponsibilityList.objects.filter(owner_person="王书记").count() == 2
    last_year = CheckpointEntry.objects.filter(item__list__year=2025)
    assert not last_year.exclude(review=Review.CONFIRMED).exists()
    assert (
        last_year.filter(stage=Stage.FINAL).count()
        == ResponsibilityItem.objects.filter(list__year=2025).count()
    )
    this_year = CheckpointEntry.objects.filter(item__list__year=2026)
    assert not this_year.filter(stage=Stage.FINAL).exists()
    assert (
        this_year.filter(stage=Stage.MID, review=Review.CONFIRMED).count()
        > this_year.filter(stage=Stage.MID).exclude(review=Review.CONFIRMED).count()
    )
    on_time = item_states.items_closed_on_time(2025, [branch_a.pk])[branch_a.pk]
    assert 0 < on_time[0] <= on_time[1] == 5
    assert ResponsibilityItem.history.filter(list_id=ResponsibilityList.objects.first().pk).exists()
    assert seed_lists(today=TODAY) == {"lists": 0, "items": 0}
    assert ResponsibilityList.objects.count() == 12
