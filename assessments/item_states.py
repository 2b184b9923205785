"""How a year's responsibility-list items stand on a given day: 正常推进, 按时完成, 逾期未完成.
The one definition the cockpit's 责任清单 figure counts and the item list behind it filters
(so each number and its list agree); everything is a Q over `with_stages` annotations.

- 按时完成: the 年底对账 is confirmed (by the day) as 已完成, on or before the deadline.
- 逾期未完成: the deadline has passed by the day and the 年底对账 is not confirmed as 已完成.
- 正常推进: not overdue, and the latest stage reported by the day (年初定单, 半年小结 or
  年底对账) is confirmed.

It also registers the year-end auto indicator 责任清单事项按时办结 (`items_closed_on_time`,
set-based over the same items).
"""

import datetime
from collections.abc import Iterable, Sequence

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.urls import reverse

from alxa_dangjian.accounts import scoping

from .indicators import AutoIndicator, Measure, register
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


# Set-based reads for the year-end run ------------------------------------------------------


def _on_time_rows(year: int, owners: Q):
    """One GROUP BY over the year's items: per owner, items closed on time and all items.

    The year-end entry is joined through a FilteredRelation (at most one per item), so the
    counts need no DISTINCT. Closed on time = confirmed as done on or before the deadline.
    """
    closed = Q(
        final__review=Review.CONFIRMED,
        final__progress=Progress.DONE,
        final__completed_on__lte=F("deadline"),
    )
    return (
        ResponsibilityItem.objects.filter(owners, list__year=year)
        .annotate(final=FilteredRelation("entries", condition=Q(entries__stage=Stage.FINAL)))
        .order_by()
        .values("list__owner_organization_id", "list__owner_organization__path")
        .annotate(closed=Count("pk", filter=closed), total=Count("pk"))
    )


def items_closed_on_time(year: int, organization_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Per owner organisation: (items closed on time, items) over its lists of `year`.

    One query whatever the number of organisations (`organization_ids` may be a list or a
    values_list queryset, used as a subquery). An item counts as closed on time when its
    年底对账 is confirmed as 已完成 with a completion date on or before its deadline; items
    carried into the next year stay unfinished in this one. Organisations without items are
    absent from the result.
    """
    rows = _on_time_rows(year, Q(list__owner_organization_id__in=organization_ids))
    return {row["list__owner_organization_id"]: (row["closed"], row["total"]) for row in rows}


def _common_path(paths: Sequence[str]) -> str:
    """The deepest organisation path that every path lies under ("" when none is shared)."""
    if not paths:
        return ""
    segments = [p.split("/")[:-1] for p in paths]
    shared = []
    for parts in zip(*segments, strict=False):
        if len(set(parts)) != 1:
            break
        shared.append(parts[0])
    return "".join(f"{s}/" for s in shared)


def closed_on_time_measures(year: int, organizations) -> dict[int, Measure]:
    """The auto indicator: for each organisation, its subtree's items closed on time.

    A committee's measure covers its own lists and those of every organisation below it.
    Two queries: the organisations' paths and one GROUP BY over the items under their deepest
    shared ancestor; the sums per subtree are made in Python from the grouped rows.
    """
    organizations = list(organizations)
    paths = [org.path for org in organizations]
    prefix = _common_path(paths)
    sums: dict[str, list[int]] = {}
    for row in _on_time_rows(year, scoping.subtree_q(prefix, "list__owner_organization")):
        segments = row["list__owner_organization__path"].split("/")
        for depth in range(1, len(segments)):
            total = sums.setdefault("/".join(segments[:depth]) + "/", [0, 0])
            total[0] += row["closed"]
            total[1] += row["total"]
    result = {}
    for org in organizations:
        closed, total = sums.get(org.path, (0, 0))
        note = "" if total else "本年度未建立责任清单事项"
        result[org.pk] = Measure(closed, total, inputs=total, note=note)
    return result


def _drilldown(organization, year: int) -> str:
    """The items closed on time (the item list judges them as they stand today, as a run
    does); the page states the year's items, the denominator."""
    url = reverse("assessments:responsibilityitem-list")
    return f"{url}?organization={organization.pk}&year={year}&status=closed"


def _denominator_drilldown(organization, year: int) -> str:
    url = reverse("assessments:responsibilityitem-list")
    return f"{url}?organization={organization.pk}&year={year}"


CLOSED_ON_TIME = register(
    AutoIndicator(
        code="list-items-closed-on-time",
        name="责任清单事项按时办结",
        compute=closed_on_time_measures,
        drilldown=_drilldown,
        denominator_drilldown=_denominator_drilldown,
        unit="项",
        inputs="责任清单事项",
        description="年底对账经审核确认为已完成、且完成日期不晚于完成时限的事项占本年度全部事项的比例。",
    )
)
