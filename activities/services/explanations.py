"""Writes of the explanations of overdue items that can no longer be logged.

An item whose whole period ended before the back-filling window (records.backfill_start)
cannot get a record any more. Its branch closes it with a 未开展说明 (in force at once) or a
补录申请 that a reviewer above the branch (the party committee, roles.REVIEW within the
scope) approves or refuses; an approved request lets the branch log a record dated in that
period. Each write owns its transaction, the history row and the cache invalidation of the
compliance figures it changes.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching, history
from alxa_dangjian.core.notifications import notify
from branches.models import Organization

from ..compliance import Cell, Status, compute
from ..models import FrequencyRule, OverdueExplanation
from . import records

Kind = OverdueExplanation.Kind
State = OverdueExplanation.Status
REASON_MIN, REASON_MAX = 10, 500

NO_FILE_RIGHT = "只有该党支部的书记及其上级党组织的管理员可以提交说明或补录申请。"
NO_DECIDE_RIGHT = "您无权审批该补录申请：由上级党委管理员或工委工作人员审批。"
NOT_CLOSABLE = "该事项不是已超出补录期限的逾期事项，请直接登记组织生活记录。"


@dataclass(frozen=True)
class Item:
    """An overdue item of a branch: a rule missed in one period."""

    organization: Organization
    cell: Cell

    @property
    def rule(self) -> FrequencyRule:
        return self.cell.rule


def beyond_window(cell: Cell, today: datetime.date | None = None) -> bool:
    """Overdue, and its whole period ended before the earliest date a record may carry."""
    return cell.status == Status.OVERDUE and cell.period.end < records.backfill_start(today)


def find_item(organization: Organization, *, rule_id: int, year: int, index: int) -> Item | None:
    """The branch's overdue item beyond the window for (rule, year, index), else None."""
    today = timezone.localdate()
    if year > today.year or not organization.is_branch:
        return None
    report = compute(Organization.objects.filter(pk=organization.pk), year, today=today)
    for cell in report.for_organization(organization.pk):
        if cell.rule.pk == rule_id and cell.period.index == index and beyond_window(cell, today):
            return Item(organization, cell)
    return None


def may_decide(user: User, explanation: OverdueExplanation) -> bool:
    return (
        explanation.status == State.PENDING
        and user.pk != explanation.requested_by_id
        and user.organization_id != explanation.organization_id
        and user.may(roles.REVIEW)
        and scoping.contains(user, explanation.organization)
    )


def _checked_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ValidationError({"reason": f"请说明原因，不少于{REASON_MIN}个字。"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"理由不能超过{REASON_MAX}字。"})
    return reason


@transaction.atomic
def file_explanation(item: Item, *, kind: str, reason: str, by: User) -> OverdueExplanation:
    """A 未开展说明 (in force at once) or a 补录申请 (awaiting the committee) for the item."""
    organization = item.organization
    if not records.may_log_for(by, organization):
        raise PermissionDenied(NO_FILE_RIGHT)
    if kind not in Kind.values:
        raise ValidationError({"kind": "请选择“未开展说明”或“补录申请”。"})
    reason = _checked_reason(reason)
    if not beyond_window(item.cell):
        raise ValidationError(NOT_CLOSABLE)
    # The organisation row is the lock two secretaries filing at once queue on.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    period = item.cell.period
    explanation = OverdueExplanation(
        organization=organization,
        rule=item.rule,
        period=period.kind,
        year=period.year,
        index=period.index,
        kind=kind,
        status=State.FILED if kind == Kind.NOT_HELD else State.PENDING,
        reason=reason,
        requested_by=by,
    )
    if OverdueExplanation.objects.open().filter(
        organization=organization, rule=item.rule, year=period.year, index=period.index
    ):
        raise ValidationError("该事项已有说明或补录申请，不能重复提交。")
    history.attribute(explanation, by=by, reason=explanation.get_kind_display())
    try:
        with transaction.atomic():
            explanation.save()
    except IntegrityError:
        raise ValidationError("该事项已有说明或补录申请，不能重复提交。") from None
    caching.changed(caching.ACTIVITIES)
    if kind == Kind.LATE_ENTRY:
        _notify_reviewers(explanation)
    return explanation


def _notify_reviewers(explanation: OverdueExplanation) -> None:
    """The reviewers of the branch's parent committee: whom the request waits for."""
    parent = explanation.organization.parent
    if parent is None:
        return
    reviewers = [
        user
        for user in User.objects.filter(organization=parent, is_active=True)
        if user.may(roles.REVIEW)
    ]
    if reviewers:
        title = "{name}提交了{period}{kind}的补录申请".format(
            name=explanation.organization.display_name,
            period=explanation.period_label,
            kind=explanation.rule.kind.name,
        )
        notify(
            reviewers,
            key=f"late-entry:{explanation.pk}",
            title=title,
            body=explanation.reason,
            url=explanation.get_absolute_url(),
        )


@transaction.atomic
def decide_late_entry(
    explanation: OverdueExplanation, *, approve: bool, comment: str = "", by: User
) -> OverdueExplanation:
    """The committee approves a 补录申请 (the item is closed and the branch may log its record)
    or refuses it with a comment (the item is open again)."""
    explanation = (
        OverdueExplanation.objects.select_for_update()
        .select_related("organization", "rule__kind")
        .get(pk=explanation.pk)
    )
    if not by.may(roles.REVIEW) or not scoping.contains(by, explanation.organization):
        raise PermissionDenied(NO_DECIDE_RIGHT)
    # The branch's own people, and whoever filed the request, do not decide on it.
    if by.organization_id == explanation.organization_id or by.pk == explanation.requested_by_id:
        raise PermissionDenied(NO_DECIDE_RIGHT)
    if explanation.status != State.PENDING:
        message = "只有待审批的补录申请可以审批，该申请{status}。"
        raise ValidationError(message.format(status=explanation.get_status_display()))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": "不批准时请填写审批意见，说明原因。"})
    if len(comment) > 300:
        raise ValidationError({"comment": "审批意见不能超过300字。"})
    explanation.status = State.APPROVED if approve else State.REJECTED
    explanation.decision_comment = comment
    explanation.decided_by = by
    explanation.decided_at = timezone.now()
    history.attribute(explanation, by=by, reason=explanation.get_status_display())
    explanation.save()
    caching.changed(caching.ACTIVITIES)
    return explanation
