"""The compliance engine: for every branch × period × rule, required vs held → a status.

Set-based: a fixed number of queries for any number of branches (the branches with their
committee and party-group counts, the rules, the exemptions, and two GROUP BYs over activity
records — hosted and joint), then arithmetic in Python over the grouped rows.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from alxa_dangjian.core import caching, rules
from alxa_dangjian.core.bulk import plain_rows
from alxa_dangjian.core.periods import Month
from branches.models import CommitteeSeat, Organization, PartyGroup

from .models import Activity, Exemption, FrequencyRule, OverdueExplanation
from .models.records import PRIOR_YEAR_MAX_MONTHS, covering

# A 支部委员会 exists once at least three seats are filled (书记 plus two 委员 or more).
COMMITTEE_MIN_SEATS = 3
# Organisations the engine judges: those that hold organisational life of their own. Which
# rule applies to which of them is the rule row's `organization_types`, so a 党总支 gets cells
# exactly for the rules that name it.
JUDGED_TYPES = (*Organization.BRANCH_TYPES, Organization.Type.GENERAL_BRANCH)
COUNTED = [Activity.Status.SUBMITTED, Activity.Status.APPROVED]  # as ActivityQuerySet.counted


class Status:
    MET = "met"
    DUE = "due"
    OVERDUE = "overdue"
    FUTURE = "future"
    # Over and not held, but closed by a 未开展说明 or an approved 补录申请
    # (models/explanations.py): off the to-do list, never counted as held or met.
    EXPLAINED = "explained"

    LABELS = {MET: "达标", DUE: "待完成", OVERDUE: "逾期", FUTURE: "未开始", EXPLAINED: "已说明"}
    COLORS = {
        MET: "success",
        DUE: "warning",
        OVERDUE: "danger",
        FUTURE: "secondary",
        EXPLAINED: "info",
    }
    # Worst first, for a cell that combines several rules.
    # Over and not met: the rate's denominator besides MET.
    UNMET = (OVERDUE, EXPLAINED)
    SEVERITY = {OVERDUE: 4, DUE: 3, EXPLAINED: 2, MET: 1, FUTURE: 0}


@dataclass(frozen=True)
class Period:
    kind: str  # FrequencyRule.Period value
    year: int
    index: int  # month 1–12, quarter 1–4, or 1 for the year
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        if self.kind == FrequencyRule.Period.MONTH:
            return f"{self.year}年{self.index}月"
        if self.kind == FrequencyRule.Period.QUARTER:
            return f"{self.year}年第{self.index}季度"
        return f"{self.year}年"

    @property
    def short_label(self) -> str:
        return {"month": "本月", "quarter": "本季度", "year": "本年度"}[self.kind]

    @property
    def months(self) -> range:
        return range(self.start.month, self.end.month + 1)


def periods(year: int, kind: str) -> list[Period]:
    def last_day(month):
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        return following - datetime.timedelta(days=1)

    if kind == FrequencyRule.Period.MONTH:
        return [Period(kind, year, m, datetime.date(year, m, 1), last_day(m)) for m in range(1, 13)]
    if kind == FrequencyRule.Period.QUARTER:
        return [
            Period(kind, year, q, datetime.date(year, 3 * q - 2, 1), last_day(3 * q))
            for q in range(1, 5)
        ]
    return [Period(kind, year, 1, datetime.date(year, 1, 1), datetime.date(year, 12, 31))]


@dataclass
class Cell:
    organization_id: int
    rule: FrequencyRule
    period: Period
    required: int
    held: int
    status: str

    @property
    def missing(self) -> int:
        return max(self.required - self.held, 0)


@dataclass
class Report:
    year: int
    today: datetime.date
    organizations: list
    cells: list[Cell] = field(default_factory=list)
    # Cells by organisation, built on first use once `compute` has filled `cells`, so that
    # asking for each of thousands of branches does not rescan every cell each time.
    _by_organization: dict | None = field(default=None, init=False, repr=False, compare=False)

    def for_organization(self, organization_id: int) -> list[Cell]:
        if self._by_organization is None:
            index = defaultdict(list)
            for cell in self.cells:
                index[cell.organization_id].append(cell)
            self._by_organization = dict(index)
        return self._by_organization.get(organization_id, [])

    def due_now(self, organization_id: int) -> list[Cell]:
        """What the branch still has to hold in the periods running today (and overdue ones)."""
        return [
            c
            for c in self.for_organization(organization_id)
            if c.status in (Status.DUE, Status.OVERDUE)
            and (c.period.start <= self.today <= c.period.end or c.status == Status.OVERDUE)
        ]

    def month_status(self, organization_id: int, month: int) -> str | None:
        """One heatmap cell: monthly rules of the month, plus quarterly and yearly rules whose
        period ends in that month; None when no rule falls due in it."""
        relevant = [
            c.status
            for c in self.cells
            if c.organization_id == organization_id and c.period.end.month == month
        ]
        if not relevant:
            return None
        return max(relevant, key=Status.SEVERITY.__getitem__)

    def heatmap(self) -> list[tuple]:
        by_org = defaultdict(lambda: defaultdict(list))
        for cell in self.cells:
            by_org[cell.organization_id][cell.period.end.month].append(cell.status)
        rows = []
        for organization in self.organizations:
            months = by_org.get(organization.pk, {})
            statuses = [
                max(months[m], key=Status.SEVERITY.__getitem__) if months.get(m) else None
                for m in range(1, 13)
            ]
            rows.append((organization, statuses))
        return rows

    def behind(self) -> list[tuple]:
        """Branches with overdue items, worst first: (organization, overdue count, due count)."""
        counts = defaultdict(lambda: [0, 0])
        for cell in self.cells:
            if cell.status == Status.OVERDUE:
                counts[cell.organization_id][0] += 1
            elif cell.status == Status.DUE:
                counts[cell.organization_id][1] += 1
        by_pk = {o.pk: o for o in self.organizations}
        rows = [(by_pk[pk], o, d) for pk, (o, d) in counts.items() if o and pk in by_pk]
        return sorted(rows, key=lambda row: (-row[1], row[0].path))

    def rate_counts(self) -> tuple[int, int]:
        """(met, closed): the rule-periods met, and those settled either way — met, or
        over and not met (overdue, or explained: an explanation closes the to-do, it does not
        make the item held). The rate's numerator and denominator, and the totals the
        rule-period list states for them."""
        met = sum(c.status == Status.MET for c in self.cells)
        return met, met + sum(c.status in Status.UNMET for c in self.cells)

    def rate(self) -> float | None:
        """Share of rule-periods already settled that were met."""
        met, closed = self.rate_counts()
        return met / closed if closed else None


def _count(model, **filters):
    return Coalesce(
        Subquery(
            model.objects.filter(organization=OuterRef("pk"), **filters)
            .values("organization")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def compute(branches, year: int, *, today: datetime.date | None = None, kind_codes=None) -> Report:
    """Compliance of every branch in `branches` (an Organization queryset) for `year`;
    `kind_codes` limits the rules (and the records read) to those activity kinds."""
    today = today or datetime.date.today()
    organizations, in_force, exemptions, branch_ids = _inputs(branches, year, kind_codes)
    report = Report(year=year, today=today, organizations=organizations)
    explained = _explained(branch_ids, year) if in_force else set()
    for organization_id, rule, period, required, held in _tallies(
        organizations, in_force, year, exemptions, branch_ids, month_counts
    ):
        status = _status(held, required, period, today)
        if status == Status.OVERDUE and (organization_id, rule.pk, period.index) in explained:
            status = Status.EXPLAINED
        report.cells.append(Cell(organization_id, rule, period, required, held, status))
    return report


def statuses(branches, year: int, *, today: datetime.date | None = None):
    """(organisations judged, [(organisation id, month the period ends, status)]): what
    `compute` judges, without building its cells — for the summaries of thousands of branches
    (the heatmap, the cockpit), where a Cell per branch × rule × period was most of the cost."""
    today = today or datetime.date.today()
    organizations, in_force, exemptions, branch_ids = _inputs(branches, year, None)
    explained = _explained(branch_ids, year) if in_force else set()
    judged = []
    for organization_id, rule, period, required, held in _tallies(
        organizations, in_force, year, exemptions, branch_ids, month_counts
    ):
        status = _status(held, required, period, today)
        if status == Status.OVERDUE and (organization_id, rule.pk, period.index) in explained:
            status = Status.EXPLAINED
        judged.append((organization_id, period.end.month, status))
    return organizations, judged


def _explained(branch_ids, year: int) -> set[tuple[int, int, int]]:
    """(organisation, rule, period index) of the year's items closed by an explanation."""
    return set(
        OverdueExplanation.objects.in_force()
        .filter(organization__in=branch_ids, year=year)
        .values_list("organization_id", "rule_id", "index")
    )


