"""Writes of organisational life: records with attendance and files, and the review flow.

草稿 → 已提交 → 已审核, or 已提交 → 已退回 (with a comment) → edited → 已提交 again. Each
transition is one function here that checks who may do it, moves the record and writes an
ActivityEvent, all in one transaction. Rules broken by the data are Chinese ValidationErrors;
a role or scope that may not act at all is a PermissionDenied.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching, history
from alxa_dangjian.core.files import CheckedUpload, check_upload, store_files
from branches.models import CommitteeSeat, Member, Organization

from ..models import (
    Activity,
    ActivityEvent,
    ActivityKind,
    Attachment,
    Attendance,
    CampaignTag,
    OverdueExplanation,
)
from . import joint as joint_consent

Status = Activity.Status
EDITABLE = (Status.DRAFT, Status.RETURNED)
# Organisations that hold organisational life of their own (the frequency rules name them).
LOGGABLE_TYPES = (*Organization.BRANCH_TYPES, Organization.Type.GENERAL_BRANCH)

NOT_EDITABLE = "该记录{status}，不能再修改。"
NO_EDIT_RIGHT = "只有主办党组织的书记及其上级党组织的管理员可以修改该记录。"
NO_REVIEW_RIGHT = "您无权审核该记录：审核由上级党委管理员或工委工作人员办理。"


# Who may do what ---------------------------------------------------------------------------


def loggable_organizations(user: User):
    """Organisations this user may log activities for: active branches (and 党总支) in scope."""
    if not user.may(roles.EDIT_RECORDS):
        return Organization.objects.none()
    return Organization.objects.visible_to(user).active().filter(type__in=LOGGABLE_TYPES)


def may_log_for(user: User, organization: Organization) -> bool:
    return (
        user.may(roles.EDIT_RECORDS)
        and organization.is_active
        and organization.type in LOGGABLE_TYPES
        and scoping.contains(user, organization)
    )


def may_edit(user: User, activity: Activity) -> bool:
    """The hosting branch's secretary or an editor above it, while the record is editable.

    A joint branch sees the record but does not edit it: the host keeps one version.
    """
    return activity.status in EDITABLE and may_log_for(user, activity.organization)


def may_review(user: User, activity: Activity) -> bool:
    return (
        activity.status == Status.SUBMITTED
        and user.may(roles.REVIEW)
        and scoping.contains(user, activity.organization)
    )


# Reading helpers used by forms and views ----------------------------------------------------


def roster(organization: Organization):
    """Members in good standing of the organisation (for a 党总支: of its branches)."""
    return Member.objects.in_good_standing().in_subtree(organization)


def kind_needs_party_group(kind: ActivityKind) -> bool:
    """A kind whose frequency is counted per 党小组 (党小组会) is held by one group."""
    return kind.rules.filter(per_party_group=True).exists()


def backfill_start(today: datetime.date | None = None) -> datetime.date:
    """The earliest date a new record may carry (the back-filling window is a setting)."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=settings.ACTIVITY_BACKFILL_DAYS)


def _chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def quorum_warnings(activity: Activity) -> list[str]:
    """Attendance below the quorum of its kind, as Chinese sentences (a warning, not a block).

    支部党员大会: full members present must be more than half of the branch's full members
    (预备党员 have no vote). 支委会: committee members present must be more than half of the
    current seats.
    """
    quorum = activity.kind.quorum
    present = activity.attendances.filter(status=Attendance.Status.PRESENT)
    if quorum == ActivityKind.Quorum.VOTING_MEMBERS:
        entitled = roster(activity.organization).filter(status=Member.Status.FULL).count()
        voting = present.filter(
            member__status=Member.Status.FULL, member__standing=Member.Standing.NORMAL
        ).count()
        if voting * 2 <= entitled:
            message = (
                "到会的正式党员未超过应到会有表决权党员的半数：应到{entitled}人，实到{voting}人"
                "（预备党员没有表决权，不计入）。"
            )
            return [message.format(entitled=entitled, voting=voting)]
    elif quorum == ActivityKind.Quorum.COMMITTEE:
        holders = (
            CommitteeSeat.objects.current()
            .filter(organization=activity.organization)
            .values_list("member", flat=True)
            .distinct()
        )
        seats = holders.count()
        attending = present.filter(member__in=holders).count()
        if seats == 0:
            return ["本支部尚未登记现任支部委员，无法判断支委会到会人数。"]
        if attending * 2 <= seats:
            message = "到会的支部委员未超过半数：现任委员{seats}人，到会{attending}人。"
            return [message.format(seats=seats, attending=attending)]
    return []


