"""学习强国 rankings: yearly totals per member (the sum of the year's imported periods), the
ranking of a scope, and the yearly top 10 of the league and of each party committee.

    ranking(2026, members)          # members annotated xuexi_total and xuexi_rank, one query
    top_tens(2026, scope, members)  # [(organisation, [Ranked…])], two queries
"""

from dataclasses import dataclass

from django.db.models import F, Sum, Window
from django.db.models.functions import Rank

from alxa_dangjian.accounts import scoping
from branches.models import Organization

TOP = 10


def ranking(year: int, members):
    """Members with a score in `year`, annotated `xuexi_total` and `xuexi_rank` (ties share a
    rank: 1, 2, 2, 4), best first."""
    return (
        members.filter(xuexi_scores__year=year)
        .annotate(xuexi_total=Sum("xuexi_scores__score"))
        .annotate(xuexi_rank=Window(Rank(), order_by=F("xuexi_total").desc()))
        .order_by("-xuexi_total", "name", "pk")
    )


@dataclass(frozen=True)
class Ranked:
    rank: int
    member_id: int
    name: str
    organization: str
    total: int


def _top(rows: list[tuple]) -> list[Ranked]:
    """The first TOP rows (already best first) with competition ranks."""
    result, rank, previous = [], 0, None
    for position, (pk, name, _path, organization, total) in enumerate(rows[:TOP], 1):
        if total != previous:
            rank, previous = position, total
        result.append(Ranked(rank, pk, name, organization, total))
    return result


def top_tens(year: int, scope: Organization, members) -> list[tuple[Organization, list[Ranked]]]:
    """The top 10 of `scope` (the league for the work committee), then of every party committee
    (党委) inside it. One query for the totals, one for the committees."""
    rows = [
        (pk, name, path, short or full, total)
        for pk, name, path, short, full, total in members.filter(xuexi_scores__year=year)
        .annotate(total=Sum("xuexi_scores__score"))
        .order_by("-total", "name", "pk")
        .values_list(
            "pk",
            "name",
            "organization__path",
            "organization__short_name",
            "organization__name",
            "total",
        )
    ]
    result = [(scope, _top(rows))]
    committees = (
        Organization.objects.subtree(scope)
        .filter(type=Organization.Type.COMMITTEE, is_active=True)
        .exclude(pk=scope.pk)
        .order_by("path")
    )
    for committee in committees:
        result.append((committee, _top([r for r in rows if scoping.in_subtree(r[2], committee)])))
    return result