def tallies(branches, year: int, *, kind_codes=None, counts=None):
    """What `compute` judges, as plain tuples (organisation id, rule, period, required,
    held), without cells or statuses: for callers summing thousands of branches. `counts`
    may stand in for `month_counts` (same arguments), e.g. to reuse rows already read."""
    organizations, in_force, exemptions, branch_ids = _inputs(branches, year, kind_codes)
    return _tallies(organizations, in_force, year, exemptions, branch_ids, counts or month_counts)


def _inputs(branches, year: int, kind_codes):
    """The active branches and 党总支 (with committee and party-group counts), the rules in force,
    the exemptions by (branch, rule) and the branch id subquery."""
    branch_qs = (
        branches.filter(type__in=JUDGED_TYPES, is_active=True)
        .annotate(
            seat_count=_count(CommitteeSeat, ended_on__isnull=True),
            group_count=_count(PartyGroup),
        )
        .order_by("path")
    )
    organizations = list(branch_qs)
    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    # Rules and exemptions through core.rules: a year-end run reads the versions it recorded.
    in_force = []
    if organizations:
        in_force = [
            r
            for r in rules.rows(FrequencyRule, Q(kind__is_active=True), related=["kind"])
            if r.is_effective(year_start, year_end)
            and (kind_codes is None or r.kind.code in kind_codes)
        ]
    branch_ids = branches.filter(type__in=JUDGED_TYPES).values("pk")
    exemptions = defaultdict(list)
    if in_force:
        for exemption in rules.rows(
            Exemption, Q(organization__in=branch_ids), covering(year_start, year_end)
        ):
            exemptions[(exemption.organization_id, exemption.rule_id)].append(exemption)
    return organizations, in_force, exemptions, branch_ids


