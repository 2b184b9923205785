"""Arrears and on-time payment for a whole scope, in SQL: a few correlated subqueries over the
members of the scope, never a query per member (`arrears`, a queryset for a few members), or
one set-based statement for a whole scope (`arrears_rows`: the pages and the cockpit).

A member's owed window starts at the later of the month they joined (the 支部大会 decision:
预备党员 owe from that month) and their first assessment — or, after an approved exemption
(免交), the first assessment that ended it — and runs to the last *completed* month before
`as_of` (the current month is still open). A month is paid when a DuesMonth row exists for
it. Members never assessed are not in arrears: they are not on the dues ledger yet.
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from alxa_dangjian.core import caching
from alxa_dangjian.core.periods import from_index, month_index, shift_month
from alxa_dangjian.core.periods import index_of as idx
from alxa_dangjian.core.scoped_sql import MEMBERS, fetch_over_members, members_digest
from branches.models import Member, Organization

from .models import DuesAssessment, DuesMonth, DuesSetting

Reduction = DuesAssessment.Reduction
WARNING, ALERT = "warning", "alert"
LEVEL_LABELS = {WARNING: "提醒", ALERT: "警示"}
# Scattered unpaid months count for a rolling year: older ones can no longer be back-paid
# (the window is 6 months) and would otherwise keep a member on the list for ever.
HORIZON_MONTHS = 12


@dataclass(frozen=True)
class Explanation:
    level: str
    label: str
    text: str


def explain(member) -> Explanation:
    """The Chinese explanation of an arrears row (a member annotated by `arrears()`)."""
    if member.level == ALERT:
        text = (
            "已连续{streak}个月未交纳党费，且没有经批准的缓交理由。按照《党章》第三十八条，"
            "党员没有正当理由连续6个月不交纳党费的，视为自行脱党，支部应当查明情况、"
            "谈话教育，经支部大会讨论决定后按程序处理。本系统只作警示，不会自动处理。"
        ).format(streak=member.streak)
    else:
        text = (
            "近{horizon}个月内累计{unpaid}个月未交纳党费（最近连续{streak}个月），"
            "请提醒其及时补交。"
        )
        text = text.format(horizon=HORIZON_MONTHS, unpaid=member.unpaid, streak=member.streak)
        if member.reduction_now == Reduction.DEFERRED:
            text += "已经批准缓交，不作警示。"
    return Explanation(member.level, LEVEL_LABELS[member.level], text)


def last_counted_month(as_of: datetime.date) -> datetime.date:
    """The last month whose dues are overdue on `as_of`: the month before it."""
    return from_index(month_index(as_of) - 1)


def _with_window(members, end: datetime.date):
    """Annotate each member's owed window up to `end` (a first-of-month date): `owed_from`
    (None when never assessed or exempt now) and `reduction_now` (the reduction in `end`).
    Assessments start no earlier than the joining month (the service refuses it), so the
    latest assessment's `owed_since` is the window's start."""
    latest = DuesAssessment.objects.filter(member=OuterRef("pk"), effective_from__lte=end).order_by(
        "-effective_from"
    )
    return members.annotate(
        owed_from=Subquery(latest.values("owed_since")[:1], output_field=DateField()),
        reduction_now=Subquery(latest.values("reduction")[:1], output_field=CharField()),
    )


def _count(queryset) -> Coalesce:
    rows = queryset.order_by().values("member").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def arrears(members_qs, *, as_of: datetime.date, setting: DuesSetting | None = None):
    """Members of `members_qs` (in good standing) in arrears on `as_of`, with their level.

    Each row is a Member annotated with `owed_from`, `unpaid` (unpaid months within the last
    HORIZON_MONTHS completed months), `streak` (consecutive unpaid months up to the last
    completed month), `last_paid`, `reduction_now` and `level`: ALERT (警示) for a streak of
    `setting.alert_months` (6) without an approved deferral (缓交), else WARNING (提醒) for
    `setting.warning_months` (3) unpaid months. Exempt members (免交) are never in arrears.
    One query, whatever the number of members; order and paginate it like any queryset.
    """
    setting = setting or DuesSetting.load()
    end = last_counted_month(as_of)
    end_index = month_index(end)
    horizon = shift_month(end, -(HORIZON_MONTHS - 1))
    members = (
        _with_window(members_qs.filter(standing=Member.Standing.NORMAL), end)
        .filter(owed_from__isnull=False, owed_from__lte=end)
        .exclude(reduction_now=Reduction.EXEMPT)
    )
    paid = DuesMonth.objects.filter(
        member=OuterRef("pk"), month__lte=end, month__gte=OuterRef("owed_from")
    )
    members = members.annotate(
        counted_from=Greatest(F("owed_from"), Value(horizon), output_field=DateField()),
        last_paid=Subquery(paid.order_by("-month").values("month")[:1], output_field=DateField()),
    ).annotate(
        paid_recently=_count(
            DuesMonth.objects.filter(
                member=OuterRef("pk"), month__lte=end, month__gte=OuterRef("counted_from")
            )
        ),
    )
    members = members.annotate(
        unpaid=Value(end_index + 1) - idx("counted_from") - F("paid_recently"),
        streak=Value(end_index) - Coalesce(idx("last_paid"), idx("owed_from") - 1),
    ).filter(Q(unpaid__gte=setting.warning_months) | Q(streak__gte=setting.alert_months))
    return members.annotate(
        level=Case(
            When(
                Q(streak__gte=setting.alert_months) & ~Q(reduction_now=Reduction.DEFERRED),
                then=Value(ALERT),
            ),
            default=Value(WARNING),
            output_field=CharField(),
        )
    )


def quarter_deadline(month: datetime.date) -> datetime.date:
    """The first day after the calendar quarter of `month`: dues for a month are on time when
    paid before it (党费每月交纳; 经党支部同意可按季度交纳 — a quarter paid on its last day
    is on time for each of its three months)."""
    return shift_month(datetime.date(month.year, (month.month - 1) // 3 * 3 + 1, 1), 3)


def on_time_by_branch(
    year: int, branch_ids, *, as_of: datetime.date | None = None
) -> dict[int, tuple[int, int]]:
    """党费按时足额交纳: for each branch, (member-months paid on time, member-months due) in
    `year` up to the last completed month, over the branch's current members in good standing.

    A month is due in the member's owed window (see the module docstring; exempt members owe
    nothing) once its quarter is over; a month of the quarter still running counts only once
    paid (it cannot be late yet). It is paid on time when it was paid in full (payments are
    never short: the rules refuse them) by the last day of its quarter (`quarter_deadline`).
    One statement (ON_TIME_SQL), whatever the number of branches: each member's latest
    assessment by ROW_NUMBER (read once), the months due counted against the year's month
    starts, the months paid early in the running quarter and the on-time month rows inside the
    window, each summed by branch. Every date it compares is a first-of-month date.
    """
    branch_ids = list(branch_ids)
    result = dict.fromkeys(branch_ids, (0, 0))
    result.update(_on_time(year, branch_ids, as_of, "branch"))
    return result


def on_time_by_member(
    year: int, branch_ids, *, as_of: datetime.date | None = None
) -> dict[int, tuple[int, int]]:
    """`on_time_by_branch`'s counts per member owing in the year (the same statement grouped
    by member): the rows behind a branch's figure."""
    return _on_time(year, list(branch_ids), as_of, "member_id")


