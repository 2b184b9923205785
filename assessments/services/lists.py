"""Writes and set-based reads of the responsibility lists (责任清单), and their auto indicator.

The cycle is "年初定单、半年小结、年底对账": the owner (a secretary or an editor above) writes
the items and submits each checkpoint inside the year's window; a reviewer above the owner
(a party-committee admin of an ancestor, or staff) confirms it or returns it with a comment.
Every change to an item or a checkpoint goes through a function here and is kept in history.

Who may do what:
- fill and submit: a role that edits records, with the owner in their subtree;
- review: a role that reviews, with the owner in their subtree but not their own organisation
  (nobody confirms their own list), except staff, who review everywhere;
- windows and list types: the work committee (roles.PUBLISH, placed at the root).
"""

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching, history
from alxa_dangjian.core.notifications import notify
from branches.models import Organization

from ..models import (
    CheckpointEntry,
    CheckpointEvidence,
    CheckpointWindow,
    ResponsibilityItem,
    ResponsibilityList,
    ResponsibilityListType,
    Stage,
)

Progress = CheckpointEntry.Progress
Review = CheckpointEntry.Review

NO_EDIT_RIGHT = "只有责任党组织的书记及其上级党组织的管理员可以填报该清单。"
NO_REVIEW_RIGHT = "您无权审核该清单：审核由上级党委管理员或工委工作人员办理。"
NO_SETTINGS_RIGHT = "只有工委工作人员可以设置清单类型和填报时间。"
FIRST_YEAR = 2000


# Who may do what ---------------------------------------------------------------------------


def may_edit(user: User, responsibility_list: ResponsibilityList) -> bool:
    return user.may(roles.EDIT_RECORDS) and scoping.contains(
        user, responsibility_list.owner_organization
    )


def may_review(user: User, responsibility_list: ResponsibilityList) -> bool:
    owner = responsibility_list.owner_organization
    if not user.may(roles.REVIEW) or not scoping.contains(user, owner):
        return False
    return user.may(roles.PUBLISH) or owner.pk != user.organization_id


def owner_choices(user: User):
    """Organisations this user may keep lists for: active ones in their subtree."""
    if not user.may(roles.EDIT_RECORDS):
        return Organization.objects.none()
    return Organization.objects.visible_to(user).active()


def _require_edit(user: User, responsibility_list: ResponsibilityList) -> None:
    if not may_edit(user, responsibility_list):
        raise PermissionDenied(NO_EDIT_RIGHT)


def _require_review(user: User, responsibility_list: ResponsibilityList) -> None:
    if not may_review(user, responsibility_list):
        raise PermissionDenied(NO_REVIEW_RIGHT)


def _chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def check_window(year: int, stage: str, today: datetime.date | None = None) -> None:
    """Refuse a write to a checkpoint outside its window (the year's CheckpointWindow)."""
    today = today or timezone.localdate()
    window = CheckpointWindow.for_year(year)
    opens, closes = window.dates(stage)
    label = Stage(stage).label
    if today < opens:
        message = "{year}年{label}将于{opens}开始填报，现在还不能填报。"
        raise ValidationError(message.format(year=year, label=label, opens=_chinese_date(opens)))
    if today > closes:
        message = "{year}年{label}已于{closes}截止，不能再填报；如确需补报，请联系工委工作人员。"
        raise ValidationError(message.format(year=year, label=label, closes=_chinese_date(closes)))


# Lists and items ---------------------------------------------------------------------------


@transaction.atomic
def create_list(
    *,
    year: int,
    type: ResponsibilityListType,
    owner_organization: Organization,
    owner_person: str = "",
    owner_post: str = "",
    by: User,
) -> ResponsibilityList:
    """A new, empty list for an owner; one per year, type and owner."""
    caching.changed(caching.LISTS)
    responsibility_list = ResponsibilityList(
        year=year,
        type=type,
        owner_organization=owner_organization,
        owner_person=(owner_person or "").strip(),
        owner_post=(owner_post or "").strip(),
        created_by=by,
    )
    _require_edit(by, responsibility_list)
    errors = {}
    this_year = timezone.localdate().year
    if not FIRST_YEAR <= year <= this_year + 1:
        errors["year"] = f"年度应在{FIRST_YEAR}年至{this_year + 1}年之间。"
    if not type.is_active:
        errors["type"] = "该清单类型已停用。"
    if not owner_organization.is_active:
        errors["owner_organization"] = "该党组织已撤销，不能建立清单。"
    if type.needs_person and not responsibility_list.owner_person:
        errors["owner_person"] = f"{type.name}按人建立，请填写{type.owner_label}的姓名。"
    if not type.needs_person:
        responsibility_list.owner_person = responsibility_list.owner_post = ""
    if errors:
        raise ValidationError(errors)
    responsibility_list.full_clean()
    responsibility_list.save()
    return responsibility_list


