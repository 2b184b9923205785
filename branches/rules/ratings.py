"""The 最强党支部 rules that read: who may act at each step, the dates a step is open, the ladder
(a level needs the one below it), and set-based queries other apps use to read the results
(titles active at a year's end, each organisation's highest level).
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User

from ..models import (
    LADDER,
    Level,
    Organization,
    RatingApplication,
    RatingRound,
    RatingStandard,
    RatingTitle,
)

Status = RatingApplication.Status
EDITABLE = (Status.DRAFT, Status.RETURNED)
# Statuses from which the work committee (not the party committee) sends an application back.
AFTER_RECOMMENDATION = (Status.RECOMMENDED, Status.APPROVED, Status.PUBLICIZED)

LEVELS_CHUNK = 500

NO_APPLY_RIGHT = "只有本党支部的书记（党务干部）可以填写和提交自评申报。"
NO_RECOMMEND_RIGHT = "您无权推荐该申报：推荐由上级党委管理员办理。"
NO_WORK_COMMITTEE_RIGHT = "该操作由工委工作人员办理。"


# Who may do what ---------------------------------------------------------------------------


def require_work_committee(user: User) -> None:
    roles.require(user, roles.PUBLISH)
    if not scoping.is_work_committee(user):
        raise PermissionDenied(NO_WORK_COMMITTEE_RIGHT)


def may_apply_for(user: User, organization: Organization) -> bool:
    """The self-assessment is the branch's own: only its secretary (or 党务干部) fills it."""
    return user.may(roles.EDIT_RECORDS) and user.organization_id == organization.pk


def may_edit(user: User, application: RatingApplication) -> bool:
    return application.status in EDITABLE and may_apply_for(user, application.organization)


def may_recommend(user: User, application: RatingApplication) -> bool:
    return (
        application.status == Status.SUBMITTED
        and user.may(roles.REVIEW)
        and user.organization_id != application.organization_id
        and scoping.contains(user, application.organization)
    )


def may_review(user: User, application: RatingApplication) -> bool:
    return application.status == Status.RECOMMENDED and scoping.is_work_committee(user)


def may_return(user: User, application: RatingApplication) -> bool:
    if application.status == Status.SUBMITTED:
        return may_recommend(user, application)
    return application.status in AFTER_RECOMMENDATION and scoping.is_work_committee(user)


def eligible_branches(user: User):
    """Branches this user may start an application for: their own, if it may apply at all."""
    if not user.may(roles.EDIT_RECORDS) or user.organization_id is None:
        return Organization.objects.none()
    return (
        Organization.objects.visible_to(user)
        .active()
        .filter(pk=user.organization_id, type__in=Organization.BRANCH_TYPES)
        .exclude(type=Organization.Type.TEMPORARY_BRANCH)
    )


# Dates ------------------------------------------------------------------------------------


def resolve_today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def require_open(round: RatingRound) -> None:
    if not round.is_open:
        raise ValidationError("该评定轮次已结束，不能再办理。")


def require_window(
    today: datetime.date, start: datetime.date, end: datetime.date | None, stage: str
) -> None:
    if today < start or (end is not None and today > end):
        if end is None:
            window = f"{chinese_date(start)}以后"
        else:
            window = f"{chinese_date(start)}至{chinese_date(end)}"
        message = "今天不在{stage}时间内（{window}），不能办理。"
        raise ValidationError(message.format(stage=stage, window=window))


def require_apply_window(round: RatingRound, today: datetime.date) -> None:
    require_window(today, round.apply_opens_on, round.apply_closes_on, "申报")


# Reading helpers ----------------------------------------------------------------------------


def applicable_standards(round: RatingRound, organization: Organization) -> QuerySet:
    """The round year's standards for the branch's guidance category."""
    return RatingStandard.objects.filter(year=round.year, category=organization.category)


def has_lower_title(
    organization: Organization,
    level: str,
    scope: str,
    year: int,
    *,
    today: datetime.date,
) -> bool:
    """Whether the ladder allows `level`: the level below it, at the same scope, awarded this
    year or earlier and not withdrawn by `today`. The lowest level always may."""
    index = LADDER.index(level)
    if index == 0:
        return True
    return (
        RatingTitle.objects.filter(
            organization=organization, level=LADDER[index - 1], scope=scope, year__lte=year
        )
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
        .exists()
    )


def ladder_message(level: str, scope_label: str) -> str:
    lower = Level(LADDER[LADDER.index(level) - 1]).label
    message = "申报{level}须先获得{scope}“{lower}”命名（本年度或以前，且未被摘牌）。"
    return message.format(level=Level(level).label, scope=scope_label, lower=lower)


def total_of(scores: Iterable[Decimal | None]) -> Decimal:
    return sum((s for s in scores if s is not None), Decimal(0))


def parse_score(value, *, code: str, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        message = "第{code}项的得分“{value}”不是数字。"
        raise ValidationError({field: message.format(code=code, value=value)}) from None
    if not number.is_finite():
        raise ValidationError({field: f"第{code}项的得分不是有效数字。"})
    return number


# The flow ------------------------------------------------------------------------------------


def publicity_list(round: RatingRound) -> list[dict]:
    """What the 公示 page shows to everyone signed in: names and levels, nothing else.

    Rows are `{"level", "status", "organization__name"}`, by level up the ladder, then in
    the order of the tree."""
    rows = (
        RatingApplication.objects.filter(round=round, status__in=(Status.PUBLICIZED, Status.NAMED))
        .order_by("organization__path", "pk")
        .values("level", "status", "organization__name")
    )
    return sorted(rows, key=lambda row: LADDER.index(row["level"]))


def active_titles(year: int, *, scope: str | None = None) -> QuerySet:
    """Titles counting at the end of `year`: awarded that year or earlier and not withdrawn
    by 31 December. One queryset, filter or aggregate it further (e.g. `.visible_to(user)`,
    `.values("level").annotate(...)`); `scope` is a `Scope` value or None for both."""
    titles = RatingTitle.objects.active_at_end_of(year)
    if scope is not None:
        titles = titles.filter(scope=scope)
    return titles


def levels_for(
    year: int, organization_ids: Iterable[int], *, scope: str | None = None
) -> dict[int, str]:
    """The highest level (a `Level` value) each organisation holds at the end of `year`,
    in one query per 500 ids; organisations without an active title are left out."""
    ids = list(organization_ids)
    rank = {value: index for index, value in enumerate(LADDER)}
    best: dict[int, str] = {}
    titles = active_titles(year, scope=scope).order_by()
    rows = []
    # Chunks keep each IN list well under every database's parameter limit.
    for start in range(0, len(ids), LEVELS_CHUNK):
        chunk = ids[start : start + LEVELS_CHUNK]
        rows.extend(
            titles.filter(organization_id__in=chunk).values_list("organization_id", "level")
        )
    for organization_id, level in rows:
        if organization_id not in best or rank[level] > rank[best[organization_id]]:
            best[organization_id] = level
    return best
