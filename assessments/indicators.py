"""The catalogue of *auto* indicators: numbers the year-end run computes from records.

Every app that keeps records worth scoring registers its indicators in its own
`<app>/indicators.py` (autodiscovered by AssessmentsConfig.ready), e.g.:

    from assessments.indicators import AutoIndicator, Measure, register

    register(AutoIndicator(
        code="theme-day-months",
        name="主题党日覆盖月份",
        unit="月",
        compute=theme_day_months,     # (year, organizations) -> {organization_id: Measure}
        drilldown=lambda org, year: reverse(...),   # the numerator's records
        inputs="活动记录",
    ))

Contract for `compute(year, organizations)`:
- `organizations` is a queryset of Organization (branches and/or party committees);
- it runs a fixed number of set-based queries (GROUP BY / annotations) whatever the number
  of organisations — never one query per organisation;
- it returns a Measure for every organisation it was given; a committee's measure covers the
  branches of its subtree (`rollup` below does that from per-branch measures);
- it is deterministic: the same records give the same numbers.

`drilldown(organization, year)` opens the exact records the numerator counts for that
organisation and year, on a page that states the denominator too; `denominator_drilldown`
(optional) opens the denominator's records when they are listed elsewhere.

A Measure is a ratio `numerator / denominator` (0..1, e.g. 10 of 12 months) or, with
`denominator=None`, a plain value (e.g. a rating level's points). `inputs` counts the rows
read, so a run can say how much it looked at.
"""

import contextvars
import datetime
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from alxa_dangjian.accounts import scoping

_REGISTRY: dict[str, "AutoIndicator"] = {}


@dataclass(frozen=True)
class Measure:
    numerator: Decimal | int
    denominator: Decimal | int | None = None
    inputs: int = 0
    note: str = ""

    @property
    def ratio(self) -> Decimal | None:
        """numerator/denominator in 0..1; None for a plain value or an empty denominator."""
        if self.denominator is None or not self.denominator:
            return None
        return Decimal(self.numerator) / Decimal(self.denominator)


@dataclass(frozen=True)
class AutoIndicator:
    code: str
    name: str
    compute: Callable[[int, object], dict[int, Measure]]
    drilldown: Callable[[object, int], str]
    unit: str = ""
    inputs: str = ""
    description: str = ""
    # Where the denominator's records are listed, when not on the drill-down page itself
    # (which lists the numerator's records and states the denominator).
    denominator_drilldown: Callable[[object, int], str] | None = None

    def denominator_link(self, organization, year: int) -> str:
        build = self.denominator_drilldown or self.drilldown
        return build(organization, year)


def register(indicator: AutoIndicator) -> AutoIndicator:
    if indicator.code in _REGISTRY and _REGISTRY[indicator.code] != indicator:
        raise ValueError(f"auto indicator {indicator.code!r} registered twice")
    _REGISTRY[indicator.code] = indicator
    return indicator


def get(code: str) -> AutoIndicator:
    return _REGISTRY[code]


def all_indicators() -> list[AutoIndicator]:
    return sorted(_REGISTRY.values(), key=lambda i: i.code)


def choices() -> list[tuple[str, str]]:
    return [(i.code, i.name) for i in all_indicators()]


_SHARED: contextvars.ContextVar[dict | None] = contextvars.ContextVar("shared", default=None)


@contextmanager
def sharing():
    """Within the block, `shared()` builds each value once: indicators evaluated together
    (a chunk of the year-end run) read rows they have in common — a year's activity counts,
    the branches' paths — once instead of once per indicator."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared(key, build: Callable):
    """`build()`, computed once per `sharing()` block for equal `key`s (hashable, naming
    everything the value depends on); outside a block simply `build()`."""
    memo = _SHARED.get()
    if memo is None:
        return build()
    if key not in memo:
        memo[key] = build()
    return memo[key]


def as_of(year: int) -> datetime.date:
    """The day up to which a year's periods are judged: today, or the year's last day."""
    return min(timezone.localdate(), datetime.date(year, 12, 31))


def subtree_condition(organizations: Iterable) -> Q:
    """Organisations in the subtrees of `organizations`: a branch (which has no subtree) by
    its id, anything else by its path prefix (no query to build)."""
    condition = Q(pk__in=[o.pk for o in organizations if o.is_branch])
    for path in sorted({o.path for o in organizations if not o.is_branch}):
        condition |= scoping.subtree_q(path, "")
    return condition


def rollup(per_branch: dict[int, Measure], organizations: Iterable) -> dict[int, Measure]:
    """Measures for `organizations` from per-branch measures: a branch keeps its own, any other
    organisation sums numerators, denominators and inputs over the branches of its subtree.

    `per_branch` maps branch id → Measure and must include every branch under the given
    organisations; paths not known from `organizations` come from one (shared) query."""
    from branches.models import Organization

    organizations = list(organizations)
    nothing = Measure(Decimal(0), None, 0)
    # A branch has no branch below it: it keeps its own measure (or nothing).
    result = {
        o.pk: per_branch.get(o.pk, nothing)
        for o in organizations
        if o.pk in per_branch or o.is_branch
    }
    wanted = {o.path for o in organizations if o.pk not in result}
    if not wanted:
        return result  # e.g. a chunk of branches: nothing to sum
    branch_paths = {o.pk: o.path for o in organizations if o.pk in per_branch}
    missing = tuple(sorted(pk for pk in per_branch if pk not in branch_paths))
    if missing:
        branch_paths.update(
            shared(
                ("paths", missing),
                lambda: dict(Organization.objects.filter(pk__in=missing).values_list("pk", "path")),
            )
        )
    # Add every branch's measure to those of its ancestors' paths that were asked for: linear
    # in branches × depth.
    sums: dict[str, list] = {path: [Decimal(0), None, 0] for path in wanted}
    for pk, measure in per_branch.items():
        segments = branch_paths.get(pk, "").split("/")
        for depth in range(1, len(segments)):
            total = sums.get("/".join(segments[:depth]) + "/")
            if total is None:
                continue
            total[0] += Decimal(measure.numerator)
            if measure.denominator is not None:
                total[1] = (total[1] or Decimal(0)) + Decimal(measure.denominator)
            total[2] += measure.inputs
    for org in organizations:
        if org.pk not in result:
            result[org.pk] = Measure(*sums[org.path])
    return result


def as_ratios(measures: dict, organizations) -> dict[int, Measure]:
    """Ratios throughout: an organisation with no branch to judge (a committee without
    branches, an inactive branch) owes nothing, 0 of 0, rather than a plain value."""
    result = {}
    for organization in organizations:
        measure = measures.get(organization.pk) or Measure(0, 0)
        if measure.denominator is None:
            measure = Measure(measure.numerator, 0, inputs=measure.inputs)
        result[organization.pk] = measure
    return result
