"""Writes of a member's record that touch several rows or leave a trail: the record itself (a
key-field correction needs a reason), lost contact, an ID-number reveal and transfers between
branches, in from outside and out.

Every function checks its rules and raises `ValidationError` with a Chinese message before it
changes anything; each runs in one transaction, so a broken rule leaves no half-done write.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching, history
from alxa_dangjian.core.idnumber import normalize_id_number
from alxa_dangjian.core.models import PersonalDataLog

from ..models import (
    Member,
    MemberTransfer,
    Organization,
)

TEMPORARY_NO_MEMBERS = "临时党支部不接收党员组织关系，请在党员所在的正式党支部登记。"

# Fields a returning member's record takes from the transfer-in form.
_MEMBER_DATA_FIELDS = [
    field.name
    for field in Member._meta.concrete_fields
    if field.editable and not field.primary_key and field.name not in ("created_at", "updated_at")
]


# Fields whose correction changes what the record says about the member's membership itself
# (when they joined, when they became 正式党员, whether they are still in the party, who they
# are, how old they were when they joined): changing one needs a reason, kept in the history.
KEY_MEMBER_FIELDS = ("joined_on", "confirmed_on", "standing", "id_number", "birth_date")
MSG_REASON_REQUIRED = "修改{fields}须填写修改理由。"


def key_fields_changed(member: Member, stored: Member | None) -> list[str]:
    """Labels of the key fields `member` changes from its stored state."""
    if stored is None:
        return []
    return [
        str(Member._meta.get_field(name).verbose_name)
        for name in KEY_MEMBER_FIELDS
        if getattr(member, name) != getattr(stored, name)
    ]


# Members ------------------------------------------------------------------------------------


@transaction.atomic
def save_member(member: Member, *, by: User, reason: str = "") -> Member:
    """Create or update a member after every model rule (ID number, temporary branch, …).

    The change is kept in the member's history (who, when, before, after, `reason`); a change
    of a key field (KEY_MEMBER_FIELDS: 入党日期, 转正日期 …) is refused without a reason.
    A member whose standing is no longer 正常 (停止党籍, 出党, 死亡) leaves every post.
    """
    caching.changed(caching.MEMBERS)
    member.full_clean()
    stored = Member.objects.filter(pk=member.pk).first() if member.pk else None
    changed_keys = key_fields_changed(member, stored)
    if changed_keys and not (reason or "").strip():
        raise ValidationError(
            {"change_reason": MSG_REASON_REQUIRED.format(fields="、".join(changed_keys))}
        )
    if stored is not None:
        history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason=reason)
    member.save()
    if not member.is_in_good_standing:
        release_posts(member, on=datetime.date.today())
    return member


@transaction.atomic
def set_lost_contact(member: Member, *, since: datetime.date, by: User) -> Member:
    caching.changed(caching.MEMBERS)
    if since > datetime.date.today():
        raise ValidationError({"since": "失联起始日期不能晚于今天。"})
    if since < member.joined_on:
        raise ValidationError({"since": "失联起始日期不能早于入党日期。"})
    member.lost_contact_since = since
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason="登记失联")
    member.save(update_fields=["lost_contact_since", "updated_at"])
    return member


@transaction.atomic
def clear_lost_contact(member: Member, *, by: User) -> Member:
    caching.changed(caching.MEMBERS)
    member.lost_contact_since = None
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason="恢复联系")
    member.save(update_fields=["lost_contact_since", "updated_at"])
    return member


@transaction.atomic
def reveal_id_number(member: Member, *, by: User) -> str:
    """The full ID number, logged (who, when, whose) as the personal-data law asks."""
    PersonalDataLog.objects.create(
        user=by,
        action=PersonalDataLog.Action.REVEAL,
        subject="党员 {name}（编号{pk}）".format(name=member.name, pk=member.pk),
        detail="所在党组织：{org}".format(org=member.organization.name),
    )
    return member.id_number


# Transfers (组织关系转接) ---------------------------------------------------------------------


@transaction.atomic
def transfer_member(
    member: Member, *, to: Organization, on: datetime.date, letter_number: str = "", by: User
) -> MemberTransfer:
    """Move a member to another branch of the system (系统内调动), at once.

    `by` must be able to act on the receiving branch (inside their subtree). A branch outside
    it receives only by accepting: the sender starts a TransferRequest
    (branches/services/transfer_requests.py), and the receiver's acceptance calls this as the
    receiver. Afterwards the member belongs to the receiving branch, and the sender no longer
    sees them.
    """
    caching.changed(caching.MEMBERS, caching.ORGANIZATIONS)
    check_transferable(member, on=on)
    check_receiver(member, to)
    if not may_act_on(by, to):
        raise ValidationError({"to": RECEIVER_MUST_ACCEPT})
    source = member.organization
    release_posts(member, on=on)
    member.organization = to
    member.party_group = None
    member.full_clean()
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason="组织关系转接（系统内调动）")
    member.save()
    return MemberTransfer.objects.create(
        member=member,
        kind=MemberTransfer.Kind.INTERNAL,
        from_organization=source,
        to_organization=to,
        transferred_on=on,
        letter_number=letter_number.strip(),
        recorded_by=by,
    )


@transaction.atomic
def transfer_member_out(
    member: Member, *, to_external: str, on: datetime.date, letter_number: str, by: User
) -> MemberTransfer:
    """The member's relationship leaves the system; the record stays with standing 转出."""
    caching.changed(caching.MEMBERS, caching.ORGANIZATIONS)
    check_transferable(member, on=on)
    to_external = to_external.strip()
    if not to_external:
        raise ValidationError({"to_external": "请填写接收党组织的名称。"})
    if not letter_number.strip():
        raise ValidationError({"letter_number": "请填写组织关系介绍信编号。"})
    release_posts(member, on=on)
    member.standing = Member.Standing.TRANSFERRED_OUT
    member.party_group = None
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason=f"组织关系转出至{to_external}")
    member.save(update_fields=["standing", "party_group", "updated_at"])
    return MemberTransfer.objects.create(
        member=member,
        kind=MemberTransfer.Kind.OUT,
        from_organization=member.organization,
        external_organization=to_external,
        transferred_on=on,
        letter_number=letter_number.strip(),
        recorded_by=by,
    )


