"""The 最强党支部 rating flow, and set-based queries other apps use to read its results.

草稿 → 已申报 (branch, inside the 申报 dates) → 党委已推荐 (a reviewer above the branch, until
the 党委推荐 close) → 工委审核通过 (the work committee scores every item, until the 工委审核
close) → 公示中 (opened by the work committee inside the 公示 dates) → 已命名 (after the
window closes; a RatingTitle is created). Any of these steps may send the application back
(已退回, with a reason); the branch may correct and resubmit it while the 申报 dates last —
an application returned later stays out of this round.

Every function checks who may act (PermissionDenied) and the rule broken by the data or
the date (a Chinese ValidationError), saves through simple-history with the acting user and
the reason, all in one transaction. `today` may be given for imports and tests; it defaults
to the local date.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching, history
from alxa_dangjian.core.files import check_upload, store_files
from alxa_dangjian.core.notifications import notify

from .models import (
    LADDER,
    Level,
    Organization,
    RatingApplication,
    RatingEvidence,
    RatingItemScore,
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


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _require_open(round: RatingRound) -> None:
    if not round.is_open:
        raise ValidationError("该评定轮次已结束，不能再办理。")


def _require_window(
    today: datetime.date, start: datetime.date, end: datetime.date | None, stage: str
) -> None:
    if today < start or (end is not None and today > end):
        if end is None:
            window = f"{chinese_date(start)}以后"
        else:
            window = f"{chinese_date(start)}至{chinese_date(end)}"
        message = "今天不在{stage}时间内（{window}），不能办理。"
        raise ValidationError(message.format(stage=stage, window=window))


def _apply_window(round: RatingRound, today: datetime.date) -> None:
    _require_window(today, round.apply_opens_on, round.apply_closes_on, "申报")


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


def _ladder_message(level: str, scope_label: str) -> str:
    lower = Level(LADDER[LADDER.index(level) - 1]).label
    message = "申报{level}须先获得{scope}“{lower}”命名（本年度或以前，且未被摘牌）。"
    return message.format(level=Level(level).label, scope=scope_label, lower=lower)


def total_of(scores: Iterable[Decimal | None]) -> Decimal:
    return sum((s for s in scores if s is not None), Decimal(0))


def _decimal(value, *, code: str, field: str) -> Decimal | None:
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


@transaction.atomic
def start_application(
    round: RatingRound,
    organization: Organization,
    *,
    level: str,
    by: User,
    today: datetime.date | None = None,
) -> RatingApplication:
    """A draft for one level, with one empty score row per applicable standard."""
    caching.changed(caching.RATINGS)
    today = _today(today)
    if not may_apply_for(by, organization):
        raise PermissionDenied(NO_APPLY_RIGHT)
    if organization.is_temporary:
        raise ValidationError("临时党支部不参加“最强党支部”评定。")
    if not organization.is_branch or not organization.is_active:
        raise ValidationError("只有有效的党支部可以申报“最强党支部”。")
    if level not in Level.values:
        raise ValidationError({"level": "请选择申报等次。"})
    _require_open(round)
    _apply_window(round, today)
    if RatingApplication.objects.filter(
        round=round, organization=organization, level=level
    ).exists():
        message = "本支部在本轮已申报{level}，请在原申报中继续办理。"
        raise ValidationError(message.format(level=Level(level).label))
    _check_ladder_for_application(round, organization, level, today=today)
    standards = list(applicable_standards(round, organization).values_list("pk", flat=True))
    if not standards:
        message = "{year}年度没有适用于“{category}”类别的评定标准，请联系工委。"
        raise ValidationError(
            message.format(year=round.year, category=organization.get_category_display())
        )
    application = RatingApplication(
        round=round, organization=organization, level=level, created_by=by
    )
    application._history_user = by
    application.save()
    RatingItemScore.objects.bulk_create(
        RatingItemScore(application=application, standard_id=pk) for pk in standards
    )
    return application


def _check_ladder_for_application(round, organization, level, *, today) -> None:
    """A higher level needs the lower title already, or a live application for it in this
    same round (it must then be named first: naming checks again)."""
    if has_lower_title(organization, level, round.scope, round.year, today=today):
        return
    lower = LADDER[LADDER.index(level) - 1]
    pending = (
        RatingApplication.objects.filter(round=round, organization=organization, level=lower)
        .exclude(status=Status.RETURNED)
        .exists()
    )
    if not pending:
        raise ValidationError({"level": _ladder_message(level, round.get_scope_display())})


def _locked(application: RatingApplication) -> RatingApplication:
    """The row as it is now, locked for the rest of the transaction."""
    return RatingApplication.objects.select_for_update(of=("self",)).get(pk=application.pk)


def _require_editable(user: User, application: RatingApplication) -> None:
    if not may_apply_for(user, application.organization):
        raise PermissionDenied(NO_APPLY_RIGHT)
    if application.status not in EDITABLE:
        message = "该申报{status}，不能再修改。"
        raise ValidationError(message.format(status=application.get_status_display()))


def _save_items(application, values: Mapping, *, score_field, text_field, by, reason) -> None:
    """Check every given (score, text) pair against its item, then save the changed ones."""
    items = {item.pk: item for item in application.scores.select_related("standard").order_by("pk")}
    unknown = set(values) - set(items)
    if unknown:
        raise ValidationError("提交的评定条目不属于该申报。")
    changed = []
    for pk, (raw_score, text) in values.items():
        item = items[pk]
        score = _decimal(raw_score, code=item.standard.code, field=score_field)
        item.standard.check_score(score, field=score_field)
        text = (text or "").strip()
        if getattr(item, score_field) != score or getattr(item, text_field) != text:
            setattr(item, score_field, score)
            setattr(item, text_field, text)
            changed.append(item)
    for item in changed:
        item._history_user = by
        item._change_reason = reason
        item.save(update_fields=[score_field, text_field])


@transaction.atomic
def save_self_assessment(
    application: RatingApplication,
    *,
    values: Mapping[int, tuple],
    by: User,
    today: datetime.date | None = None,
) -> None:
    """Self scores and notes by item id: `{item_pk: (score, note)}`; one bad score saves none."""
    caching.changed(caching.RATINGS)
    current = _locked(application)
    _require_editable(by, current)
    _require_open(current.round)
    _apply_window(current.round, _today(today))
    _save_items(
        current, values, score_field="self_score", text_field="self_note", by=by, reason="自评"
    )


@transaction.atomic
def add_evidence(
    item: RatingItemScore, *, uploads: Sequence, by: User, today: datetime.date | None = None
) -> list[RatingEvidence]:
    """Attach files to one item of an editable application; one bad file refuses them all."""
    current = _locked(item.application)
    _require_editable(by, current)
    _require_open(current.round)
    _apply_window(current.round, _today(today))
    if not uploads:
        raise ValidationError({"files": "请选择要上传的佐证材料。"})
    checked = [check_upload(upload) for upload in uploads]
    return store_files(RatingEvidence, checked, by=by, item=item)


@transaction.atomic
def remove_evidence(evidence: RatingEvidence, *, by: User, reason: str) -> None:
    current = _locked(evidence.item.application)
    _require_editable(by, current)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "删除佐证材料须填写理由。"})
    name, storage = evidence.file.name, evidence.file.storage
    history.baseline(RatingEvidence, [evidence.pk])
    history.attribute(evidence, by=by, reason=reason)
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))


def _move(application, status, *, by, reason, **fields) -> RatingApplication:
    application.status = status
    for name, value in fields.items():
        setattr(application, name, value)
    application._history_user = by
    application._change_reason = reason
    application.save()
    return application


@transaction.atomic
def submit_application(
    application: RatingApplication, *, by: User, today: datetime.date | None = None
) -> RatingApplication:
    """Send the self-assessment to the party committee: every item must be scored."""
    caching.changed(caching.RATINGS)
    today = _today(today)
    current = _locked(application)
    _require_editable(by, current)
    round = current.round
    _require_open(round)
    _apply_window(round, today)
    missing = list(
        current.scores.filter(self_score__isnull=True)
        .order_by("standard__sort_order", "standard__code")
        .values_list("standard__code", flat=True)[:5]
    )
    if missing:
        message = "还有条目未自评（{codes}等），请全部自评后再提交。"
        raise ValidationError(message.format(codes="、".join(missing)))
    _check_ladder_for_application(round, current.organization, current.level, today=today)
    _move(
        current,
        Status.SUBMITTED,
        by=by,
        reason="提交申报",
        submitted_at=timezone.now(),
        return_reason="",
    )
    reviewers = User.objects.filter(
        is_active=True,
        role=User.Role.COMMITTEE_ADMIN,
        organization__in=_ancestors(current.organization),
    )
    notify(
        reviewers,
        key=f"rating-submitted-{current.pk}-{current.submitted_at:%Y%m%d%H%M%S}",
        title=f"{current.organization.display_name}提交了{current.get_level_display()}申报，请审核推荐",
        url=current.get_absolute_url(),
    )
    return current


def _ancestors(organization: Organization) -> QuerySet:
    prefixes = [organization.path[: i + 7] for i in range(0, len(organization.path) - 7, 7)]
    return Organization.objects.filter(path__in=prefixes)


@transaction.atomic
def recommend_application(
    application: RatingApplication,
    *,
    opinion: str = "",
    by: User,
    today: datetime.date | None = None,
) -> RatingApplication:
    """The party committee above the branch recommends it to the work committee."""
    caching.changed(caching.RATINGS)
    current = _locked(application)
    if not may_recommend(by, current):
        if not (by.may(roles.REVIEW) and scoping.contains(by, current.organization)):
            raise PermissionDenied(NO_RECOMMEND_RIGHT)
        message = "该申报{status}，不能推荐。"
        raise ValidationError(message.format(status=current.get_status_display()))
    round = current.round
    _require_open(round)
    _require_window(_today(today), round.apply_opens_on, round.recommend_closes_on, "党委推荐")
    opinion = (opinion or "").strip()
    return _move(
        current,
        Status.RECOMMENDED,
        by=by,
        reason=f"党委推荐：{opinion}" if opinion else "党委推荐",
        committee_opinion=opinion,
    )


def _reviewable(
    application: RatingApplication, *, by: User, today: datetime.date | None, action: str
) -> RatingApplication:
    """The locked application, once the work committee may act on it at its review step."""
    current = _locked(application)
    require_work_committee(by)
    if current.status != Status.RECOMMENDED:
        message = "该申报{status}，不能{action}。"
        raise ValidationError(message.format(status=current.get_status_display(), action=action))
    round = current.round
    _require_open(round)
    _require_window(_today(today), round.apply_opens_on, round.review_closes_on, "工委审核")
    return current


@transaction.atomic
def review_scores(
    application: RatingApplication,
    *,
    values: Mapping[int, tuple],
    by: User,
    today: datetime.date | None = None,
) -> None:
    """The work committee's score and comment per item: `{item_pk: (score, comment)}`."""
    caching.changed(caching.RATINGS)
    current = _reviewable(application, by=by, today=today, action="审核评分")
    _save_items(
        current,
        values,
        score_field="review_score",
        text_field="review_comment",
        by=by,
        reason="工委审核评分",
    )


