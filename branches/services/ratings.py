"""The 最强党支部 rating flow: an application's writes, from the draft to the 公示 list.

草稿 → 已申报 (branch, inside the 申报 dates) → 党委已推荐 (a reviewer above the branch, until
the 党委推荐 close) → 工委审核通过 (the work committee scores every item, until the 工委审核
close) → 公示中 (opened by the work committee inside the 公示 dates) → 已命名 (after the
window closes; a RatingTitle is created, branches/services/rating_titles.py). Any of these steps
may send the application back (已退回, with a reason); the branch may correct and resubmit it
while the 申报 dates last — an application returned later stays out of this round.

Every function checks who may act (PermissionDenied, branches/rules/ratings.py) and the rule
broken by the data or the date (a Chinese ValidationError), saves through simple-history with
the acting user and the reason, all in one transaction. `today` may be given for imports and
tests; it defaults to the local date.
"""

import datetime
from collections.abc import Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching, history
from alxa_dangjian.core.files import check_upload, store_files
from alxa_dangjian.core.notifications import notify

from ..models import (
    LADDER,
    Level,
    Organization,
    RatingApplication,
    RatingEvidence,
    RatingItemScore,
    RatingRound,
)
from ..rules.ratings import (
    AFTER_RECOMMENDATION,
    EDITABLE,
    NO_APPLY_RIGHT,
    NO_RECOMMEND_RIGHT,
    Status,
    applicable_standards,
    has_lower_title,
    ladder_message,
    may_apply_for,
    may_recommend,
    parse_score,
    require_apply_window,
    require_open,
    require_window,
    require_work_committee,
    resolve_today,
)


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
    today = resolve_today(today)
    if not may_apply_for(by, organization):
        raise PermissionDenied(NO_APPLY_RIGHT)
    if organization.is_temporary:
        raise ValidationError("临时党支部不参加“最强党支部”评定。")
    if not organization.is_branch or not organization.is_active:
        raise ValidationError("只有有效的党支部可以申报“最强党支部”。")
    if level not in Level.values:
        raise ValidationError({"level": "请选择申报等次。"})
    require_open(round)
    require_apply_window(round, today)
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
        raise ValidationError({"level": ladder_message(level, round.get_scope_display())})


def locked(application: RatingApplication) -> RatingApplication:
    """The row as it is now, locked for the rest of the transaction."""
    return RatingApplication.objects.select_for_update(of=("self",)).get(pk=application.pk)


def _require_editable(user: User, application: RatingApplication) -> None:
    if not may_apply_for(user, application.organization):
        raise PermissionDenied(NO_APPLY_RIGHT)
    if application.status not in EDITABLE:
        message = "该申报{status}，不能再修改。"
        raise ValidationError(message.format(status=application.get_status_display()))


def _editable(application: RatingApplication, *, by: User, today) -> RatingApplication:
    """The application locked, once the applicant may still change it in its round's window."""
    current = locked(application)
    _require_editable(by, current)
    require_open(current.round)
    require_apply_window(current.round, resolve_today(today))
    return current


def _save_items(application, values: Mapping, *, score_field, text_field, by, reason) -> None:
    """Check every given (score, text) pair against its item, then save the changed ones."""
    items = {item.pk: item for item in application.scores.select_related("standard").order_by("pk")}
    unknown = set(values) - set(items)
    if unknown:
        raise ValidationError("提交的评定条目不属于该申报。")
    changed = []
    for pk, (raw_score, text) in values.items():
        item = items[pk]
        score = parse_score(raw_score, code=item.standard.code, field=score_field)
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
    current = _editable(application, by=by, today=today)
    _save_items(
        current, values, score_field="self_score", text_field="self_note", by=by, reason="自评"
    )


@transaction.atomic
def add_evidence(
    item: RatingItemScore, *, uploads: Sequence, by: User, today: datetime.date | None = None
) -> list[RatingEvidence]:
    """Attach files to one item of an editable application; one bad file refuses them all."""
    _editable(item.application, by=by, today=today)
    if not uploads:
        raise ValidationError({"files": "请选择要上传的佐证材料。"})
    checked = [check_upload(upload) for upload in uploads]
    return store_files(RatingEvidence, checked, by=by, item=item)


@transaction.atomic
def remove_evidence(evidence: RatingEvidence, *, by: User, reason: str) -> None:
    current = locked(evidence.item.application)
    _require_editable(by, current)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "删除佐证材料须填写理由。"})
    name, storage = evidence.file.name, evidence.file.storage
    history.baseline(RatingEvidence, [evidence.pk])
    history.attribute(evidence, by=by, reason=reason)
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))


def move_to(application, status, *, by, reason, **fields) -> RatingApplication:
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
    today = resolve_today(today)
    current = _editable(application, by=by, today=today)
    round = current.round
    missing = list(
        current.scores.filter(self_score__isnull=True)
        .order_by("standard__sort_order", "standard__code")
        .values_list("standard__code", flat=True)[:5]
    )
    if missing:
        message = "还有条目未自评（{codes}等），请全部自评后再提交。"
        raise ValidationError(message.format(codes="、".join(missing)))
    _check_ladder_for_application(round, current.organization, current.level, today=today)
    move_to(
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
    current = locked(application)
    if not may_recommend(by, current):
        if not (by.may(roles.REVIEW) and scoping.contains(by, current.organization)):
            raise PermissionDenied(NO_RECOMMEND_RIGHT)
        message = "该申报{status}，不能推荐。"
        raise ValidationError(message.format(status=current.get_status_display()))
    round = current.round
    require_open(round)
    require_window(
        resolve_today(today), round.apply_opens_on, round.recommend_closes_on, "党委推荐"
    )
    opinion = (opinion or "").strip()
    return move_to(
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
    current = locked(application)
    require_work_committee(by)
    if current.status != Status.RECOMMENDED:
        message = "该申报{status}，不能{action}。"
        raise ValidationError(message.format(status=current.get_status_display(), action=action))
    round = current.round
    require_open(round)
    require_window(resolve_today(today), round.apply_opens_on, round.review_closes_on, "工委审核")
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
    return move_to(
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
    current = locked(application)
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
    require_open(round)
    require_window(resolve_today(today), round.apply_opens_on, end, stage)
    move_to(current, Status.RETURNED, by=by, reason=f"退回：{reason}", return_reason=reason)
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
    require_open(round)
    require_window(resolve_today(today), round.publicity_starts_on, round.publicity_ends_on, "公示")
    approved = list(
        RatingApplication.objects.select_for_update(of=("self",))
        .filter(round=round, status=Status.APPROVED)
        .order_by("pk")
    )
    if not approved:
        raise ValidationError("没有审核通过、待公示的申报。")
    for application in approved:
        move_to(application, Status.PUBLICIZED, by=by, reason="公示")
    return len(approved)
