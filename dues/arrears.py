"""Arrears and on-time payment for a whole scope, in SQL: a few correlated subqueries over the
members of the scope, never a query per member.

A member's owed window starts at the later of the month they joined (the 支部大会 decision:
预备党员 owe from that month) and their first assessment — or, after an approved exemption
(免交), the first assessment that ended it — and runs to the last *completed* month before
`as_of` (the current month is still open). A month is paid when a DuesMonth row exists for
it. Members never assessed are not in arrears: they are not on the dues ledger yet.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth

from branches.models import Member

from .models import DuesAssessment, DuesMonth, DuesSetting
from .periods import add_months, from_index, month_index
from .periods import index_of as idx

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
    horizon = add_months(end, -(HORIZON_MONTHS - 1))
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


def on_time_by_branch(
    year: int, branch_ids, *, as_of: datetime.date | None = None
) -> dict[int, tuple[int, int]]:
    """党费按时足额交纳: for each branch, (member-months paid on time, member-months due) in
    `year` up to the last completed month, over the branch's current members in good standing.

    A month is due in the member's owed window (see the module docstring; exempt members owe
    nothing); it is paid on time when it was paid in full (payments are never short: the
    rules refuse them) no later than within that month. Two GROUP BY queries by branch, the
    arithmetic done by the database: the months due from each member's latest assessment (an
    anti-join on later ones), and the on-time month rows inside that window.
    """
    branch_ids = list(branch_ids)
    result = dict.fromkeys(branch_ids, (0, 0))
    as_of = as_of or datetime.date.today()
    end = min(datetime.date(year, 12, 1), last_counted_month(as_of))
    january = datetime.date(year, 1, 1)
    if end < january or not branch_ids:
        return result
    in_scope = Q(member__organization_id__in=branch_ids, member__standing=Member.Standing.NORMAL)
    later = DuesAssessment.objects.filter(
        member=OuterRef("member"),
        effective_from__lte=end,
        effective_from__gt=OuterRef("effective_from"),
    )
    # Each member's latest assessment by `end`, when it leaves months owed (not exempt).
    owing = (
        DuesAssessment.objects.filter(
            in_scope, effective_from__lte=end, owed_since__isnull=False, owed_since__lte=end
        )
        .exclude(reduction=Reduction.EXEMPT)
        .filter(~Exists(later))
    )
    start = Case(
        When(owed_since__gt=january, then=F("owed_since")),
        default=Value(january),
        output_field=DateField(),
    )
    due = (
        owing.annotate(start=start)
        .annotate(due=Value(month_index(end) + 1) - idx("start"))
        .order_by()
        .values("member__organization_id")
        .annotate(n=Sum("due"))
        .values_list("member__organization_id", "n")
    )
    # Owed_since and every month are first-of-month dates, so dates compare as months.
    on_time = (
        DuesMonth.objects.filter(in_scope, month__gte=january, month__lte=end)
        .alias(paid_month=TruncMonth("paid_on", output_field=DateField()))
        .filter(paid_month__lte=F("month"))
        .filter(Exists(owing.filter(member=OuterRef("member"), owed_since__lte=OuterRef("month"))))
        .order_by()
        .values("member__organization_id")
        .annotate(n=Count("pk"))
        .values_list("member__organization_id", "n")
    )
    paid = dict(on_time)
    for organization_id, months in due:
        result[organization_id] = (paid.get(organization_id, 0), months)
    return result
