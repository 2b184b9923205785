"""The annual statistics of a place on a 统计截止日: each table's cells, each cell the records
it counts (so its drill-down list is the same records and its total the same number), and
the consistency checks.

Everything is read as of the day through `branches.asof` (history, not today's rows). The
党员增减 table compares the roll on the day with the roll a year before: a member on the
closing roll only is an increase, on the opening roll only a decrease, each put under one
reason, so opening + increases − decreases = closing holds by construction; the check still
recomputes and shows it, and a row whose reasons do not add up to its total is reported.
A member admitted and gone within the same year is on neither roll and appears in neither.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from alxa_dangjian.core.periods import add_months
from branches import asof
from branches.models import Member, Organization

from . import dimensions
from .models import StatRow, StatTable


class Reason:
    """党员增减 reasons (the `value` of an `increase` / `decrease` row)."""

    ADMITTED = "admitted"  # 发展党员
    TRANSFER_IN_EXTERNAL = "transfer_in_external"  # 从系统外转入
    TRANSFER_IN_INTERNAL = "transfer_in_internal"  # 从本系统其他党组织转入
    OTHER_IN = "other_in"  # 恢复党籍等
    TRANSFER_OUT_EXTERNAL = "transfer_out_external"
    TRANSFER_OUT_INTERNAL = "transfer_out_internal"
    DECEASED = "deceased"
    EXPELLED = "expelled"
    SUSPENDED = "suspended"
    OTHER_OUT = "other_out"

    INCREASES = (ADMITTED, TRANSFER_IN_EXTERNAL, TRANSFER_IN_INTERNAL, OTHER_IN)
    DECREASES = (
        TRANSFER_OUT_EXTERNAL,
        TRANSFER_OUT_INTERNAL,
        DECEASED,
        EXPELLED,
        SUSPENDED,
        OTHER_OUT,
    )


CHANGE_DIMENSIONS = {"opening", "closing", "increase", "decrease"}
_STANDING_REASONS = {
    Member.Standing.DECEASED: Reason.DECEASED,
    Member.Standing.EXPELLED: Reason.EXPELLED,
    Member.Standing.SUSPENDED: Reason.SUSPENDED,
    Member.Standing.TRANSFERRED_OUT: Reason.TRANSFER_OUT_EXTERNAL,
}


def default_day(today: datetime.date) -> datetime.date:
    """The usual 统计截止日: 31 December of last year."""
    return datetime.date(today.year - 1, 12, 31)


def opening_day(day: datetime.date) -> datetime.date:
    """The same day a year before (29 February → 28 February)."""
    return add_months(day, -12)


@dataclass
class Cell:
    row: StatRow
    records: list
    url: str
    readable: bool = True

    @property
    def value(self) -> int:
        return len(self.records)


@dataclass
class TableResult:
    table: StatTable
    cells: list[Cell]


@dataclass
class Check:
    label: str
    ok: bool
    detail: str = ""


@dataclass
class Report:
    place: Organization
    day: datetime.date
    opening: datetime.date
    tables: list[TableResult]
    checks: list[Check] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)


class Calculator:
    """The snapshots of one report, read once and shared by every table and cell."""

    def __init__(self, place: Organization, day: datetime.date, *, visible: Iterable[int]):
        self.place, self.day = place, day
        self.visible = set(visible)
        self.closing = asof.snapshot(place, day, visible=self.visible)
        self._opening = None
        self._secretaries = None
        self._development = None

    @property
    def opening(self) -> asof.Snapshot:
        if self._opening is None:
            self._opening = asof.snapshot(self.place, opening_day(self.day), visible=self.visible)
        return self._opening

    def records(self, row: StatRow) -> list | None:
        """What the row counts, in a stable order; None when the row cannot be read."""
        kind = row.table.kind
        if kind == StatTable.Kind.CHANGES:
            return self._changes(row)
        found = dimensions.predicate(row.dimension, row.value, kind)
        if found is None:
            return None
        return sorted((r for r in self.items(kind) if found(r, self.day)), key=_order)

    def items(self, kind: str) -> list:
        """Every record a table of this kind may count, in the place's subtree on the day."""
        if kind == StatTable.Kind.ORGANIZATIONS:
            return self.closing.scoped_organizations()
        if kind == StatTable.Kind.SECRETARIES:
            if self._secretaries is None:
                held = asof.secretaries_on(self.day, self.closing.members)
                self._secretaries = [s for s in held if s.organization_id in self.closing.scope]
            return self._secretaries
        if kind == StatTable.Kind.DEVELOPMENT:
            if self._development is None:
                cases = asof.development_on(self.day)
                self._development = [c for c in cases if c.organization_id in self.closing.scope]
            return self._development
        return self.closing.roll()

    def _changes(self, row: StatRow) -> list | None:
        if row.dimension not in CHANGE_DIMENSIONS:
            return None
        if row.dimension == "opening":
            return sorted(self.opening.roll(), key=_order) if not row.value else None
        if row.dimension == "closing":
            return sorted(self.closing.roll(), key=_order) if not row.value else None
        reasons = self.changes()[row.dimension]
        if row.value and row.value not in reasons:
            return None
        if row.value:
            return reasons[row.value]
        return sorted((m for members in reasons.values() for m in members), key=_order)

    def changes(self) -> dict[str, dict[str, list]]:
        """Increases and decreases of the year, by reason (each member under one)."""
        if hasattr(self, "_changes_cache"):
            return self._changes_cache
        before = {m.id: m for m in self.opening.roll()}
        after = {m.id: m for m in self.closing.roll()}
        increases = {reason: [] for reason in Reason.INCREASES}
        decreases = {reason: [] for reason in Reason.DECREASES}
        for pk, member in after.items():
            if pk not in before:
                increases[self._increase_reason(member)].append(member)
        for pk, member in before.items():
            if pk not in after:
                then = self.closing.members.get(pk)
                decreases[self._decrease_reason(then)].append(then or member)
        for group in (*increases.values(), *decreases.values()):
            group.sort(key=_order)
        self._changes_cache = {"increase": increases, "decrease": decreases}
        return self._changes_cache

    def _increase_reason(self, member: asof.MemberState) -> str:
        if member.joined_on > self.opening.day:
            return Reason.ADMITTED
        earlier = self.opening.members.get(member.id)
        if earlier is None or earlier.standing == Member.Standing.TRANSFERRED_OUT:
            return Reason.TRANSFER_IN_EXTERNAL
        if earlier.on_roll:  # on the roll elsewhere in the league
            return Reason.TRANSFER_IN_INTERNAL
        return Reason.OTHER_IN

    def _decrease_reason(self, then: asof.MemberState | None) -> str:
        if then is None:
            return Reason.OTHER_OUT
        if then.on_roll:  # on the roll elsewhere in the league
            return Reason.TRANSFER_OUT_INTERNAL
        return _STANDING_REASONS.get(then.standing, Reason.OTHER_OUT)

    def organization_name(self, pk: int | None, *, opening: bool = False) -> str:
        snap = self.opening if opening else self.closing
        found = snap.organizations.get(pk) or self.closing.organizations.get(pk)
        return found.name if found else "—"


