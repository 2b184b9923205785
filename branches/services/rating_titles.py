"""最强党支部 titles: 命名 after the 公示 window (one application, or a whole round lowest level
first) and 摘牌 (withdrawal, with a reason; the record stays). Saved through simple-history with
the acting user and the reason, in one transaction.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching

from ..models import (
    LADDER,
    RatingApplication,
    RatingRound,
    RatingTitle,
)
from ..rules.ratings import (
    Status,
    chinese_date,
    has_lower_title,
    ladder_message,
    require_open,
    require_work_committee,
    resolve_today,
)
from .ratings import locked, move_to


@transaction.atomic
def name_application(
    application: RatingApplication, *, by: User, today: datetime.date | None = None
) -> RatingTitle:
    """命名 after the 公示 window: the title is created and the application closed."""
    caching.changed(caching.RATINGS)
    today = resolve_today(today)
    current = locked(application)
    require_work_committee(by)
    if current.status != Status.PUBLICIZED:
        message = "该申报{status}，只有公示中的申报可以命名。"
        raise ValidationError(message.format(status=current.get_status_display()))
    round = current.round
    require_open(round)
    if today <= round.publicity_ends_on:
        message = "公示期至{end}结束，期满后方可命名。"
        raise ValidationError(message.format(end=chinese_date(round.publicity_ends_on)))
    if not has_lower_title(
        current.organization, current.level, round.scope, round.year, today=today
    ):
        message = "{name}：" + ladder_message(current.level, round.get_scope_display())
        raise ValidationError(message.format(name=current.organization.display_name))
    title = RatingTitle(
        organization=current.organization,
        level=current.level,
        scope=round.scope,
        year=round.year,
        application=current,
        awarded_on=today,
    )
    title._history_user = by
    title._change_reason = "命名"
    title.save()
    move_to(current, Status.NAMED, by=by, reason="命名")
    return title


@transaction.atomic
def name_round(round: RatingRound, *, by: User, today: datetime.date | None = None) -> int:
    """Name every application on 公示, lowest level first, so a branch that rises two steps
    in one round has its lower title before the higher one is checked. All or nothing."""
    caching.changed(caching.RATINGS)
    require_work_committee(by)
    publicized = list(
        RatingApplication.objects.filter(round=round, status=Status.PUBLICIZED)
        .select_related("organization", "round")
        .order_by("pk")
    )
    if not publicized:
        raise ValidationError("没有公示中的申报可以命名。")
    publicized.sort(key=lambda a: LADDER.index(a.level))
    for application in publicized:
        name_application(application, by=by, today=today)
    return len(publicized)


@transaction.atomic
def withdraw_title(title: RatingTitle, *, on: datetime.date, reason: str, by: User) -> RatingTitle:
    """摘牌: from `on` the title stops counting. The record stays, with who and why."""
    caching.changed(caching.RATINGS)
    require_work_committee(by)
    current = RatingTitle.objects.select_for_update(of=("self",)).get(pk=title.pk)
    if current.is_withdrawn:
        message = "该称号已于{day}摘牌。"
        raise ValidationError(message.format(day=chinese_date(current.withdrawn_on)))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"withdrawal_reason": "摘牌时请填写理由。"})
    if on is None:
        raise ValidationError({"withdrawn_on": "请填写摘牌日期。"})
    if on < current.awarded_on:
        message = "摘牌日期不能早于命名日期（{day}）。"
        raise ValidationError(
            {"withdrawn_on": message.format(day=chinese_date(current.awarded_on))}
        )
    current.withdrawn_on = on
    current.withdrawal_reason = reason
    current._history_user = by
    current._change_reason = f"摘牌：{reason}"
    current.save()
    return current


# Queries for statistics, assessments and ledgers ---------------------------------------------