# Records -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """One person's attendance as the form sends it."""

    status: str
    reason: str = ""


@transaction.atomic
def save_activity(
    activity: Activity,
    *,
    attendance: Mapping[int, Mark],
    tags: Iterable[CampaignTag] = (),
    joint_organizations: Iterable[Organization] = (),
    also_kinds: Iterable[ActivityKind] = (),
    belongs_to_year: int | None = None,
    uploads: Sequence = (),
    by: User,
) -> Activity:
    """Create or edit a record with its attendance, tags, joint branches, the kinds it also
    counts as (a combined meeting) and new files.

    `activity` carries the field values (unsaved when new). Attendance comes from the host's
    roster: on a new record everyone not named in `attendance` is present. Everything is
    checked before anything is written, so a refusal changes nothing. `belongs_to_year`
    (所属年度) is the record's date's year, or the year before within the months its kinds
    allow (ActivityKind.prior_year_months); None takes the default: the year before within
    that window, else the date's year.
    """
    caching.changed(caching.ACTIVITIES)
    creating = activity.pk is None
    organization = activity.organization
    if not may_log_for(by, organization):
        raise PermissionDenied(NO_EDIT_RIGHT)
    previous = None
    if not creating:
        previous = Activity.objects.select_for_update().get(pk=activity.pk)
        if previous.status not in EDITABLE:
            raise ValidationError(NOT_EDITABLE.format(status=previous.get_status_display()))
        if previous.organization_id != activity.organization_id:
            raise ValidationError("不能把记录改到其他党组织名下。")
        # Editing never moves the record in the flow; only the transitions below do.
        activity.status = previous.status
    errors = {}
    also = list(dict.fromkeys(also_kinds))
    _check_also_kinds(activity, also, errors)
    _check_kind(activity, previous, errors, also)
    _check_date(activity, previous, errors)
    if "held_on" not in errors:
        _set_year(activity, also, belongs_to_year, errors)
    joint = list(dict.fromkeys(joint_organizations))
    _check_joint(organization, joint, errors)
    existing = {a.member_id: a for a in activity.attendances.all()} if not creating else {}
    marks = _checked_attendance(organization, attendance, existing, creating, errors)
    if errors:
        raise ValidationError(errors)
    checked_uploads = [check_upload(upload) for upload in uploads]

    # What a partner's confirmation is about (models/joint.py): changing it asks again.
    reset = previous is not None and (
        previous.held_on != activity.held_on
        or previous.kind_id != activity.kind_id
        or previous.counts_for_previous_year != activity.counts_for_previous_year
        or set(activity.also_kinds.values_list("pk", flat=True)) != {k.pk for k in also}
    )
    if creating:
        activity.created_by = by
        activity.status = Status.DRAFT
    activity.save()
    activity.tags.set(list(tags))
    activity.also_kinds.set(also)
    joint_consent.set_partners(activity, joint, by=by, reset=reset)
    _write_attendance(activity, marks, existing)
    _store_uploads(activity, checked_uploads, by=by)
    return activity


def _check_also_kinds(activity, also, errors):
    """Each combined kind once, never the main kind, and active (a stopped kind already on
    the record may stay)."""
    if any(kind.pk == activity.kind_id for kind in also):
        errors["also_kinds"] = "“同时作为”的类型不能与主类型相同。"
        return
    kept = set(activity.also_kinds.values_list("pk", flat=True)) if activity.pk else set()
    stopped = [kind.name for kind in also if not kind.is_active and kind.pk not in kept]
    if stopped:
        errors["also_kinds"] = "类型“{names}”已停用，不能再选择。".format(names="、".join(stopped))


def _check_kind(activity, previous, errors, also=()):
    kind = activity.kind
    kept = previous is not None and previous.kind_id == kind.pk
    if not kind.is_active and not kept:
        errors["kind"] = "该类型已停用，请选择其他类型。"
        return
    group = activity.party_group
    if any(kind_needs_party_group(k) for k in (kind, *also)):
        if group is None:
            errors["party_group"] = "党小组会须选择召开会议的党小组。"
        elif group.organization_id != activity.organization_id:
            errors["party_group"] = "请选择本支部的党小组。"
    elif group is not None:
        activity.party_group = None


