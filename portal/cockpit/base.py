"""The cockpit's building blocks: what a provider is given (a scope and a period) and what it
returns (figures and charts as plain values), and the cached build of a whole cockpit.

A provider is a small function `provider(scope, period)` returning a `Figure` (or `Chart`),
a list of them, or None when it has nothing to say for the scope. The cockpit calls every
figure provider for the period and for the same period a year earlier (`period.previous()`),
so each figure shows its change from last year without the provider doing anything extra.
Results are plain dataclasses (no model instances), so a whole cockpit pickles small and is
cached per scope, year and day.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.accounts import scoping
from alxa_dangjian.core import caching, dispatch
from branches.models import Member, Organization, add_years


@dataclass(frozen=True)
class Scope:
    """The organisation whose subtree a cockpit describes, as plain values."""

    pk: int
    path: str
    name: str
    type: str
    depth: int

    @classmethod
    def of(cls, organization: Organization) -> "Scope":
        return cls(
            organization.pk,
            organization.path,
            organization.display_name,
            organization.type,
            organization.depth,
        )

    @property
    def is_branch(self) -> bool:
        return self.type in Organization.BRANCH_TYPES

    @property
    def is_committee(self) -> bool:
        return self.type in Organization.COMMITTEE_TYPES

    def organizations(self):
        return scoping.within(Organization.objects, self, "")

    def members(self):
        return scoping.within(Member.objects, self)

    def url(self, name: str, *args, **params) -> str:
        """A list page narrowed to this scope (`organization=<pk>`) and to `params`."""
        query = {**{k: v for k, v in params.items() if v != ""}, "organization": self.pk}
        return f"{reverse(name, args=args or None)}?{urlencode(query)}"


@dataclass(frozen=True)
class Period:
    """1 January to `end`: today for the current year, 31 December for a past one."""

    year: int
    end: datetime.date

    @classmethod
    def of(cls, year: int, today: datetime.date) -> "Period":
        if year >= today.year:
            return cls(year, today)
        return cls(year, datetime.date(year, 12, 31))

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def is_whole_year(self) -> bool:
        return self.end == datetime.date(self.year, 12, 31)

    def previous(self) -> "Period":
        """The same stretch of the year before (去年同期)."""
        return Period(self.year - 1, add_years(self.end, -1))


@dataclass
class Part:
    """One line of a figure's breakdown, linking to the list behind it."""

    key: str
    label: str
    value: int | float | None
    url: str = ""
    previous: int | float | None = None
    # A ratio (a share in %) says what it divides: its link opens the numerator's records
    # and that page states the denominator (data-testid="list-denominator").
    numerator: int | None = None
    denominator: int | None = None

    @property
    def delta(self):
        return _delta(self.value, self.previous)

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None


@dataclass
class Figure:
    key: str
    label: str
    value: int | float | None
    url: str
    unit: str = ""
    parts: list[Part] = field(default_factory=list)
    note: str = ""  # how the number is counted, shown as a tooltip and on paper
    extra: dict = field(default_factory=dict)  # provider-specific values for a template
    previous: int | float | None = None
    numerator: int | None = None  # for a ratio, as on Part
    denominator: int | None = None

    @property
    def delta(self):
        return _delta(self.value, self.previous)

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None

    @property
    def delta_text(self) -> str:
        delta = self.delta
        if delta is None:
            return ""
        if delta == 0:
            return "与去年同期持平"
        number = f"{abs(delta):g}" + ("个百分点" if self.unit == "%" else self.unit)
        return f"较去年同期{'增加' if delta > 0 else '减少'}{number}"


