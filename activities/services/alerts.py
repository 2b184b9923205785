"""警示 for 6 consecutive months without organisational life (党章第九条): like the dues
alert, the branch's secretaries and the work committee's staff are told, once per branch and
month, with the names. Nothing is done to the member: that is the 支部大会's decision.

A member is listed when, over the ABSENCE_MONTHS completed calendar months before the day,
they were recorded 缺席 at the counted records (submitted or approved) they were expected at
and never 出席 or 请假 (a leave is a reason given). They must have been in the system all that
time: members admitted, or transferred in from outside, during the window are not listed.
Branches that held nothing are not a member's absence; the compliance engine flags them.
"""

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from alxa_dangjian.core.periods import add_months
from branches.models import Member, MemberTransfer
from branches.services.alerts import alert_branches

from ..models import Activity, Attendance

ABSENCE_MONTHS = 6


def absence_window(as_of: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The completed months before `as_of`: (first day, last day), both inclusive."""
    this_month = as_of.replace(day=1)
    return add_months(this_month, -ABSENCE_MONTHS), this_month - datetime.timedelta(days=1)


def absent_members(members, *, as_of: datetime.date):
    """Members of `members` at the 警示 level on `as_of`, annotated with `absences` (their
    缺席 in the window)."""
    start, end = absence_window(as_of)
    counted = Attendance.objects.filter(
        member=OuterRef("pk"),
        activity__status__in=[Activity.Status.SUBMITTED, Activity.Status.APPROVED],
    )
    in_window = counted.filter(activity__held_on__gte=start, activity__held_on__lte=end)
    came_or_excused = in_window.exclude(status=Attendance.Status.ABSENT)
    arrived = MemberTransfer.objects.filter(
        member=OuterRef("pk"), kind=MemberTransfer.Kind.IN, transferred_on__gte=start
    )
    absent = Q(
        attendances__status=Attendance.Status.ABSENT,
        attendances__activity__status__in=[Activity.Status.SUBMITTED, Activity.Status.APPROVED],
        attendances__activity__held_on__gte=start,
        attendances__activity__held_on__lte=end,
    )
    return (
        members.in_good_standing()
        .filter(joined_on__lt=start)
        .filter(Exists(in_window.filter(status=Attendance.Status.ABSENT)))
        .exclude(Exists(came_or_excused))
        .exclude(Exists(arrived))
        .annotate(absences=Count("attendances", filter=absent, distinct=True))
    )


def send_absence_alerts(*, as_of: datetime.date) -> int:
    """Notify every branch with members at the 警示 level; returns notifications created.
    Idempotent within a day (the notification key carries the branch and the month)."""
    rows = (
        absent_members(Member.objects.all(), as_of=as_of)
        .select_related("organization")
        .order_by("organization__path", "name", "pk")
    )
    start, end = absence_window(as_of)
    period = f"{start.year}年{start.month}月至{end.year}年{end.month}月"

    def message(branch, members):
        names = "、".join(f"{m.name}（缺席{m.absences}次）" for m in members)
        return {
            "key": f"absence-alert:{branch.pk}:{end:%Y-%m}",
            "title": f"{branch.display_name}有{len(members)}名党员连续6个月未参加组织生活",
            "body": (
                f"{period}：{names}，其间未出席、也未请假。按照《中国共产党章程》第九条，"
                "党员没有正当理由连续6个月不参加党的组织生活的，视为自行脱党。"
                "请支部查明情况、谈话教育，经支部大会讨论决定后按程序处理；系统不会自动处理。"
            ),
            "url": reverse("branches:organization-detail", args=[branch.pk]),
        }

    return alert_branches(rows, message=message, day=as_of)