def month_counts(branch_ids, year: int, kind_ids, per_group_kinds=()) -> tuple[dict, dict]:
    """Counted records of `year` of the given kinds as month vectors (index 1–12):
    totals[(org, kind)] over hosted and joint records, and by_group[(org, kind)][party group]
    for the kinds in `per_group_kinds` (only those are grouped by party group, which keeps the
    grouped rows close to organisations × kinds × months). A combined record counts once for
    its main kind and once for each kind it also names. A record of a kind that allows it
    (ActivityKind.prior_year_months) counts for its 所属年度: one held early in `year + 1`
    for `year` counts in December, one held early in `year` for the year before not at all.
    Two statements, hosted and joint, each a UNION ALL of the GROUP BY by main kind and the
    one by combined kind."""
    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    # Records of the first months of the next year that belong to this one (所属年度).
    carried_end = datetime.date(year + 1, PRIOR_YEAR_MAX_MONTHS + 1, 1) - datetime.timedelta(1)
    kind_ids = sorted(kind_ids)
    per_group_kinds = sorted(per_group_kinds)
    totals = defaultdict(lambda: [0] * 13)
    by_group = defaultdict(lambda: defaultdict(lambda: [0] * 13))

    def of_year(prefix: str = "") -> Q:
        """Counted records of the year, through the join `prefix` when given: a join, not
        `activity IN (records of the year)`, which SQLite probes once per record of the year
        for each organisation of the scope."""
        return Q(**{f"{prefix}status__in": COUNTED}) & (
            Q(**{f"{prefix}held_on__range": (year_start, year_end)})
            | Q(
                **{
                    f"{prefix}held_on__gt": year_end,
                    f"{prefix}held_on__lte": carried_end,
                    f"{prefix}counts_for_previous_year": True,
                }
            )
        )

    counted = Activity.objects.filter(of_year())
    through = Activity.joint_organizations.through
    # A combined kind equal to the main one (the form refuses it) still counts once.
    combined = Activity.also_kinds.through.objects.filter(
        of_year("activity__"), activitykind_id__in=kind_ids
    ).exclude(activitykind_id=F("activity__kind_id"))
    # (rows, organisation, kind, the record's field prefix, by party group?): hosted by main
    # kind, hosted by combined kind, joined by main kind, joined by combined kind. A joint
    # record's party group is the host's, so it never counts per group for the partner.
    main = counted.filter(kind_id__in=kind_ids)
    hosted = main.filter(organization__in=branch_ids)
    hosted_combined = combined.filter(activity__organization__in=branch_ids)
    # A partner counts a joint record only once its side has confirmed (models/joint.py).
    joined = through.objects.filter(
        of_year("activity__"),
        organization__in=branch_ids,
        activity__kind_id__in=kind_ids,
        status="confirmed",
    )
    joined_combined = combined.filter(
        activity__partnerships__organization__in=branch_ids,
        activity__partnerships__status="confirmed",
    )
    sources = (
        (hosted, "organization_id", "kind", "", True),
        (hosted_combined, "activity__organization_id", "activitykind", "activity__", True),
        (joined, "organization_id", "activity__kind", "activity__", False),
        (
            joined_combined,
            "activity__partnerships__organization_id",
            "activitykind",
            "activity__",
            False,
        ),
    )
    grouped = []
    for rows, org_field, kind_field, prefix, by_party_group in sources:
        group = Value(None, output_field=IntegerField())
        if per_group_kinds and by_party_group:
            group = Case(
                When(
                    **{f"{kind_field}_id__in": per_group_kinds}, then=F(f"{prefix}party_group_id")
                ),
                default=Value(None),
                output_field=IntegerField(),
            )
        # Whether the record belongs to the year before its date for this kind, and whether
        # it was held after the year: a row counts for `year` when both or neither hold.
        previous = Case(
            When(
                **{
                    f"{prefix}counts_for_previous_year": True,
                    f"{kind_field}__prior_year_months__gt": 0,
                },
                then=Value(1),
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
        late = Case(
            When(**{f"{prefix}held_on__gt": year_end}, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        fields = (org_field, f"{kind_field}_id")
        grouped.append(
            rows.values(
                *fields,
                month=Month(f"{prefix}held_on"),
                group_key=group,
                previous=previous,
                late=late,
            )
            .annotate(n=Count("pk"))
            .values_list(*fields, "month", "group_key", "previous", "late", "n")
            .order_by()
        )
    # Main and combined kinds in one statement each for hosted and joint records (UNION ALL).
    for main_rows, combined_rows in (grouped[:2], grouped[2:]):
        for organization_id, kind_id, month, party_group, previous, late, n in plain_rows(
            main_rows.union(combined_rows, all=True)
        ):
            if previous != late:
                continue  # belongs to the year before (held in this one) or to the next year
            if late:
                month = 12  # held early next year for this one: counts in its last month
            totals[(organization_id, kind_id)][month] += n
            if party_group is not None:
                by_group[(organization_id, kind_id)][party_group][month] += n
    return totals, by_group


def _tallies(organizations, rules, year, exemptions, branch_ids, counts):
    """(organisation id, rule, period, required, held) for every branch × rule × period that
    applies: the arithmetic of `compute`, over the month vectors of `counts`."""
    if not organizations or not rules:
        return
    kind_ids = {rule.kind_id for rule in rules}
    per_group_kinds = {rule.kind_id for rule in rules if rule.per_party_group}
    totals, by_group = counts(branch_ids, year, kind_ids, per_group_kinds)
    empty = [0] * 13
    # Rule × period facts that do not depend on the branch, worked out once.
    rule_periods = [
        (
            rule,
            [
                (period, period.start.month, period.end.month + 1)
                for period in periods(year, rule.period)
                if rule.is_effective(period.start, period.end)
            ],
        )
        for rule in rules
    ]
    for organization in organizations:
        pk = organization.pk
        for rule, rule_period_list in rule_periods:
            if organization.type not in rule.organization_types:
                continue
            if rule.requires_committee and organization.seat_count < COMMITTEE_MIN_SEATS:
                continue
            groups = organization.group_count if rule.per_party_group else 1
            if groups == 0:
                continue
            key = (pk, rule.kind_id)
            month_totals = totals.get(key, empty)
            group_months = by_group.get(key, {}).values() if rule.per_party_group else ()
            excused = exemptions.get((pk, rule.pk), [])
            required = rule.min_count * groups
            for period, first, stop in rule_period_list:
                if excused and any(_covers(e, period) for e in excused):
                    continue
                if rule.per_party_group:
                    count = sum(
                        min(sum(per_month[first:stop]), rule.min_count)
                        for per_month in group_months
                    )
                else:
                    count = sum(month_totals[first:stop])
                yield pk, rule, period, required, count


def _covers(exemption: Exemption, period: Period) -> bool:
    return exemption.starts_on <= period.start and (
        exemption.ends_on is None or exemption.ends_on >= period.end
    )


def _status(held: int, required: int, period: Period, today: datetime.date) -> str:
    if held >= required:
        return Status.MET
    if period.start > today:
        return Status.FUTURE
    if period.end < today:
        return Status.OVERDUE
    return Status.DUE


# Results are cached per scope, year and day under the versions of the topics the engine reads
# (TOPICS), which every service writing one of them bumps on commit, so a saved record shows on
# the next page. Cache compact values for large scopes: a whole Report of 2,000 branches
# (~94,000 cells) pickles to ~6 MB and takes most of a second to load again.
TOPICS = (caching.ORGANIZATIONS, caching.ACTIVITIES, caching.RULES)


def cached(name: str, build, *, scope: str, year: int, today: datetime.date):
    """`build()`, cached; `scope` must name the branch set exactly (path plus any filters)."""
    key = caching.key(f"compliance:{name}", scope, year, today.isoformat(), topics=TOPICS)
    return caching.cached(key, build)


def cached_compute(
    branches, year: int, *, scope: str, today: datetime.date | None = None
) -> Report:
    """`compute`, cached: for small scopes (one branch); see above."""
    today = today or datetime.date.today()
    return cached(
        "report",
        lambda: compute(branches, year, today=today),
        scope=scope,
        year=year,
        today=today,
    )