@transaction.atomic
def approve_application(
    application: RatingApplication,
    *,
    opinion: str = "",
    by: User,
    today: datetime.date | None = None,
) -> RatingApplication:
    """The work committee passes a recommended application whose items are all scored."""
    caching.changed(caching.RATINGS)
    current = _reviewable(application, by=by, today=today, action="审核通过")
    if current.scores.filter(review_score__isnull=True).exists():
        raise ValidationError("还有条目未审核评分，请逐项评分后再审核通过。")
    opinion = (opinion or "").strip()
    return _move(
        current,
        Status.APPROVED,
        by=by,
        reason=f"工委审核通过：{opinion}" if opinion else "工委审核通过",
        review_opinion=opinion,
    )


@transaction.atomic
def return_application(
    application: RatingApplication,
    *,
    reason: str,
    by: User,
    today: datetime.date | None = None,
) -> RatingApplication:
    """Any step may send the application back to the branch, always with a reason."""
    caching.changed(caching.RATINGS)
    current = _locked(application)
    round = current.round
    if current.status == Status.SUBMITTED:
        if not may_recommend(by, current):
            raise PermissionDenied(NO_RECOMMEND_RIGHT)
        end, stage = round.recommend_closes_on, "党委推荐"
    elif current.status in AFTER_RECOMMENDATION:
        require_work_committee(by)
        if current.status == Status.RECOMMENDED:
            end, stage = round.review_closes_on, "工委审核"
        else:
            end, stage = round.publicity_ends_on, "公示"
    else:
        message = "该申报{status}，不能退回。"
        raise ValidationError(message.format(status=current.get_status_display()))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回时请填写理由。"})
    _require_open(round)
    _require_window(_today(today), round.apply_opens_on, end, stage)
    _move(current, Status.RETURNED, by=by, reason=f"退回：{reason}", return_reason=reason)
    branch_users = User.objects.filter(is_active=True, organization=current.organization)
    notify(
        branch_users,
        key=f"rating-returned-{current.pk}-{timezone.now():%Y%m%d%H%M%S}",
        title=f"{current.get_level_display()}申报被退回：{reason[:40]}",
        url=current.get_absolute_url(),
    )
    return current