def _check_date(activity, previous, errors):
    today = timezone.localdate()
    held_on = activity.held_on
    if held_on > today:
        errors["held_on"] = "活动日期不能晚于今天。"
        return
    # The window limits back-filling: new records, and moving a record to an earlier date.
    changed = previous is None or previous.held_on != held_on
    start = backfill_start(today)
    if (
        changed
        and held_on < start
        and not OverdueExplanation.objects.allow_late_entry(
            activity.organization_id, activity.kind, held_on
        )
    ):
        message = "只能补录{days}天内的活动（{start}及以后），{held}已超出补录期限。"
        errors["held_on"] = message.format(
            days=settings.ACTIVITY_BACKFILL_DAYS,
            start=_chinese_date(start),
            held=_chinese_date(held_on),
        )


def prior_year_window(kinds: Iterable[ActivityKind]) -> int:
    """How many months into a year a record of these kinds may belong to the year before."""
    return max((kind.prior_year_months for kind in kinds), default=0)


def default_year(held_on: datetime.date, kinds: Iterable[ActivityKind]) -> int:
    """所属年度 by date: the year before within the kinds' window, else the date's year."""
    return held_on.year - (1 if held_on.month <= prior_year_window(kinds) else 0)


def _set_year(activity, also, belongs_to_year, errors):
    kinds = [activity.kind, *also]
    held_on = activity.held_on
    year = default_year(held_on, kinds) if belongs_to_year is None else belongs_to_year
    window = prior_year_window(kinds)
    if year == held_on.year - 1 and held_on.month <= window:
        activity.counts_for_previous_year = True
    elif year == held_on.year:
        activity.counts_for_previous_year = False
    elif window:
        message = "所属年度只能是{year}年，或在次年{window}月底前召开时计入{previous}年。"
        errors["belongs_to_year"] = message.format(
            year=held_on.year, window=window, previous=held_on.year - 1
        )
    else:
        errors["belongs_to_year"] = f"该类型的所属年度按日期确定，只能是{held_on.year}年。"


def _check_joint(organization, joint, errors):
    if any(org.pk == organization.pk for org in joint):
        errors["joint_organizations"] = "联合开展的党组织不能是主办党组织自身。"
    elif any(not org.is_active or org.type not in LOGGABLE_TYPES for org in joint):
        errors["joint_organizations"] = "联合开展的只能是有效的党支部（或党总支）。"


def _checked_attendance(organization, attendance, existing, creating, errors) -> dict[int, Mark]:
    allowed = set(roster(organization).values_list("pk", flat=True)) | set(existing)
    if set(attendance) - allowed:
        errors["attendance"] = "出勤名单只能包含本支部党籍正常的党员，提交的名单中有其他人员。"
        return {}
    valid = set(Attendance.Status.values)
    if any(mark.status not in valid for mark in attendance.values()):
        errors["attendance"] = "出勤情况只能是出席、请假或缺席。"
        return {}
    if any(len(mark.reason) > 100 for mark in attendance.values()):
        errors["attendance"] = "请假或缺席原因不能超过100字。"
        return {}
    marks = dict(attendance)
    if creating:
        for member_id in allowed - set(marks):
            marks[member_id] = Mark(Attendance.Status.PRESENT)
    return marks


def _write_attendance(activity, marks, existing):
    new, changed = [], []
    for member_id, mark in marks.items():
        reason = "" if mark.status == Attendance.Status.PRESENT else mark.reason.strip()
        row = existing.get(member_id)
        if row is None:
            row = Attendance(activity=activity, member_id=member_id, status=mark.status)
            row.reason = reason
            new.append(row)
        elif (row.status, row.reason) != (mark.status, reason):
            row.status, row.reason = mark.status, reason
            changed.append(row)
    Attendance.objects.bulk_create(new)
    Attendance.objects.bulk_update(changed, ["status", "reason"])


# Files ---------------------------------------------------------------------------------------


def _store_uploads(activity: Activity, checked: Sequence[CheckedUpload], *, by: User):
    stored = store_files(Attachment, checked, by=by, activity=activity)
    # Each save was recorded in the history; outside a request nobody was named as its author.
    Attachment.history.filter(id__in=[row.pk for row in stored], history_user=None).update(
        history_user=by
    )


