"""Set-based figures of cadre training: completion of the hour rule per organisation, scheme
component completion, and the class statistics (classes, person-times, spend, hours).

Every function runs a fixed number of GROUP BY queries whatever the number of members,
branches or classes, and rolls branches up to their party committees in memory by path.

    tallies = hour_tallies(2026, members)          # {organization path: Tally}, one query
    rollup(tallies)["/1/7/"]                       # a committee's tally over its subtree
    components = scheme_components(2026)           # the year's components with their targets
    component_rates(2026, members, components)     # {component id: Tally}, two queries
    class_figures(classes)                         # Figures by year, month and kind, 2 queries
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from alxa_dangjian.core import caching
from alxa_dangjian.core.scoped_sql import members_digest
from branches.models import Member

from .models import (
    Audience,
    Enrollment,
    HourCounting,
    SchemeComponent,
    TrainingClass,
    TrainingScheme,
)
from .progress import JUDGED_TOPICS, earned_in, judged

ZERO = Decimal(0)


# --- hour rule completion ---------------------------------------------------------------------


@dataclass
class Tally:
    """Members judged, members meeting their rule, and their hours, for one organisation."""

    members: int = 0
    met: int = 0
    hours: Decimal = ZERO

    @property
    def behind(self) -> int:
        return self.members - self.met

    @property
    def percent(self) -> int | None:
        """Share meeting the rule in whole percent (rounded down); None with no member."""
        if not self.members:
            return None
        return self.met * 100 // self.members

    @property
    def average_hours(self) -> Decimal:
        if not self.members:
            return ZERO
        return (self.hours / self.members).quantize(Decimal("0.1"))

    def add(self, other: "Tally") -> None:
        self.members += other.members
        self.met += other.met
        self.hours += other.hours


def hour_tallies(year: int, members) -> dict[str, Tally]:
    """{organisation path: Tally} for the organisations `members` belong to, from the
    set-based `judged` rows (one statement however many members); cached like them, so a
    warm overview reads one tally per organisation, not every member's row."""
    key = caching.key("training-hour-tallies", year, members_digest(members), topics=JUDGED_TOPICS)
    return caching.cached(key, lambda: _hour_tallies(year, members))


def _hour_tallies(year: int, members) -> dict[str, Tally]:
    result: dict[str, Tally] = {}
    for row in judged(year, members):
        tally = result.setdefault(row.path, Tally())
        tally.members += 1
        tally.met += int(row.is_met)
        tally.hours += row.training_hours
    return result


def rollup(tallies: dict[str, Tally]) -> dict[str, Tally]:
    """Every ancestor path's tally over its subtree (each path includes itself)."""
    result: dict[str, Tally] = defaultdict(Tally)
    for path, tally in tallies.items():
        segments = path.split("/")
        for depth in range(1, len(segments)):
            result["/".join(segments[:depth]) + "/"].add(tally)
    return result


# --- scheme components ------------------------------------------------------------------------

HOUR_UNITS = (SchemeComponent.Unit.DAY, SchemeComponent.Unit.HOUR)


@dataclass(frozen=True)
class ComponentTarget:
    """A component with what completing it means: hours (day/学时 units) or classes attended
    (期/专题/次); an open-ended component (N) is complete after taking part once."""

    component: SchemeComponent
    target: Decimal  # hours or classes

    @property
    def counts_hours(self) -> bool:
        return self.component.unit in HOUR_UNITS

    @property
    def target_display(self) -> str:
        if self.component.is_open_ended:
            return "至少参加1次"
        if self.counts_hours:
            return f"{self.target.normalize():f}学时"
        return f"{self.target.normalize():f}{self.component.get_unit_display()}"

    def applies_to(self, *, is_committee_member: bool, is_probationary: bool) -> bool:
        audience = self.component.audience
        if audience == Audience.ALL_MEMBERS:
            return True
        if audience in (Audience.COMMITTEE, Audience.PARTY_WORKERS):
            return is_committee_member
        if audience == Audience.NEW_MEMBERS:
            return is_probationary
        return False  # 入党积极分子 are not members yet

    def done(self, hours: Decimal, classes: int) -> Decimal | int:
        return hours if self.counts_hours else classes

    def is_complete(self, hours: Decimal, classes: int) -> bool:
        if self.component.is_open_ended:
            return classes >= 1
        return self.done(hours, classes) >= self.target


def scheme_for(year: int) -> TrainingScheme | None:
    return TrainingScheme.objects.for_year(year).order_by("code", "pk").first()


def scheme_components(year: int, scheme: TrainingScheme | None = None) -> list[ComponentTarget]:
    """The components of the year's scheme with their targets; two queries."""
    scheme = scheme if scheme is not None else scheme_for(year)
    if scheme is None:
        return []
    counting = HourCounting.objects.for_year(year)
    targets = []
    for component in scheme.components.order_by("order", "pk"):
        quantity = Decimal(component.quantity or 0)
        if component.unit == SchemeComponent.Unit.DAY:
            quantity *= counting.full_day
        targets.append(ComponentTarget(component, quantity))
    return targets