@dataclass
class Series:
    name: str
    values: list  # numbers for bar/pie; [x, y, value] for a heatmap
    urls: list[str]  # one per value: where clicking it leads
    # What the linked page states for a value: "total" (the value counts its records,
    # `data-testid="list-total"`) or "sum" (the value sums a quantity of them, `list-sum`).
    stated: str = "total"


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "bar", "pie" or "heatmap"
    categories: list[str]  # x axis (bar, heatmap) or slice names (pie)
    series: list[Series]
    y_categories: list[str] = field(default_factory=list)  # heatmap rows
    scale: str = ""  # heatmap: "status" (达标/待完成/逾期) or "percent"
    note: str = ""
    height: int = 260

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "categories": self.categories,
            "y_categories": self.y_categories,
            "scale": self.scale,
            "series": [{"name": s.name, "values": s.values, "urls": s.urls} for s in self.series],
        }

    def rows(self) -> list[tuple]:
        """(label, [(series name, value, url)]) per category: the chart as a table of links,
        for paper and for readers without a canvas."""
        if self.kind == "heatmap":
            return []
        return [
            (label, [(s.name, s.values[i], s.urls[i]) for s in self.series])
            for i, label in enumerate(self.categories)
        ]


@dataclass
class Cockpit:
    scope: Scope
    period: Period
    figures: list[Figure]
    charts: list[Chart]
    computed_at: datetime.datetime | None = None
    # Served from the last computation while a worker computes the current one (see below).
    stale: bool = False

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    def chart(self, key: str) -> Chart | None:
        return next((c for c in self.charts if c.key == key), None)


def _delta(value, previous):
    if value is None or previous is None:
        return None
    return round(value - previous, 1)


def _as_list(result) -> list:
    if result is None:
        return []
    return list(result) if isinstance(result, list | tuple) else [result]


def compute(scope: Scope, period: Period, figures, charts) -> Cockpit:
    """Every provider once for the period (and figures once more for the year before)."""
    previous_period = period.previous()
    built = []
    for provider in figures:
        current = _as_list(provider(scope, period))
        if not current:
            continue
        earlier = {f.key: f for f in _as_list(provider(scope, previous_period))}
        for figure in current:
            before = earlier.get(figure.key)
            if before is not None:
                figure.previous = before.value
                parts = {p.key: p.value for p in before.parts}
                for part in figure.parts:
                    part.previous = parts.get(part.key)
            built.append(figure)
    drawn = [chart for provider in charts for chart in _as_list(provider(scope, period))]
    return Cockpit(scope, period, built, drawn, computed_at=timezone.now())


# Cached per scope, year and day under the versions of every topic (a cockpit reads them all),
# which the services that write an input bump on commit (alxa_dangjian.core.caching).
CACHE_SECONDS = caching.TIMEOUT
STALE_SECONDS = 30 * 60


def cache_key(scope: Scope, period: Period) -> str:
    return caching.key("cockpit", scope.path, period.year, period.end.isoformat())


def _last_key(scope: Scope, period: Period) -> str:
    return f"cockpit:last:{scope.path}:{period.year}:{period.end.isoformat()}"


def cached_cockpit(
    scope: Scope, period: Period, figures, charts, *, organization_id: int | None = None
) -> Cockpit:
    """The cockpit from the cache, computed when missing.

    With a worker (a broker configured), a cockpit whose inputs changed since it was computed
    is served as it last was — marked stale, with its time — for up to STALE_SECONDS while the
    worker computes the current one (`organization_id` names the scope for that task): a
    write anywhere in the league must not make the next visitor of the league's cockpit wait
    seconds. Without a worker (the embedded default, tests) it is computed in the request.
    """
    key = cache_key(scope, period)
    value = cache.get(key)
    if value is not None:
        return value
    if organization_id is not None and not settings.CELERY_TASK_ALWAYS_EAGER:
        last = cache.get(_last_key(scope, period))
        if last is not None:
            _refresh_later(organization_id, period)
            last.stale = True
            return last
    value = compute(scope, period, figures, charts)
    cache.set(key, value, CACHE_SECONDS)
    cache.set(_last_key(scope, period), value, STALE_SECONDS)
    return value


def _refresh_later(organization_id: int, period: Period) -> None:
    from ..tasks import refresh_cockpit

    # One refresh per scope and period at a time, however many visitors ask meanwhile.
    if cache.add(f"cockpit:refreshing:{organization_id}:{period.end.isoformat()}", 1, 120):
        # A broker that cannot be reached leaves the visitor the last cockpit (logged).
        transaction.on_commit(
            lambda: dispatch.send(
                refresh_cockpit, organization_id, period.year, period.end.isoformat()
            )
        )