@transaction.atomic
def add_attachments(activity: Activity, *, uploads: Sequence, by: User) -> list[Attachment]:
    """Attach photos and files to an editable record; one bad file refuses them all."""
    if not may_log_for(by, activity.organization):
        raise PermissionDenied(NO_EDIT_RIGHT)
    current = Activity.objects.select_for_update().get(pk=activity.pk)
    if current.status not in EDITABLE:
        raise ValidationError(NOT_EDITABLE.format(status=current.get_status_display()))
    if not uploads:
        raise ValidationError({"files": "请选择要上传的照片或文件。"})
    checked = [check_upload(upload) for upload in uploads]
    before = set(activity.attachments.values_list("pk", flat=True))
    _store_uploads(activity, checked, by=by)
    return list(activity.attachments.exclude(pk__in=before))


@transaction.atomic
def remove_attachment(attachment: Attachment, *, by: User, reason: str) -> None:
    """Delete a file of an editable record; the deletion stays in the attachments' history
    (who, when, which file, `reason` — required)."""
    activity = attachment.activity
    if not may_log_for(by, activity.organization):
        raise PermissionDenied(NO_EDIT_RIGHT)
    if activity.status not in EDITABLE:
        raise ValidationError(NOT_EDITABLE.format(status=activity.get_status_display()))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "删除附件须填写理由。"})
    name = attachment.file.name
    storage = attachment.file.storage
    history.baseline(Attachment, [attachment.pk])
    history.attribute(attachment, by=by, reason=reason)
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


# The review flow -----------------------------------------------------------------------------


def _move(activity: Activity, to: str, *, by: User, comment: str = "") -> Activity:
    event = ActivityEvent(activity=activity, from_status=activity.status, to_status=to, by=by)
    event.comment = comment
    activity.status = to
    if to == Status.RETURNED:
        activity.review_comment = comment
    activity.save(update_fields=["status", "review_comment", "updated_at"])
    event.save()
    return activity


def _locked(activity: Activity) -> Activity:
    """Re-read the record under a row lock, so two reviewers cannot both act on it."""
    return (
        Activity.objects.select_for_update()
        .select_related("organization", "kind")
        .get(pk=activity.pk)
    )


@transaction.atomic
def submit_activity(activity: Activity, *, by: User, confirm_quorum: bool = False) -> Activity:
    """A draft (or a returned record) goes to the reviewers; a quorum shortfall needs a tick."""
    caching.changed(caching.ACTIVITIES)
    activity = _locked(activity)
    if not may_log_for(by, activity.organization):
        raise PermissionDenied(NO_EDIT_RIGHT)
    if activity.status == Status.SUBMITTED:
        raise ValidationError("该记录已提交，正在等待审核。")
    if activity.status == Status.APPROVED:
        raise ValidationError("该记录已审核通过，不能再次提交。")
    warnings = quorum_warnings(activity)
    if warnings and not confirm_quorum:
        raise ValidationError(
            {"confirm_quorum": "到会人数未达到要求，如确需提交，请勾选确认后再提交。"}
        )
    comment = "到会人数未达到要求，经确认后提交。" if warnings else ""
    return _move(activity, Status.SUBMITTED, by=by, comment=comment)


@transaction.atomic
def approve_activity(activity: Activity, *, by: User, comment: str = "") -> Activity:
    caching.changed(caching.ACTIVITIES)
    activity = _locked(activity)
    if not by.may(roles.REVIEW) or not scoping.contains(by, activity.organization):
        raise PermissionDenied(NO_REVIEW_RIGHT)
    if activity.status != Status.SUBMITTED:
        message = "只有已提交的记录可以审核通过，该记录{status}。"
        raise ValidationError(message.format(status=activity.get_status_display()))
    return _move(activity, Status.APPROVED, by=by, comment=comment.strip()[:300])


@transaction.atomic
def return_activity(activity: Activity, *, comment: str, by: User) -> Activity:
    caching.changed(caching.ACTIVITIES)
    activity = _locked(activity)
    if not by.may(roles.REVIEW) or not scoping.contains(by, activity.organization):
        raise PermissionDenied(NO_REVIEW_RIGHT)
    if activity.status != Status.SUBMITTED:
        message = "只有已提交的记录可以退回，该记录{status}。"
        raise ValidationError(message.format(status=activity.get_status_display()))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "退回时请填写退回意见，说明需要修改的地方。"})
    if len(comment) > 300:
        raise ValidationError({"comment": "退回意见不能超过300字。"})
    return _move(activity, Status.RETURNED, by=by, comment=comment)