def member_components(year: int, members) -> dict[int, dict[int, tuple[Decimal, int]]]:
    """{member id: {component id: (hours, classes attended)}} in `year`; one query."""
    result: dict[int, dict[int, tuple[Decimal, int]]] = defaultdict(dict)
    rows = (
        earned_in(year)
        .filter(member__in=members.values("pk"), training_class__component__isnull=False)
        .order_by()
        .values_list("member_id", "training_class__component_id")
        .annotate(hours=Sum("hours_earned"), classes=Count("training_class", distinct=True))
    )
    for member_id, component_id, hours, classes in rows:
        result[member_id][component_id] = (hours or ZERO, classes)
    return result


def component_rates(year: int, members, targets: list[ComponentTarget]) -> dict[int, Tally]:
    """{component id: Tally}: members the component applies to and how many completed it.

    Two queries: the members' audience flags (`judged`), and their per-component
    attendance; cached like `judged` (the targets come from the year's scheme, a training
    row, and the hour counting, a rule)."""
    if not targets:
        return {}
    components = "-".join(str(t.component.pk) for t in targets)
    key = caching.key(
        "training-component-rates",
        year,
        components,
        members_digest(members),
        topics=JUDGED_TOPICS,
    )
    return caching.cached(key, lambda: _component_rates(year, members, targets))


def _component_rates(year: int, members, targets: list[ComponentTarget]) -> dict[int, Tally]:
    flags = [(r.member_id, r.is_committee_member, r.status) for r in judged(year, members)]
    done = member_components(year, members)
    rates = {t.component.pk: Tally() for t in targets}
    pairs = [(target, target.component.pk) for target in targets]
    for member_id, is_committee, status in flags:
        attended = done.get(member_id, {})
        probationary = status == Member.Status.PROBATIONARY
        for target, pk in pairs:
            if not target.applies_to(
                is_committee_member=is_committee, is_probationary=probationary
            ):
                continue
            hours, classes = attended.get(pk, (ZERO, 0))
            tally = rates[pk]
            tally.members += 1
            tally.hours += hours
            if target.is_complete(hours, classes):
                tally.met += 1
    return rates


# --- class statistics ---------------------------------------------------------------------------


@dataclass
class Figures:
    classes: int = 0
    demonstration: int = 0
    person_times: int = 0
    cost: Decimal = ZERO
    hours: Decimal = ZERO

    @property
    def cost_wan(self) -> Decimal:
        """Spend in 万元 (ten thousand yuan), as the work committee reports it."""
        return (self.cost / 10000).quantize(Decimal("0.01"))

    def add(self, other: "Figures") -> None:
        self.classes += other.classes
        self.demonstration += other.demonstration
        self.person_times += other.person_times
        self.cost += other.cost
        self.hours += other.hours


@dataclass
class ClassStatistics:
    """Figures of a set of classes: in total, by year, by (year, month) and by (year, kind)."""

    total: Figures = field(default_factory=Figures)
    by_year: dict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_month: dict[tuple[int, int], Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_kind: dict[tuple[int, str], Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_kind_total: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))

    @property
    def years(self) -> list[int]:
        return sorted(self.by_year)

    def _add(self, year: int, month: int, kind: str, figures: Figures) -> None:
        for bucket in (
            self.total,
            self.by_year[year],
            self.by_month[(year, month)],
            self.by_kind[(year, kind)],
            self.by_kind_total[kind],
        ):
            bucket.add(figures)


def class_figures(classes) -> ClassStatistics:
    """Classes held (by start date), person-times (signed-in enrolments), spend and 学时
    earned, grouped by year, month and kind: two GROUP BY queries."""
    stats = ClassStatistics()
    per_class = (
        classes.order_by()
        .annotate(y=ExtractYear("starts_on"), m=ExtractMonth("starts_on"))
        .values_list("y", "m", "kind")
        .annotate(n=Count("pk"), spend=Sum("cost"))
    )
    for year, month, kind, n, spend in per_class:
        demo = n if kind == TrainingClass.Kind.DEMONSTRATION else 0
        stats._add(year, month, kind, Figures(classes=n, demonstration=demo, cost=spend or ZERO))
    attended = (
        Enrollment.objects.filter(signed_in=True, training_class__in=classes.values("pk"))
        .order_by()
        .annotate(
            y=ExtractYear("training_class__starts_on"), m=ExtractMonth("training_class__starts_on")
        )
        .values_list("y", "m", "training_class__kind")
        .annotate(n=Count("pk"), hours=Sum("hours_earned"))
    )
    for year, month, kind, n, hours in attended:
        stats._add(year, month, kind, Figures(person_times=n, hours=hours or ZERO))
    return stats
