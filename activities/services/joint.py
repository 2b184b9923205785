"""Consent of partner branches to joint activities (联合开展): who may confirm, the partner
rows a save writes, and the partner's confirm/decline. The rule is in models/joint.py: a
partner's participation counts only once it is 已确认.

- A partner the recorder may act on (inside the recorder's own subtree, with the right to keep
  records) is confirmed on saving: the recorder could confirm it anyway.
- Any other partner waits (待确认) for its secretary or a committee above it; it may decline
  with a reason. Its users are told through the bell.
- Editing what a confirmation is about (the date, the kind or combined kinds, the 所属年度)
  sets the partners that confirmed or declined themselves back to 待确认; editing the theme,
  minutes or attendance does not.
"""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching
from alxa_dangjian.core.notifications import notify
from branches.models import Organization

from ..models import Activity, JointParticipation

Status = JointParticipation.Status
NO_CONSENT_RIGHT = "只有联合开展的党支部书记或其上级党组织可以确认。"
REASON_MAX = 200


def may_confirm(user: User, organization: Organization) -> bool:
    """The partner's side: whoever keeps the partner branch's records (its secretary, a
    committee above it)."""
    return user.may(roles.EDIT_RECORDS) and scoping.contains(user, organization)


def awaiting(user: User):
    """Partnerships waiting for this user's confirmation (their subtree's partners)."""
    if not user.may(roles.EDIT_RECORDS):
        return JointParticipation.objects.none()
    return JointParticipation.objects.visible_to(user).pending()


# Called from services.save_activity, inside its transaction -------------------------------


def set_partners(
    activity: Activity, partners: Sequence[Organization], *, by: User, reset: bool
) -> None:
    """Write the record's partner rows: new partners confirmed when `by` may act on them,
    else 待确认; partners no longer named removed (with a history row); with `reset`, the
    decisions partners took themselves go back to 待确认."""
    existing = {p.organization_id: p for p in activity.partnerships.all()}
    wanted = {org.pk: org for org in partners}
    for org_id, partnership in existing.items():
        if org_id not in wanted:
            partnership._history_user = by
            partnership._change_reason = "主办党组织取消联合开展"
            partnership.delete()
            continue
        if not reset or partnership.status == Status.PENDING:
            continue
        if partnership.auto_confirmed and may_confirm(by, partnership.organization):
            continue  # the editor may act on the partner: still confirmed by them
        partnership.status, partnership.auto_confirmed = Status.PENDING, False
        partnership.decided_by, partnership.decided_at, partnership.reason = None, None, ""
        partnership._history_user = by
        partnership._change_reason = "活动日期或类型已修改，须重新确认"
        partnership.save()
        _ask(partnership)
    for org_id, org in wanted.items():
        if org_id in existing:
            continue
        partnership = JointParticipation(activity=activity, organization=org)
        if may_confirm(by, org):
            partnership.status = Status.CONFIRMED
            partnership.auto_confirmed = True
            partnership.decided_by, partnership.decided_at = by, timezone.now()
        partnership._history_user = by
        partnership._change_reason = "记录联合开展"
        partnership.save()
        if partnership.status == Status.PENDING:
            _ask(partnership)


def _ask(partnership: JointParticipation) -> None:
    """Tell the partner branch's own users (the bell) that a record waits for them."""
    organization = partnership.organization
    users = roles.record_keepers(organization)
    if not users:
        return
    activity = partnership.activity
    title = "待确认的联合活动：{host}".format(host=activity.organization.display_name)
    body = "{day} {theme}".format(day=activity.held_on.isoformat(), theme=activity.theme[:60])
    url = reverse("activities:jointparticipation-detail", args=[partnership.pk])
    key = f"joint:{partnership.pk}:{partnership.history.count()}"
    transaction.on_commit(lambda: notify(users, key=key, title=title, body=body, url=url))


# The partner's decision -------------------------------------------------------------------


def _locked(partnership: JointParticipation, by: User) -> JointParticipation:
    current = (
        JointParticipation.objects.select_for_update()
        .select_related("organization", "activity")
        .get(pk=partnership.pk)
    )
    if not may_confirm(by, current.organization):
        raise PermissionDenied(NO_CONSENT_RIGHT)
    return current


@transaction.atomic
def confirm_partnership(partnership: JointParticipation, *, by: User) -> JointParticipation:
    """The partner confirms: from now on the record counts for it too."""
    caching.changed(caching.ACTIVITIES)
    current = _locked(partnership, by)
    if current.status == Status.CONFIRMED:
        raise ValidationError("本支部已确认参加该联合活动。")
    current.status = Status.CONFIRMED
    current.auto_confirmed = False
    current.decided_by, current.decided_at, current.reason = by, timezone.now(), ""
    current._history_user = by
    current._change_reason = "确认参加联合活动"
    current.save()
    return current


@transaction.atomic
def decline_partnership(
    partnership: JointParticipation, *, reason: str, by: User
) -> JointParticipation:
    """The partner declines, with a reason: the record does not count for it."""
    caching.changed(caching.ACTIVITIES)
    current = _locked(partnership, by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "拒绝时请填写原因。"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"原因不能超过{REASON_MAX}字。"})
    if current.status == Status.DECLINED:
        raise ValidationError("本支部已拒绝该联合活动。")
    current.status = Status.DECLINED
    current.auto_confirmed = False
    current.decided_by, current.decided_at, current.reason = by, timezone.now(), reason
    current._history_user = by
    current._change_reason = reason
    current.save()
    return current