def _order(record) -> tuple:
    return (record.name, record.id)


def cell_url(place: Organization, day: datetime.date, row: StatRow) -> str:
    query = urlencode({"as_of": day.isoformat(), "org": place.pk, "row": row.pk})
    return f"{reverse('annual_stats:cell')}?{query}"


def tables() -> list[StatTable]:
    """The active tables with their rows: two queries."""
    return list(
        StatTable.objects.filter(is_active=True).prefetch_related("rows").order_by("position")
    )


def build(place: Organization, day: datetime.date, *, visible: Iterable[int]) -> Report:
    calculator = Calculator(place, day, visible=visible)
    results = []
    for table in tables():
        cells = []
        for row in table.rows.all():
            row.table = table  # already fetched: no query per row
            records = calculator.records(row)
            cells.append(
                Cell(
                    row=row,
                    records=records or [],
                    url=cell_url(place, day, row),
                    readable=records is not None,
                )
            )
        results.append(TableResult(table=table, cells=cells))
    report = Report(place=place, day=day, opening=opening_day(day), tables=results)
    report.checks = checks(report, calculator)
    return report


def checks(report: Report, calculator: Calculator) -> list[Check]:
    """What the statistics system would refuse: unreadable rows, member tables whose total
    row disagrees with the roll, 增减 that do not reconcile, implausible ages and dates."""
    found = []
    roll = calculator.closing.roll()
    for result in report.tables:
        for cell in result.cells:
            if not cell.readable:
                found.append(
                    Check(
                        f"{result.table.title}：栏目“{cell.row.label}”的统计口径无法识别",
                        False,
                        f"口径 {cell.row.dimension}，取值“{cell.row.value}”",
                    )
                )
            elif (
                result.table.kind == StatTable.Kind.MEMBERS
                and cell.row.dimension == "all"
                and cell.value != len(roll)
            ):
                found.append(
                    Check(
                        f"{result.table.title}：合计与党员总数不一致",
                        False,
                        f"{cell.value} ≠ {len(roll)}",
                    )
                )
    changes = calculator.changes()
    opening = len(calculator.opening.roll())
    gained = sum(len(v) for v in changes["increase"].values())
    lost = sum(len(v) for v in changes["decrease"].values())
    closing = len(roll)
    found.append(
        Check(
            "党员增减平衡：上年底数 + 本年增加 − 本年减少 = 本年底数",
            opening + gained - lost == closing,
            f"{opening} + {gained} − {lost} = {opening + gained - lost}，本年底数 {closing}",
        )
    )
    too_young = [m for m in roll if m.age_on(report.day) < 18]
    too_old = [m for m in roll if m.age_on(report.day) > 110]
    found.append(
        Check(
            "年龄合理（18至110周岁）",
            not (too_young or too_old),
            "、".join(m.name for m in (too_young + too_old)[:20]),
        )
    )
    early = [m for m in roll if m.age_on(m.joined_on) < 18]
    found.append(Check("入党时年满18周岁", not early, "、".join(m.name for m in early[:20])))
    found.append(_complete_records(roll))
    return found


