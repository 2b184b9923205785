"""最强党支部 statistics: how many branches hold a title, at which level, where, against
what target, year over year. Every figure is computed by a fixed number of set-based
queries whatever the number of branches or titles.

Definitions (shown on the page, so the numbers can be checked by hand):

- **Counted branches** (the share's denominator): active 党支部 and 联合党支部 of the user's
  subtree. 临时党支部 do not take part in the rating and are left out.
- A branch's **level** at a scope in a year is the highest title it holds there at the end
  of that year (awarded that year or earlier, not withdrawn by 31 December): 摘牌 titles stop
  counting from their date.
- **最强党支部总数** at a scope = counted branches holding any active title there; the
  higher rungs are its subsets by highest level: 其中示范点 (highest 示范点) and 其中示范基地
  (highest 示范基地). This reading makes the seed report consistent with the ladder rule
  (全盟: 15 in all, 1 示范点, 2 示范基地 — the two bases were 示范点 before).
- **Share** = 最强党支部总数 / counted branches, in percent to two places (half up).
- **基层党委 / 盟直机关** (the report's "基层党委‘最强党支部’37个，盟直机关‘最强党支部’75个"): a
  branch counts under 基层党委 when the party organisation directly under the work
  committee that it belongs to is a 党委 (type `committee`: 公安局党委, 教体局党委, an
  enterprise's 党委 …); every other branch — under a 机关党委 or 党总支, or directly under
  the work committee — counts at 盟直机关 (organ) level.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from alxa_dangjian.accounts import scoping

from .models import LADDER, Level, Organization, RatingRound, RatingTitle, Scope

T = Organization.Type

# Points of each rung of the ladder (also the 评星定级 indicator's value): 最强党支部 1,
# 示范点 2, 示范基地 3; 0 without an active title.
RANK = {level: index + 1 for index, level in enumerate(LADDER)}
TOP_RANK = len(LADDER)

GRASSROOTS = "grassroots"
ORGAN = "organ"
KINDS = {GRASSROOTS: "基层党委", ORGAN: "盟直机关"}

# The filters of the list behind a figure: `top` says which branches of the scope.
TOPS = {
    "any": "最强党支部（含示范点、示范基地）",
    Level.STRONGEST.value: "仅最强党支部",
    Level.MODEL_POINT.value: "示范点",
    Level.MODEL_BASE.value: "示范基地",
    "none": "未获命名",
    "all": "全部在册党支部",
}

YEARS_SHOWN = 6


def counted_branches() -> QuerySet:
    """Active, non-temporary branches: the share's denominator (scope it with visible_to)."""
    return Organization.objects.filter(
        is_active=True, type__in=(T.BRANCH, T.JOINT_BRANCH)
    ).order_by("path")


def _active_titles(year: int, scope: str | None) -> QuerySet:
    titles = RatingTitle.objects.active_at_end_of(year)
    return titles.filter(scope=scope) if scope else titles


