"""How a year's responsibility-list items stand on a given day: 正常推进, 按时完成, 逾期未完成.
The one definition the cockpit's 责任清单 figure counts and the item list behind it filters
(so each number and its list agree); everything is a Q over `with_stages` annotations.

- 按时完成: the 年底对账 is confirmed (by the day) as 已完成, on or before the deadline.
- 逾期未完成: the deadline has passed by the day and the 年底对账 is not confirmed as 已完成.
- 正常推进: not overdue, and the latest stage reported by the day (年初定单, 半年小结 or
  年底对账) is confirmed.
"""

import datetime

from django.db.models import F, FilteredRelation, Q, QuerySet

from alxa_dangjian.accounts import scoping

from .models import CheckpointEntry, ResponsibilityItem, Stage

Review = CheckpointEntry.Review
Progress = CheckpointEntry.Progress

ON_TRACK = "on_track"
CLOSED = "closed"
OVERDUE = "overdue"
LABELS = {ON_TRACK: "正常推进", CLOSED: "按时完成", OVERDUE: "逾期未完成"}


def with_stages(items: QuerySet) -> QuerySet:
    """Items with each stage's entry joined as `plan`, `mid`, `final` (at most one each)."""
    return items.annotate(
        **{
            stage: FilteredRelation("entries", condition=Q(entries__stage=stage))
            for stage in Stage.values
        }
    )


def in_year(year: int, path: str) -> QuerySet:
    """The items of `year`'s lists owned in the subtree at `path`, stages joined."""
    return with_stages(
        ResponsibilityItem.objects.filter(
            scoping.subtree_q(path, "list__owner_organization"), list__year=year
        )
    )


def _confirmed_by(stage: str, end: datetime.date) -> Q:
    """Confirmed, and not only after `end` (rows without a review time count as confirmed)."""
    return Q(**{f"{stage}__review": Review.CONFIRMED}) & (
        Q(**{f"{stage}__reviewed_at__isnull": True})
        | Q(**{f"{stage}__reviewed_at__date__lte": end})
    )


def _not_reported(stage: str, end: datetime.date) -> Q:
    """No report of the stage by `end`: no entry, a draft, or one submitted only later."""
    return (
        Q(**{f"{stage}__isnull": True})
        | Q(**{f"{stage}__review": Review.DRAFT})
        | Q(**{f"{stage}__submitted_at__date__gt": end})
    )


def conditions(end: datetime.date) -> dict[str, Q]:
    """{state: Q} for `with_stages` items as they stand at the end of `end`."""
    done = _confirmed_by(Stage.FINAL, end) & Q(final__progress=Progress.DONE)
    overdue = Q(deadline__lt=end) & ~done
    latest_confirmed = (
        _confirmed_by(Stage.FINAL, end)
        | (_not_reported(Stage.FINAL, end) & _confirmed_by(Stage.MID, end))
        | (
            _not_reported(Stage.FINAL, end)
            & _not_reported(Stage.MID, end)
            & _confirmed_by(Stage.PLAN, end)
        )
    )
    return {
        ON_TRACK: ~overdue & latest_confirmed,
        CLOSED: done & Q(final__completed_on__lte=F("deadline")),
        OVERDUE: overdue,
    }
