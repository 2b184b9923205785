"""Each member's training hours against their yearly rule — the set-based API the progress
pages, statistics and ledgers build on (DOMAIN.md §7).

Hours count when a member signed in to a class (`Enrollment.signed_in`) and are credited to
the year in which the class starts. The rule per member is the HourRule row in force for the
year: members who held a committee seat (`branches.CommitteeSeat` — branch secretaries and
committee members at any level) at any time during the year need the 书记和支委 minimum (56),
everyone else the 全体党员 minimum (32). A seat taken up or given up mid-year counts for the
whole year: the year's training plan for committee members applies to whoever sat on the
committee in it, and a closed year keeps the requirement it had although the seat ended since.

    members = Member.objects.visible_to(user).in_good_standing()
    rows = with_progress(2026, members)       # one query, however many members
    for m in rows: m.training_hours, m.required_hours, m.hours_short, m.is_committee_member

    hours_for(2026, members)                  # only .training_hours (Decimal, 0 when none)
    with_required_hours(2026, members)        # only .is_committee_member and .required_hours
    component_hours(2026, members)            # {member_id: {component_id: hours}}, one query
    member_progress(member, 2026)             # one member's Progress, one query
    judged(2026, members)                     # [Judged] in one set-based statement, cached

`with_progress` evaluates correlated subqueries per member: right for one branch or one
member, far too slow for a whole league (tens of thousands of members, each probed several
times). The league-wide readers — the progress overview and its lists, the cockpit's figure,
the component rates — use `judged`: the year's hours summed once by GROUP BY, joined to the
members, the same rule applied, and the rows cached under the topics they read.
    required_hours(member, 2026)              # int, one query

Every function takes a Member queryset and returns an annotated queryset, so callers can
filter (`.filter(hours_short__gt=0)` = who is behind), order, aggregate or group by
organisation afterwards without more queries per row.
"""

import datetime
import decimal
from array import array
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, models
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest

from alxa_dangjian.core import caching, rules
from alxa_dangjian.core.scoped_sql import MEMBERS, fetch_over_members, members_digest
from branches.models import CommitteeSeat, Member, Organization

from .models import Audience, Enrollment, HourRule, TrainingClass

HOURS_FIELD = models.DecimalField(max_digits=7, decimal_places=1)


def year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def earned_in(year: int, until: datetime.date | None = None):
    """Signed-in enrolments of classes starting in `year` (the rows hours are summed from),
    or only of those starting by `until` (a figure's 去年同期 compares the same stretch)."""
    start, end = year_range(year)
    return Enrollment.objects.filter(
        signed_in=True, training_class__starts_on__range=(start, min(end, until or end))
    )


# Who meets the yearly rule: the progress pages, the cockpit figure and its list all filter
# a `with_progress` queryset with this.
MET = models.Q(hours_short__lte=0)


def _hours_subquery(year: int, until: datetime.date | None = None):
    rows = (
        earned_in(year, until)
        .filter(member=OuterRef("pk"))
        .order_by()
        .values("member")
        .annotate(total=Sum("hours_earned"))
        .values("total")
    )
    return Coalesce(
        Subquery(rows, output_field=HOURS_FIELD), Value(Decimal(0)), output_field=HOURS_FIELD
    )


def _minimum(year: int, audience: str):
    rows = HourRule.objects.filter(audience=audience, year__lte=year).order_by("-year", "-pk")
    return Subquery(rows.values("minimum")[:1], output_field=models.IntegerField())


def hours_for(year: int, members, until: datetime.date | None = None):
    """`members` annotated with `training_hours`: 学时 earned in `year` (Decimal, 0 if none),
    from classes starting by `until` when given."""
    return members.annotate(training_hours=_hours_subquery(year, until))