def rank_of(field: str = "level") -> Case:
    return Case(
        *(When(**{field: level}, then=Value(rank)) for level, rank in RANK.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def top_rank(year: int, scope: str | None) -> Coalesce:
    """For an Organization query: the rank of its highest title active at the end of
    `year` at `scope` (both scopes when None), 0 without one. A correlated subquery."""
    ranks = (
        _active_titles(year, scope)
        .filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(top=Max(rank_of()))
        .values("top")
    )
    return Coalesce(Subquery(ranks, output_field=IntegerField()), Value(0))


def percent(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    value = Decimal(numerator) * 100 / Decimal(denominator)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# The statistics page ------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts of one group of branches at one scope."""

    titled: int = 0
    by_top: dict = field(default_factory=lambda: dict.fromkeys(RANK.values(), 0))

    def add(self, rank: int, n: int) -> None:
        if rank:
            self.titled += n
            self.by_top[rank] += n


@dataclass
class Group:
    """A row of a table: a set of branches (a category, a committee …) and its tallies."""

    key: str
    label: str
    filters: dict
    branches: int = 0
    tallies: dict = field(default_factory=lambda: {s: Tally() for s in Scope.values})
    kind: str = ""
    path: str = ""
    links: dict = field(default_factory=dict)

    def add(self, organ: int, league: int, n: int) -> None:
        self.branches += n
        self.tallies[Scope.ORGAN].add(organ, n)
        self.tallies[Scope.LEAGUE].add(league, n)

    def share(self, scope: str = Scope.ORGAN) -> Decimal | None:
        return percent(self.tallies[scope].titled, self.branches)

    @property
    def league_share(self) -> Decimal | None:
        return self.share(Scope.LEAGUE)


@dataclass
class Statistics:
    year: int
    total: Group
    categories: list
    committees: list
    kinds: list
    rounds: dict
    years: list

    def scope_rows(self) -> list[dict]:
        rows = []
        for scope, label in Scope.choices:
            round = self.rounds.get(scope)
            rows.append(
                {
                    "scope": scope,
                    "label": label,
                    "tally": self.total.tallies[scope],
                    "share": self.total.share(scope),
                    "target": round.target_share if round else None,
                    "round": round,
                    "links": self.total.links.get(scope, {}),
                }
            )
        return rows


def _committee_key(parent_path: str) -> str | None:
    """The path of the organisation directly under the root that a branch belongs to, from
    its parent's path; None for a branch directly under the root (the work committee)."""
    segments = [s for s in parent_path.split("/") if s]
    if len(segments) < 2:
        return None
    return "/".join(segments[:2]) + "/"


def _rank_rows(branches: QuerySet, year: int, *fields: str) -> list[dict]:
    """Counted branches grouped by `fields` and by their highest rank at each scope at the
    end of `year` (`organ`, `league`, `n`): the one query every 最强党支部 figure adds up."""
    return list(
        branches.annotate(organ=top_rank(year, Scope.ORGAN), league=top_rank(year, Scope.LEAGUE))
        .values(*fields, "organ", "league")
        .annotate(n=Count("pk"))
        .order_by()
    )


def totals(branches: QuerySet, year: int) -> Group:
    """The 最强党支部 figures of a set of counted branches at the end of `year`, at both
    scopes: 在册党支部, 最强党支部总数 and its subsets 其中示范点 / 其中示范基地, and the share.
    The statistics page's 合计 row and the cockpit tile are both this sum (one query)."""
    total = Group("total", "合计", {})
    for row in _rank_rows(branches, year):
        total.add(row["organ"], row["league"], row["n"])
    return total


def statistics(user, year: int) -> Statistics:
    """All figures of the statistics page for `user`'s subtree in `year`: six queries (the
    grouped counts, the committees' names, the year's rounds, the trend's years and totals)."""
    rows = _rank_rows(counted_branches().visible_to(user), year, "parent__path", "category")
    keys = {_committee_key(row["parent__path"] or "") for row in rows} - {None}
    committees = {
        org.path: org
        for org in Organization.objects.filter(path__in=keys).only(
            "pk", "path", "name", "short_name", "type"
        )
    }
    total = Group("total", "合计", {})
    categories = {
        value: Group(value, label, {"category": value})
        for value, label in Organization.Category.choices
    }
    kinds = {kind: Group(kind, label, {"kind": kind}) for kind, label in KINDS.items()}
    by_committee: dict[str | None, Group] = {}
    for row in rows:
        organ, league, n = row["organ"], row["league"], row["n"]
        key = _committee_key(row["parent__path"] or "")
        committee = committees.get(key)
        if key not in by_committee:
            if committee is None:
                group = Group("direct", "工委直属党支部", {"direct": "1"}, kind=ORGAN)
            else:
                kind = GRASSROOTS if committee.type == T.COMMITTEE else ORGAN
                group = Group(
                    str(committee.pk),
                    committee.display_name,
                    {"under": str(committee.pk)},
                    kind=kind,
                    path=committee.path,
                )
            by_committee[key] = group
        group = by_committee[key]
        for target in (total, categories[row["category"]], group, kinds[group.kind]):
            target.add(organ, league, n)
    rounds = {r.scope: r for r in RatingRound.objects.filter(year=year)}
    # In the order of the tree, the branches directly under the work committee last.
    committee_rows = sorted(by_committee.values(), key=lambda g: (not g.path, g.path))
    return Statistics(
        year=year,
        total=total,
        categories=[g for g in categories.values() if g.branches],
        committees=committee_rows,
        kinds=list(kinds.values()),
        rounds=rounds,
        years=year_over_year(user, year),
    )


def shown_years(year: int) -> list[int]:
    """The years of the trend: those with a round or a title up to `year`, at most six."""
    round_years = set(
        RatingRound.objects.filter(year__lte=year).values_list("year", flat=True).distinct()
    )
    title_years = set(
        RatingTitle.objects.filter(year__lte=year)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(round_years | title_years | {year})[-YEARS_SHOWN:]


def year_over_year(user, year: int) -> list[dict]:
    """Per year and scope: branches holding a title at the end of the year, those newly
    named that year, and the share (two queries for any number of branches)."""
    years = shown_years(year)
    aggregates = {"branches": Count("pk")}
    for y in years:
        for scope in Scope.values:
            held = _active_titles(y, scope).filter(organization=OuterRef("pk"))
            new = held.filter(year=y)
            aggregates[f"held_{y}_{scope}"] = Count("pk", filter=Q(Exists(held)))
            aggregates[f"new_{y}_{scope}"] = Count("pk", filter=Q(Exists(new)))
    totals = counted_branches().visible_to(user).order_by().aggregate(**aggregates)
    result = []
    for y in years:
        row = {"year": y, "branches": totals["branches"], "scopes": []}
        for scope, label in Scope.choices:
            held = totals[f"held_{y}_{scope}"]
            row["scopes"].append(
                {
                    "scope": scope,
                    "label": label,
                    "held": held,
                    "new": totals[f"new_{y}_{scope}"],
                    "share": percent(held, totals["branches"]),
                }
            )
        result.append(row)
    return result


def default_year() -> int:
    """The latest year with a title, else the latest round's, else this year."""
    latest = RatingTitle.objects.order_by("-year").values_list("year", flat=True).first()
    if latest is None:
        latest = RatingRound.objects.order_by("-year").values_list("year", flat=True).first()
    return latest or timezone.localdate().year


# The list behind a figure ---------------------------------------------------------------------


def grassroots_condition(prefix: str = "") -> Q:
    """Branches under a 党委 (type committee) directly below the work committee."""
    paths = Organization.objects.filter(type=T.COMMITTEE, depth=1).values_list("path", flat=True)
    condition = Q(pk__in=[])
    for path in paths:
        condition |= scoping.subtree_q(path, prefix.removesuffix("__"))
    return condition


def holders(
    user,
    *,
    year: int,
    scope: str | None,
    top: str = "any",
    category: str = "",
    kind: str = "",
    under: Organization | None = None,
    direct: bool = False,
) -> QuerySet:
    """Counted branches of the user's subtree matching a figure's filters, annotated with
    `top` (the rank of the highest active title at `scope`, or at either scope)."""
    branches = (
        counted_branches()
        .visible_to(user)
        .select_related("parent")
        .annotate(top=top_rank(year, scope))
    )
    if category:
        branches = branches.filter(category=category)
    if under is not None:
        branches = scoping.within(branches, under, "")
    if direct:
        branches = branches.filter(scoping.root_q("parent"))
    if kind == GRASSROOTS:
        branches = branches.filter(grassroots_condition())
    elif kind == ORGAN:
        branches = branches.exclude(grassroots_condition())
    if top == "any":
        branches = branches.filter(top__gt=0)
    elif top == "none":
        branches = branches.filter(top=0)
    elif top in RANK:
        branches = branches.filter(top=RANK[top])
    return branches


def level_label(rank: int) -> str:
    return Level(LADDER[rank - 1]).label if rank else "—"


def titles_by_branch(branch_ids, year: int) -> dict[int, list]:
    """Every title of the given branches active at the end of `year` (one query)."""
    titles = defaultdict(list)
    for title in (
        RatingTitle.objects.active_at_end_of(year)
        .filter(organization_id__in=list(branch_ids))
        .order_by("organization_id", "scope", "-year", "level", "pk")
    ):
        titles[title.organization_id].append(title)
    return titles