def _plan_entry(item: ResponsibilityItem) -> CheckpointEntry | None:
    return item.entries.filter(stage=Stage.PLAN).first() if item.pk else None


def _require_plan_editable(item: ResponsibilityItem, today: datetime.date | None) -> None:
    check_window(item.list.year, Stage.PLAN, today)
    plan = _plan_entry(item)
    if plan is not None and not plan.is_editable:
        message = "该事项的年初定单{review}，不能再修改。"
        raise ValidationError(message.format(review=plan.get_review_display()))


@transaction.atomic
def save_item(
    item: ResponsibilityItem, *, by: User, reason: str = "", today: datetime.date | None = None
) -> ResponsibilityItem:
    """Add or change an item while its plan is open and not yet submitted or confirmed."""
    caching.changed(caching.LISTS)
    _require_edit(by, item.list)
    _require_plan_editable(item, today)
    if item._state.adding and not item.order:
        item.order = item.list.items.count() + 1
    item.full_clean()
    if item.deadline.year < item.list.year:
        message = "完成时限不能早于{year}年。"
        raise ValidationError({"deadline": message.format(year=item.list.year)})
    item._history_user = by
    item._change_reason = reason or ""
    item.save()
    return item


@transaction.atomic
def delete_item(item: ResponsibilityItem, *, by: User, today: datetime.date | None = None) -> None:
    caching.changed(caching.LISTS)
    _require_edit(by, item.list)
    _require_plan_editable(item, today)
    if item.entries.exclude(stage=Stage.PLAN).exists():
        raise ValidationError("该事项已有半年小结或年底对账，不能删除。")
    item._history_user = by
    item.delete()


# Checkpoints -------------------------------------------------------------------------------


def _locked_entry(item: ResponsibilityItem, stage: str) -> CheckpointEntry:
    """The item's entry for the stage under a row lock, created (as a draft) when missing."""
    try:
        with transaction.atomic():
            CheckpointEntry.objects.get_or_create(item=item, stage=stage)
    except IntegrityError:  # created by a concurrent request: lock that one below
        pass
    return CheckpointEntry.objects.select_for_update().get(item=item, stage=stage)


@transaction.atomic
def save_checkpoint(
    item: ResponsibilityItem,
    stage: str,
    *,
    progress: str = "",
    completed_on: datetime.date | None = None,
    note: str = "",
    uploads: Sequence = (),
    submit: bool = False,
    by: User,
    today: datetime.date | None = None,
) -> CheckpointEntry:
    """Fill (and optionally submit) one checkpoint of an item inside its window.

    The plan carries no progress: its content is the item. A mid-year or year-end report needs
    the plan confirmed first, a progress, and for 已完成 the day it was done (not in the
    future). Files are checked like activity attachments; one bad file refuses the whole save.
    """
    caching.changed(caching.LISTS)
    from alxa_dangjian.core.files import check_upload, store_files

    today = today or timezone.localdate()
    _require_edit(by, item.list)
    check_window(item.list.year, stage, today)
    entry = _locked_entry(item, stage)
    if not entry.is_editable:
        message = "该事项的{label}{review}，不能再修改。"
        raise ValidationError(
            message.format(label=entry.get_stage_display(), review=entry.get_review_display())
        )
    errors = {}
    if stage == Stage.PLAN:
        progress, completed_on = "", None
        if uploads:
            errors["files"] = "年初定单无需上传佐证材料。"
    else:
        plan = _plan_entry(item)
        if plan is None or plan.review != Review.CONFIRMED:
            raise ValidationError("该事项的年初定单尚未确认，请先提交年初定单并等待审核。")
        if progress not in Progress.values:
            errors["progress"] = "请选择事项进展。"
        if progress == Progress.DONE:
            if completed_on is None:
                errors["completed_on"] = "已完成的事项请填写完成日期。"
            elif completed_on > today:
                errors["completed_on"] = "完成日期不能晚于今天。"
        else:
            completed_on = None
    note = (note or "").strip()
    if len(note) > 2000:
        errors["note"] = "情况说明不能超过2000字。"
    if errors:
        raise ValidationError(errors)
    checked = [check_upload(upload) for upload in uploads]
    entry.progress, entry.completed_on, entry.note = progress, completed_on, note
    reason = ""
    if submit:
        entry.review = Review.SUBMITTED
        entry.submitted_by, entry.submitted_at = by, timezone.now()
        reason = "提交审核"
    entry._history_user = by
    entry._change_reason = reason
    entry.save()
    if checked:
        store_files(CheckpointEvidence, checked, by=by, entry=entry)
    return entry