# Collection items the model lets a secretary leave empty (the others are required fields).
OPTIONAL_ITEMS = {"native_place": "籍贯", "work_started_on": "参加工作日期", "phone": "联系电话"}


def _complete_records(roll) -> Check:
    """Every member on the roll has the collection items the model lets one leave empty
    (as recorded now: the fix is to complete today's record). One query."""
    on_roll = {m.id for m in roll}
    missing = Q(native_place="") | Q(work_started_on__isnull=True) | Q(phone="")
    rows = Member.objects.order_by("name").filter(missing)
    gaps = [
        (name, [label for field, label in OPTIONAL_ITEMS.items() if not values[field]])
        for pk, name, *rest in rows.values_list("pk", "name", *OPTIONAL_ITEMS)
        if pk in on_roll
        for values in [dict(zip(OPTIONAL_ITEMS, rest, strict=True))]
    ]
    detail = "；".join(f"{name}缺{'、'.join(items)}" for name, items in gaps[:20])
    if len(gaps) > 20:
        detail += f"等{len(gaps)}人"
    return Check("党员信息采集项完整（籍贯、参加工作日期、联系电话）", not gaps, detail)


def cell_records(
    place: Organization, day: datetime.date, row: StatRow, *, visible: Iterable[int]
) -> tuple[Calculator, list | None]:
    calculator = Calculator(place, day, visible=visible)
    return calculator, calculator.records(row)