@transaction.atomic
def receive_member(
    member: Member, *, from_external: str, on: datetime.date, letter_number: str, by: User
) -> Member:
    """A member transferred in from outside the system: the roster gains them, with history.

    Someone who once left the system (standing 转出) comes back on their old record, so their
    transfer history stays in one place; anyone else already on record is refused.
    """
    caching.changed(caching.MEMBERS, caching.ORGANIZATIONS)
    if not from_external.strip():
        raise ValidationError({"from_external": "请填写转出党组织的名称。"})
    if not letter_number.strip():
        raise ValidationError({"letter_number": "请填写组织关系介绍信编号。"})
    if on > datetime.date.today():
        raise ValidationError({"on": "转接日期不能晚于今天。"})
    if member.organization_id and member.organization.is_temporary:
        raise ValidationError({"organization": TEMPORARY_NO_MEMBERS})
    id_number = normalize_id_number(member.id_number)
    existing = Member.objects.select_for_update().filter(id_number=id_number).first()
    if existing is not None:
        if existing.standing != Member.Standing.TRANSFERRED_OUT:
            raise ValidationError(
                {"id_number": "该身份证号码的党员已在系统中，系统内调动请由其所在党支部办理。"}
            )
        history.baseline(Member, [existing.pk])
        for name in _MEMBER_DATA_FIELDS:
            setattr(existing, name, getattr(member, name))
        member = existing
    member.standing = Member.Standing.NORMAL
    member.full_clean()
    history.attribute(member, by=by, reason=f"组织关系转入，来自{from_external.strip()}")
    member.save()
    MemberTransfer.objects.create(
        member=member,
        kind=MemberTransfer.Kind.IN,
        to_organization=member.organization,
        external_organization=from_external.strip(),
        transferred_on=on,
        letter_number=letter_number.strip(),
        recorded_by=by,
    )
    return member


RECEIVER_MUST_ACCEPT = "接收党支部不在您的管理范围内，须发起转接，由接收方接收后完成。"


def may_act_on(user: User, organization: Organization) -> bool:
    """Whether `user` keeps the records of `organization` (it is in their subtree)."""
    return user.may(roles.EDIT_RECORDS) and scoping.contains(user, organization)


def check_receiver(member: Member, to: Organization) -> None:
    """A branch that may receive the member: another active, non-temporary branch."""
    if to.pk == member.organization_id:
        raise ValidationError({"to": "接收党组织不能是党员现在所在的党支部。"})
    if not to.is_branch:
        raise ValidationError({"to": "党员组织关系须转入党支部（含联合党支部）。"})
    if to.is_temporary:
        raise ValidationError({"to": TEMPORARY_NO_MEMBERS})
    if not to.is_active:
        raise ValidationError({"to": "接收党组织已撤销，不能转入。"})


def check_transferable(member: Member, *, on: datetime.date) -> None:
    if member.pk and member.transfer_requests.filter(status="pending").exists():
        raise ValidationError("该党员有待接收的组织关系转接，请等待接收方处理或撤回后再办理。")
    if not member.is_in_good_standing:
        message = "该党员党籍状态为“{standing}”，不能办理组织关系转接。"
        raise ValidationError(message.format(standing=member.get_standing_display()))
    if on > datetime.date.today():
        raise ValidationError({"on": "转接日期不能晚于今天。"})
    last = member.transfers.order_by("-transferred_on").first()
    if last is not None and on < last.transferred_on:
        message = "转接日期不能早于上一次转接（{day}）。"
        raise ValidationError({"on": message.format(day=last.transferred_on)})


def release_posts(member: Member, *, on: datetime.date) -> None:
    """A member who leaves a branch (or the party) leaves its committee and groups."""
    for seat in member.seats.current():
        seat.ended_on = max(on, seat.started_on)
        seat.save(update_fields=["ended_on"])
    member.led_groups.update(leader=None)