def with_required_hours(year: int, members, minimums: dict[str, int] | None = None):
    """`members` annotated with `is_committee_member` (held a seat at any time in `year`) and
    `required_hours` (the minimum of the HourRule in force in `year`; 0 when no rule exists).
    `minimums` ({audience: 学时}, e.g. `minimums_in_force`) stands in for the HourRule table:
    a year-end run's recorded rules."""
    if minimums is None:
        everyone = Coalesce(_minimum(year, Audience.ALL_MEMBERS), Value(0))
        committee = Coalesce(_minimum(year, Audience.COMMITTEE), everyone)
    else:
        everyone = Value(minimums.get(Audience.ALL_MEMBERS, 0))
        committee = Value(minimums.get(Audience.COMMITTEE, minimums.get(Audience.ALL_MEMBERS, 0)))
    start, end = year_range(year)
    seated = CommitteeSeat.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start),
        member=OuterRef("pk"),
        started_on__lte=end,
    )
    return members.annotate(
        is_committee_member=Exists(seated),
        required_hours=Case(
            When(is_committee_member=True, then=committee),
            default=everyone,
            output_field=models.IntegerField(),
        ),
    )


def minimums_in_force(year: int) -> dict[str, int]:
    """{audience: minimum 学时} in force in `year` as core.rules sees the HourRule rows (a
    run's recorded versions inside its pinned block, today's otherwise). One query."""
    minimums: dict[str, int] = {}
    for rule in sorted(rules.rows(HourRule, Q(year__lte=year)), key=lambda r: (r.year, r.pk)):
        minimums[rule.audience] = rule.minimum
    return minimums


def with_progress(year: int, members, until: datetime.date | None = None):
    """Both of the above plus `hours_short`: how many 学时 are still missing (0 when met)."""
    annotated = with_required_hours(year, hours_for(year, members, until))
    return annotated.annotate(
        hours_short=Greatest(
            models.ExpressionWrapper(
                models.F("required_hours") - models.F("training_hours"), output_field=HOURS_FIELD
            ),
            Value(Decimal(0)),
            output_field=HOURS_FIELD,
        )
    )


def component_hours(year: int, members) -> dict[int, dict[int | None, Decimal]]:
    """学时 per member and scheme component (None: classes counted toward no component)."""
    result: dict[int, dict[int | None, Decimal]] = {}
    rows = (
        earned_in(year)
        .filter(member__in=members.values("pk"))
        .order_by()
        .values_list("member_id", "training_class__component_id")
        .annotate(total=Sum("hours_earned"))
    )
    for member_id, component_id, total in rows:
        result.setdefault(member_id, {})[component_id] = total
    return result


@dataclass(frozen=True)
class Progress:
    year: int
    hours: Decimal
    required: int
    is_committee_member: bool

    @property
    def short(self) -> Decimal:
        return max(Decimal(self.required) - self.hours, Decimal(0))

    @property
    def is_met(self) -> bool:
        return self.hours >= self.required

    @property
    def percent(self) -> int:
        """Completion for a progress bar, capped at 100."""
        if not self.required:
            return 100
        return min(100, int(self.hours * 100 / self.required))


def member_progress(member: Member, year: int | None = None) -> Progress:
    """One member's progress in one query."""
    year = year or datetime.date.today().year
    row = (
        with_required_hours(year, hours_for(year, Member.objects.filter(pk=member.pk)))
        .values("training_hours", "required_hours", "is_committee_member")
        .get()
    )
    return Progress(
        year=year,
        hours=row["training_hours"],
        required=row["required_hours"],
        is_committee_member=row["is_committee_member"],
    )


def required_hours(member: Member, year: int | None = None) -> int:
    year = year or datetime.date.today().year
    return (
        with_required_hours(year, Member.objects.filter(pk=member.pk))
        .values_list("required_hours", flat=True)
        .get()
    )


# --- set-based: the whole scope in one statement ----------------------------------------------