@transaction.atomic
def submit_stage(
    responsibility_list: ResponsibilityList,
    stage: str,
    *,
    by: User,
    today: datetime.date | None = None,
) -> int:
    """Submit every filled, unsubmitted checkpoint of the stage in the list at once (for the
    plan: every item not yet submitted). Returns how many were submitted."""
    caching.changed(caching.LISTS)
    _require_edit(by, responsibility_list)
    check_window(responsibility_list.year, stage, today)
    items = list(responsibility_list.items.all())
    if not items:
        raise ValidationError("清单中还没有责任事项。")
    if stage == Stage.PLAN:
        for item in items:
            _locked_entry(item, stage)
    entries = (
        CheckpointEntry.objects.select_for_update()
        .filter(
            item__list=responsibility_list, stage=stage, review__in=(Review.DRAFT, Review.RETURNED)
        )
        .exclude(~Q(stage=Stage.PLAN) & Q(progress=""))
        .order_by("pk")
    )
    submitted = 0
    now = timezone.now()
    for entry in entries:
        entry.review = Review.SUBMITTED
        entry.submitted_by, entry.submitted_at = by, now
        entry._history_user = by
        entry._change_reason = "提交审核"
        entry.save()
        submitted += 1
    if not submitted:
        label = Stage(stage).label
        raise ValidationError(f"没有可提交的{label}：请先填写各事项的{label}。")
    return submitted


def _locked_for_review(entry: CheckpointEntry) -> CheckpointEntry:
    locked = CheckpointEntry.objects.select_for_update().get(pk=entry.pk)
    locked.item = entry.item
    return locked


@transaction.atomic
def confirm_entry(entry: CheckpointEntry, *, by: User, comment: str = "") -> CheckpointEntry:
    caching.changed(caching.LISTS)
    _require_review(by, entry.item.list)
    entry = _locked_for_review(entry)
    if entry.review != Review.SUBMITTED:
        message = "只有待审核的环节可以确认，该环节{review}。"
        raise ValidationError(message.format(review=entry.get_review_display()))
    return _decide(entry, Review.CONFIRMED, by=by, comment=(comment or "").strip()[:300])


@transaction.atomic
def return_entry(entry: CheckpointEntry, *, comment: str, by: User) -> CheckpointEntry:
    caching.changed(caching.LISTS)
    _require_review(by, entry.item.list)
    entry = _locked_for_review(entry)
    if entry.review != Review.SUBMITTED:
        message = "只有待审核的环节可以退回，该环节{review}。"
        raise ValidationError(message.format(review=entry.get_review_display()))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "退回时请填写退回意见，说明需要修改的地方。"})
    if len(comment) > 300:
        raise ValidationError({"comment": "退回意见不能超过300字。"})
    entry = _decide(entry, Review.RETURNED, by=by, comment=comment)
    owners = User.objects.filter(
        organization=entry.item.list.owner_organization, is_active=True
    ).exclude(pk=by.pk)
    url = entry.item.get_absolute_url()
    title = f"{entry.item.list}的{entry.get_stage_display()}被退回"
    key = f"list-return-{entry.pk}-{entry.reviewed_at:%Y%m%d%H%M%S%f}"
    transaction.on_commit(lambda: notify(owners, key=key, title=title, body=comment, url=url))
    return entry