def _on_time(year: int, branch_ids: list, as_of, key: str) -> dict[int, tuple[int, int]]:
    result: dict[int, tuple[int, int]] = {}
    as_of = as_of or datetime.date.today()
    end = min(datetime.date(year, 12, 1), last_counted_month(as_of))
    january = datetime.date(year, 1, 1)
    if end < january or not branch_ids:
        return result
    months = [datetime.date(year, m, 1) for m in range(1, end.month + 1)]
    closed = [m for m in months if quarter_deadline(m) <= as_of]
    # Months of the running quarter after the last closed one (none: compare to a day before).
    last_closed = closed[-1] if closed else shift_month(january, -1)
    due_terms = " + ".join(["CASE WHEN start <= %s THEN 1 ELSE 0 END"] * len(closed)) or "0"
    next_month = " ".join(["WHEN %s THEN %s"] * len(months))
    sql = ON_TIME_SQL.format(
        assessment=DuesAssessment._meta.db_table,
        member=Member._meta.db_table,
        month=DuesMonth._meta.db_table,
        branches=", ".join(["%s"] * len(branch_ids)),
        due_terms=due_terms,
        next_month=next_month,
        key=key,
    )
    params = [*branch_ids, Member.Standing.NORMAL, end]
    params += [january, january, end, Reduction.EXEMPT]
    params += closed
    params += [last_closed, end]
    params += [end] + [value for m in months for value in (m, quarter_deadline(m))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    totals: dict[int, list[int]] = {}  # key → [paid on time, due]
    for pk, kind, n in rows:
        counts = totals.setdefault(pk, [0, 0])
        if kind == "paid":
            counts[0] = int(n)
        else:  # months due: closed quarters, and months paid early in the running one
            counts[1] += int(n or 0)
    result.update({pk: (paid, due) for pk, (paid, due) in totals.items()})
    return result


# The branch's members in good standing with their latest assessment up to the last counted
# month; those owing (not exempt) from `start` = the later of owed_since and January. Months
# due: the year's month starts of closed quarters that are on or after `start`, plus month
# rows of the running quarter already paid. Paid on time: month rows inside
# [start, last counted month] paid before the end of their quarter.
ON_TIME_SQL = """
WITH latest AS (
    SELECT a.member_id, m.organization_id AS branch, a.owed_since, a.reduction,
           ROW_NUMBER() OVER (PARTITION BY a.member_id ORDER BY a.effective_from DESC) AS n
    FROM {assessment} a JOIN {member} m ON m.id = a.member_id
    WHERE m.organization_id IN ({branches}) AND m.standing = %s AND a.effective_from <= %s
), owing AS (
    SELECT member_id, branch,
           CASE WHEN owed_since > %s THEN owed_since ELSE %s END AS start
    FROM latest
    WHERE n = 1 AND owed_since IS NOT NULL AND owed_since <= %s AND reduction <> %s
)
SELECT {key}, 'due', SUM({due_terms}) FROM owing GROUP BY {key}
UNION ALL
SELECT o.{key}, 'early', COUNT(*)
FROM owing o JOIN {month} d ON d.member_id = o.member_id
WHERE d.month >= o.start AND d.month > %s AND d.month <= %s
GROUP BY o.{key}
UNION ALL
SELECT o.{key}, 'paid', COUNT(*)
FROM owing o JOIN {month} d ON d.member_id = o.member_id
WHERE d.month >= o.start AND d.month <= %s AND d.paid_on < CASE d.month {next_month} END
GROUP BY o.{key}
"""


# --- set-based: a whole scope in one statement ------------------------------------------------

# What the rows read: assessments, months and settings (dues), members, the tree.
ROWS_TOPICS = (caching.DUES, caching.MEMBERS, caching.ORGANIZATIONS, caching.RULES)


class ArrearsRow(NamedTuple):
    """One member in arrears, with `arrears()`'s annotations (explain() reads them)."""

    member_id: int
    owed_from: datetime.date
    reduction_now: str
    last_paid: datetime.date | None
    unpaid: int
    streak: int
    level: str


# The members' latest assessment up to the last counted month (ROW_NUMBER, read once), those
# owing (not exempt), and their month rows inside [owed_from, end] joined and grouped once by
# member: the last month paid and the months paid since the later of owed_from and the
# horizon; then ordered as the list is (grouping by the name as well sorted every month row
# by it: on SQLite through the pinyin collation, a Python call per comparison).
ROWS_SQL = """
WITH latest AS (
    SELECT a.member_id, a.owed_since, a.reduction,
           ROW_NUMBER() OVER (PARTITION BY a.member_id ORDER BY a.effective_from DESC) AS n
    FROM {assessment} a
    WHERE a.effective_from <= %s AND a.member_id IN ({members})
),
owing AS (
    SELECT member_id, owed_since, reduction FROM latest
    WHERE n = 1 AND owed_since IS NOT NULL AND owed_since <= %s AND reduction <> %s
)
SELECT p.member_id, p.owed_since, p.reduction, p.last_paid, p.paid_recently
FROM (
    SELECT o.member_id, o.owed_since, o.reduction, MAX(d.month) AS last_paid,
           SUM(CASE WHEN d.month >= (CASE WHEN o.owed_since > %s THEN o.owed_since ELSE %s END)
               THEN 1 ELSE 0 END) AS paid_recently
    FROM owing o
    LEFT JOIN {month} d
        ON d.member_id = o.member_id AND d.month <= %s AND d.month >= o.owed_since
    GROUP BY o.member_id, o.owed_since, o.reduction
) p
JOIN {member} m ON m.id = p.member_id
JOIN {organization} g ON g.id = m.organization_id
WHERE m.standing = %s
ORDER BY g.path, m.name, p.member_id
"""


def _date(value):
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _rows(
    members_qs, as_of: datetime.date, setting: DuesSetting, *, ordered: bool = True
) -> list[ArrearsRow]:
    end = last_counted_month(as_of)
    end_index = month_index(end)
    horizon = shift_month(end, -(HORIZON_MONTHS - 1))
    # Counted only: no sort by organisation and name.
    template = ROWS_SQL if ordered else ROWS_SQL[: ROWS_SQL.rindex("ORDER BY")]
    found = fetch_over_members(
        template,
        members_qs,
        [end, MEMBERS, end, Reduction.EXEMPT, horizon, horizon, end, Member.Standing.NORMAL],
        tables={
            "assessment": DuesAssessment,
            "member": Member,
            "organization": Organization,
            "month": DuesMonth,
        },
    )
    rows = []
    for member_id, owed_from, reduction, last_paid, paid_recently in found:
        owed_from, last_paid = _date(owed_from), _date(last_paid)
        counted_from = max(owed_from, horizon)
        unpaid = end_index + 1 - month_index(counted_from) - int(paid_recently or 0)
        streak = end_index - (
            month_index(last_paid) if last_paid is not None else month_index(owed_from) - 1
        )
        if unpaid < setting.warning_months and streak < setting.alert_months:
            continue
        alert = streak >= setting.alert_months and reduction != Reduction.DEFERRED
        level = ALERT if alert else WARNING
        rows.append(ArrearsRow(member_id, owed_from, reduction, last_paid, unpaid, streak, level))
    # The list's order: 警示 first, the longest streak first, then path, name, pk (the SQL's).
    rows.sort(key=lambda row: (row.level, -row.streak))
    return rows


def arrears_rows(
    members_qs, *, as_of: datetime.date, setting: DuesSetting | None = None
) -> list[ArrearsRow]:
    """`arrears(members_qs, as_of=…)` as rows, in the list's order (level, longest streak,
    organisation path, name, pk): the same rule in one statement whatever the number of
    members — each member's latest assessment and month rows read once by window function
    and GROUP BY, not per member — cached per members queryset, day and setting under
    ROWS_TOPICS (the dues, member and rule writers invalidate it)."""
    setting = setting or DuesSetting.load()
    thresholds = f"{setting.warning_months}-{setting.alert_months}"
    digest = members_digest(members_qs)
    key = caching.key("dues-arrears", as_of, thresholds, digest, topics=ROWS_TOPICS)
    return caching.cached(key, lambda: _rows(members_qs, as_of, setting))


def arrears_counts(
    members_qs, *, as_of: datetime.date, setting: DuesSetting | None = None
) -> dict[str, int]:
    """{WARNING: n, ALERT: n}: `arrears_rows` counted by level (the cockpit's figure), from
    the same statement without its ordering by organisation and name; cached likewise."""
    setting = setting or DuesSetting.load()
    thresholds = f"{setting.warning_months}-{setting.alert_months}"
    digest = members_digest(members_qs)
    key = caching.key("dues-arrears-counts", as_of, thresholds, digest, topics=ROWS_TOPICS)

    def count() -> dict[str, int]:
        rows = _rows(members_qs, as_of, setting, ordered=False)
        return {level: sum(row.level == level for row in rows) for level in (WARNING, ALERT)}

    return caching.cached(key, count)