# The topics the judged rows read: enrolments and classes, members (standing, transfers), the
# tree (paths), committee seats (organizations), the hour rules.
JUDGED_TOPICS = (caching.TRAINING, caching.MEMBERS, caching.ORGANIZATIONS, caching.RULES)


class Judged(NamedTuple):
    """One member's year as `with_progress` annotates it, with what the lists sort by (a
    named tuple: tens of thousands are pickled into the cache and back)."""

    member_id: int
    path: str  # the member's organisation's path
    status: str
    training_hours: Decimal
    required_hours: int
    is_committee_member: bool

    @property
    def hours_short(self) -> Decimal:
        return max(Decimal(self.required_hours) - self.training_hours, Decimal(0))

    @property
    def is_met(self) -> bool:
        """`MET`: no 学时 short."""
        return self.hours_short <= 0


# Each member's 学时 earned in the period and whether they held a committee seat then, shared
# by the rows and the counts. The members' subquery is repeated, not a CTE: a CTE hides its
# size from the planner, which then probes the enrolments once per member instead of hashing.
EARNED_AND_SEATED = """
WITH earned AS (
    SELECT e.member_id, SUM(e.hours_earned) AS hours
    FROM {enrollment} e JOIN {training_class} c ON c.id = e.training_class_id
    WHERE e.signed_in = %s AND c.starts_on BETWEEN %s AND %s AND e.member_id IN ({members})
    GROUP BY e.member_id
),
seated AS (
    SELECT DISTINCT s.member_id FROM {seat} s
    WHERE s.started_on <= %s AND (s.ended_on IS NULL OR s.ended_on >= %s)
      AND s.member_id IN ({members})
)
"""

JUDGED_SQL = (
    EARNED_AND_SEATED
    + """
SELECT m.id, o.path, m.status, COALESCE(earned.hours, %s), seated.member_id IS NOT NULL
FROM {member} m
JOIN {organization} o ON o.id = m.organization_id
LEFT JOIN earned ON earned.member_id = m.id
LEFT JOIN seated ON seated.member_id = m.id
WHERE m.id IN ({members})
ORDER BY o.path, m.name, m.id
"""
)


# `judged`'s members counted, and those meeting their rule, without reading their rows (the
# cockpit's figure). 学时 are multiples of 0.1: comparing with 0.05 below the minimum is
# `hours >= minimum` whether the database sums them exactly (numeric) or as floats (SQLite).
COUNTS_SQL = (
    EARNED_AND_SEATED
    + """
SELECT COUNT(*),
       SUM(CASE WHEN COALESCE(earned.hours, 0) >= (
               CASE WHEN seated.member_id IS NOT NULL THEN %s ELSE %s END) - 0.05
           THEN 1 ELSE 0 END)
FROM {member} m
JOIN {organization} o ON o.id = m.organization_id
LEFT JOIN earned ON earned.member_id = m.id
LEFT JOIN seated ON seated.member_id = m.id
WHERE m.id IN ({members})
"""
)


def _minimums(year: int) -> tuple[int, int]:
    """(everyone's, committee members') minimum in force in `year`, as `with_required_hours`
    reads the HourRule table (0 without a rule; committee falls back to everyone's)."""
    latest: dict[str, tuple] = {}
    for audience, rule_year, pk, minimum in HourRule.objects.filter(year__lte=year).values_list(
        "audience", "year", "pk", "minimum"
    ):
        if audience not in latest or (rule_year, pk) > latest[audience][:2]:
            latest[audience] = (rule_year, pk, minimum)
    everyone = latest[Audience.ALL_MEMBERS][2] if Audience.ALL_MEMBERS in latest else 0
    committee = latest[Audience.COMMITTEE][2] if Audience.COMMITTEE in latest else everyone
    return everyone, committee


# SQLite sums a decimal column as a float (or an int): converted as the ORM converts an
# annotation's value there, so every figure reads as `with_progress` gives it.
_FROM_FLOAT = decimal.Context(prec=15).create_decimal_from_float


