"""警示 for 6 consecutive unpaid months: the branch's secretaries and the work committee's
staff are told, once per branch and month, with the names and the reason in Chinese.
Nothing is done to the member: that is the 支部大会's decision."""

import datetime

from django.urls import reverse

from alxa_dangjian.core.periods import month_label
from branches.models import Member
from branches.services.alerts import alert_branches

from ..arrears import ALERT, arrears, last_counted_month


def send_arrears_alerts(*, as_of: datetime.date) -> int:
    """Notify every branch with members at the 警示 level; returns notifications created.
    Idempotent within a day (the notification key carries the branch and the month)."""
    rows = (
        arrears(Member.objects.all(), as_of=as_of)
        .filter(level=ALERT)
        .select_related("organization")
        .order_by("organization__path", "name", "pk")
    )
    month = last_counted_month(as_of)
    url = reverse("dues:arrears-list")

    def message(branch, members):
        names = "、".join(f"{m.name}（连续{m.streak}个月）" for m in members)
        return {
            "key": f"dues-alert:{branch.pk}:{month:%Y-%m}",
            "title": f"{branch.display_name}有{len(members)}名党员连续6个月以上未交纳党费",
            "body": (
                f"截至{month_label(month)}：{names}。按照《中国共产党章程》第九条，党员没有正当理由"
                "连续6个月不交纳党费的，视为自行脱党。请支部查明情况、谈话教育，"
                "经支部大会讨论决定后按程序处理；系统不会自动处理。"
            ),
            "url": url,
        }

    return alert_branches(rows, message=message, day=as_of)