@transaction.atomic
def start_publicity(round: RatingRound, *, by: User, today: datetime.date | None = None) -> int:
    """Put every approved application of the round on the 公示 list; returns how many."""
    caching.changed(caching.RATINGS)
    require_work_committee(by)
    _require_open(round)
    _require_window(_today(today), round.publicity_starts_on, round.publicity_ends_on, "公示")
    approved = list(
        RatingApplication.objects.select_for_update(of=("self",))
        .filter(round=round, status=Status.APPROVED)
        .order_by("pk")
    )
    if not approved:
        raise ValidationError("没有审核通过、待公示的申报。")
    for application in approved:
        _move(application, Status.PUBLICIZED, by=by, reason="公示")
    return len(approved)


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


@transaction.atomic
def name_application(
    application: RatingApplication, *, by: User, today: datetime.date | None = None
) -> RatingTitle:
    """命名 after the 公示 window: the title is created and the application closed."""
    caching.changed(caching.RATINGS)
    today = _today(today)
    current = _locked(application)
    require_work_committee(by)
    if current.status != Status.PUBLICIZED:
        message = "该申报{status}，只有公示中的申报可以命名。"
        raise ValidationError(message.format(status=current.get_status_display()))
    round = current.round
    _require_open(round)
    if today <= round.publicity_ends_on:
        message = "公示期至{end}结束，期满后方可命名。"
        raise ValidationError(message.format(end=chinese_date(round.publicity_ends_on)))
    if not has_lower_title(
        current.organization, current.level, round.scope, round.year, today=today
    ):
        message = "{name}：" + _ladder_message(current.level, round.get_scope_display())
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
    _move(current, Status.NAMED, by=by, reason="命名")
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