def _hours(value, sqlite: bool) -> Decimal:
    return _FROM_FLOAT(value) if sqlite else value


def _statement(template: str, year: int, members, until, tail: list) -> tuple[str, list]:
    start, end = year_range(year)
    members_sql, members_params = members.order_by().values("pk").query.sql_with_params()
    sql = template.format(
        members=members_sql,
        enrollment=Enrollment._meta.db_table,
        training_class=TrainingClass._meta.db_table,
        seat=CommitteeSeat._meta.db_table,
        member=Member._meta.db_table,
        organization=Organization._meta.db_table,
    )
    params = [True, start, min(end, until or end), *members_params]
    params += [end, start, *members_params, *tail, *members_params]
    return sql, params


def _count(year: int, members, until: datetime.date | None) -> tuple[int, int]:
    everyone, committee = _minimums(year)
    sql, params = _statement(COUNTS_SQL, year, members, until, [committee, everyone])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        judged, met = cursor.fetchone()
    return int(judged or 0), int(met or 0)


def judged_counts(year: int, members, until: datetime.date | None = None) -> tuple[int, int]:
    """(members judged, members meeting their rule): `len(judged(…))` and how many of its
    rows are met, in one aggregate statement (no rows read, sorted or cached), cached under
    JUDGED_TOPICS."""
    key = caching.key(
        "training-judged-counts", year, until or "", members_digest(members), topics=JUDGED_TOPICS
    )
    return caching.cached(key, lambda: _count(year, members, until))


def _judge(year: int, members, until: datetime.date | None) -> list[Judged]:
    start, end = year_range(year)
    everyone, committee = _minimums(year)
    rows = fetch_over_members(
        JUDGED_SQL,
        members,
        [True, start, min(end, until or end), MEMBERS, end, start, MEMBERS, 0, MEMBERS],
        tables={
            "enrollment": Enrollment,
            "training_class": TrainingClass,
            "seat": CommitteeSeat,
            "member": Member,
            "organization": Organization,
        },
    )
    sqlite = connection.vendor == "sqlite"
    return [
        Judged(
            pk, path, status, _hours(hours, sqlite), committee if seated else everyone, bool(seated)
        )
        for pk, path, status, hours, seated in rows
    ]


def judged(year: int, members, until: datetime.date | None = None) -> list[Judged]:
    """Every member of `members` judged against the rule of `year` (classes starting by
    `until` when given), in the order of the lists (organisation path, name, pk): the same
    figures as `with_progress`, in one statement whatever the number of members (the hours
    summed by GROUP BY, not per member). Cached per members queryset, year and `until`
    under JUDGED_TOPICS, so the writers of enrolments, members and rules invalidate it."""
    key = caching.key(
        "training-judged", year, until or "", members_digest(members), topics=JUDGED_TOPICS
    )
    return caching.cached(key, lambda: _judge(year, members, until))


def listed(
    year: int, members, until: datetime.date | None = None, *, met: bool
) -> tuple[array, int]:
    """The ids of the members of `judged` who meet their rule (`met`) or are short of it, in
    the lists' order — path, name, pk; those behind the furthest behind first — and how many
    members were judged. Cached like `judged`, as an array of ids: a warm page of a
    league-wide list reads 40,000 ids (bytes), not 40,000 rows it filters and sorts again;
    the page's own rows are read with `with_progress` (the same figures)."""
    key = caching.key(
        "training-listed",
        year,
        until or "",
        int(met),
        members_digest(members),
        topics=JUDGED_TOPICS,
    )

    def build() -> tuple[array, int]:
        rows = judged(year, members, until)
        chosen = [row for row in rows if row.is_met == met]
        if not met:  # a stable sort keeps path, name, pk among equal shortfalls
            chosen.sort(key=lambda row: -row.hours_short)
        return array("q", (row.member_id for row in chosen)), len(rows)

    return caching.cached(key, build)