def _decide(entry: CheckpointEntry, to: str, *, by: User, comment: str) -> CheckpointEntry:
    entry.review = to
    entry.review_comment = comment
    entry.reviewed_by, entry.reviewed_at = by, timezone.now()
    entry._history_user = by
    entry._change_reason = "确认" if to == Review.CONFIRMED else f"退回：{comment}"
    entry.save()
    return entry


@transaction.atomic
def remove_evidence(evidence: CheckpointEvidence, *, by: User, reason: str) -> None:
    entry = evidence.entry
    _require_edit(by, entry.item.list)
    if not entry.is_editable:
        message = "该环节{review}，不能再删除佐证材料。"
        raise ValidationError(message.format(review=entry.get_review_display()))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "删除佐证材料须填写理由。"})
    name, storage = evidence.file.name, evidence.file.storage
    history.baseline(CheckpointEvidence, [evidence.pk])
    history.attribute(evidence, by=by, reason=reason)
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))


# Carry-over --------------------------------------------------------------------------------


def _next_year_day(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def unfinished_items(responsibility_list: ResponsibilityList):
    """Items whose year-end report is not confirmed as done."""
    done = Q(
        entries__stage=Stage.FINAL,
        entries__review=Review.CONFIRMED,
        entries__progress=Progress.DONE,
    )
    return responsibility_list.items.exclude(done)


@transaction.atomic
def carry_over(
    responsibility_list: ResponsibilityList, *, by: User, today: datetime.date | None = None
) -> tuple[ResponsibilityList, list[ResponsibilityItem]]:
    """Carry the unfinished items into the same owner's list of the next year.

    The next year's list is created when missing; each new item points at its origin
    (`carried_from`), so carrying twice adds nothing. Allowed once the year-end window of the
    list's year has opened, to whoever may fill or review the list.
    """
    caching.changed(caching.LISTS)
    if not (may_edit(by, responsibility_list) or may_review(by, responsibility_list)):
        raise PermissionDenied(NO_EDIT_RIGHT)
    today = today or timezone.localdate()
    year = responsibility_list.year
    opens, _ = CheckpointWindow.for_year(year).dates(Stage.FINAL)
    if today < opens:
        message = "{year}年年底对账{opens}开始，届时才能把未完成事项结转到下一年度。"
        raise ValidationError(message.format(year=year, opens=_chinese_date(opens)))
    target, _ = ResponsibilityList.objects.get_or_create(
        year=year + 1,
        type=responsibility_list.type,
        owner_organization=responsibility_list.owner_organization,
        owner_person=responsibility_list.owner_person,
        defaults={"owner_post": responsibility_list.owner_post, "created_by": by},
    )
    pending = list(
        unfinished_items(responsibility_list)
        .filter(carried_to__isnull=True)
        .order_by("order", "pk")
    )
    order = target.items.count()
    created = []
    for offset, origin in enumerate(pending, 1):
        item = ResponsibilityItem(
            list=target,
            order=order + offset,
            content=origin.content,
            deadline=_next_year_day(origin.deadline),
            carried_from=origin,
        )
        item._history_user = by
        item._change_reason = f"由{year}年清单结转"
        item.save()
        created.append(item)
    return target, created


# Settings (staff) --------------------------------------------------------------------------


def require_settings(by: User) -> None:
    """List types and windows bind the whole league: only the work committee changes them."""
    if not scoping.is_work_committee(by):
        raise PermissionDenied(NO_SETTINGS_RIGHT)


@transaction.atomic
def save_window(window: CheckpointWindow, *, by: User) -> CheckpointWindow:
    caching.changed(caching.RULES)
    require_settings(by)
    errors = {}
    for stage in Stage.values:
        opens, closes = window.dates(stage)
        if opens and closes and opens > closes:
            errors[f"{stage}_closes_on"] = f"{Stage(stage).label}的截止日期不能早于开始日期。"
    if not errors and not (window.plan_opens_on <= window.mid_opens_on <= window.final_opens_on):
        errors["mid_opens_on"] = "三个环节应按年初定单、半年小结、年底对账的顺序开始。"
    if errors:
        raise ValidationError(errors)
    window.full_clean()
    window.save()
    return window


@transaction.atomic
def save_list_type(list_type: ResponsibilityListType, *, by: User) -> ResponsibilityListType:
    caching.changed(caching.RULES)
    require_settings(by)
    list_type.full_clean()
    list_type.save()
    return list_type
