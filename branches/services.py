"""Writes of the branches app that touch several rows or leave a trail: members and their
transfers, terms and elections, committee seats, party groups, units served, ID reveals.

Every function checks its rules and raises `ValidationError` with a Chinese message before it
changes anything; each runs in one transaction, so a broken rule leaves no half-done write.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching, history
from alxa_dangjian.core.idnumber import normalize_id_number
from alxa_dangjian.core.models import PersonalDataLog

from .models import (
    CommitteeSeat,
    Member,
    MemberTransfer,
    Organization,
    PartyGroup,
    ServedUnit,
    Term,
    TermLengthRule,
)
from .models.organizations import APPOINTED_NO_ELECTION

TEMPORARY_NO_ELECTION = "临时党支部不进行选举，不能登记换届选举。"
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
        _release_posts(member, on=datetime.date.today())
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
    (branches/transfer_consent.py), and the receiver's acceptance calls this as the receiver.
    Afterwards the member belongs to the receiving branch, and the sender no longer sees them.
    """
    caching.changed(caching.MEMBERS, caching.ORGANIZATIONS)
    _check_transferable(member, on=on)
    check_receiver(member, to)
    if not may_act_on(by, to):
        raise ValidationError({"to": RECEIVER_MUST_ACCEPT})
    source = member.organization
    _release_posts(member, on=on)
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
    _check_transferable(member, on=on)
    to_external = to_external.strip()
    if not to_external:
        raise ValidationError({"to_external": "请填写接收党组织的名称。"})
    if not letter_number.strip():
        raise ValidationError({"letter_number": "请填写组织关系介绍信编号。"})
    _release_posts(member, on=on)
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


def _check_transferable(member: Member, *, on: datetime.date) -> None:
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


def _release_posts(member: Member, *, on: datetime.date) -> None:
    """A member who leaves a branch (or the party) leaves its committee and groups."""
    for seat in member.seats.current():
        seat.ended_on = max(on, seat.started_on)
        seat.save(update_fields=["ended_on"])
    member.led_groups.update(leader=None)


# Terms and elections (换届) ------------------------------------------------------------------


@transaction.atomic
def record_election(
    organization: Organization,
    *,
    elected_on: datetime.date,
    by: User,
    number: int | None = None,
    length_years: int | None = None,
    adjusted_end: datetime.date | None = None,
    adjustment_approval_no: str = "",
    note: str = "",
) -> Term:
    """An election: the current term ends on the election day and the next one begins.

    `number` defaults to the next 届次, `length_years` to the organisation type's rule in
    force on the election day (stored: a later rule change leaves the term as elected).
    """
    caching.changed(caching.ORGANIZATIONS)
    if organization.is_temporary:
        raise ValidationError(TEMPORARY_NO_ELECTION)
    if organization.type == Organization.Type.WORK_COMMITTEE:
        raise ValidationError(APPOINTED_NO_ELECTION)
    if not organization.is_active:
        raise ValidationError("该党组织已撤销，不能登记换届选举。")
    # Lock the organisation so two elections recorded at once cannot both take a number.
    Organization.objects.select_for_update().get(pk=organization.pk)
    terms = Term.objects.filter(organization=organization)
    last_number = terms.aggregate(n=Max("number"))["n"] or 0
    if number is None:
        number = last_number + 1
    elif number <= last_number:
        message = "届次须大于已登记的第{last}届。"
        raise ValidationError({"number": message.format(last=last_number)})
    if length_years is None:
        length_years = TermLengthRule.length_for(organization.type, elected_on)
        if length_years is None:
            raise ValidationError("尚未设置该类型党组织的任期规则，请联系系统管理员。")
    current = terms.current().first()
    if current is not None:
        if elected_on <= current.elected_on:
            message = "新一届的选举日期须晚于第{number}届的选举日期（{day}）。"
            raise ValidationError(
                {"elected_on": message.format(number=current.number, day=current.elected_on)}
            )
        current.actual_end = elected_on
        current.full_clean()
        current.save(update_fields=["actual_end"])
    term = Term(
        organization=organization,
        number=number,
        elected_on=elected_on,
        length_years=length_years,
        adjusted_end=adjusted_end,
        adjustment_approval_no=adjustment_approval_no.strip(),
        note=note.strip(),
    )
    term.full_clean()
    term.save()
    return term


# Committee seats, party groups, units -------------------------------------------------------


@transaction.atomic
def add_committee_seat(
    organization: Organization,
    *,
    member: Member,
    post: str,
    started_on: datetime.date,
    by: User,
) -> CommitteeSeat:
    caching.changed(caching.ORGANIZATIONS)
    seat = CommitteeSeat(organization=organization, member=member, post=post, started_on=started_on)
    seat.full_clean(validate_constraints=False)
    current = CommitteeSeat.objects.filter(organization=organization).current()
    if post == CommitteeSeat.Post.SECRETARY and current.filter(post=post).exists():
        raise ValidationError({"post": "已有现任书记，请先为原书记办理离任。"})
    if current.filter(post=post, member=member).exists():
        raise ValidationError({"post": "该党员已担任此职务。"})
    seat.save()
    return seat


@transaction.atomic
def end_committee_seat(seat: CommitteeSeat, *, on: datetime.date, by: User) -> CommitteeSeat:
    caching.changed(caching.ORGANIZATIONS)
    if not seat.is_current:
        raise ValidationError("该委员已离任。")
    seat.ended_on = on
    seat.full_clean(validate_constraints=False)
    seat.save(update_fields=["ended_on"])
    return seat


@transaction.atomic
def save_party_group(group: PartyGroup, *, by: User) -> PartyGroup:
    """Save a 党小组; its leader becomes one of its members (and leads no other group)."""
    caching.changed(caching.ORGANIZATIONS, caching.MEMBERS)
    group.full_clean()
    group.save()
    if group.leader_id:
        PartyGroup.objects.filter(leader=group.leader).exclude(pk=group.pk).update(leader=None)
        leader = Member.objects.get(pk=group.leader_id)
        if leader.party_group_id != group.pk:
            history.baseline(Member, [leader.pk])
            history.attribute(leader, by=by, reason=f"担任党小组组长：{group.name}")
            leader.party_group = group
            leader.save(update_fields=["party_group", "updated_at"])
    return group


@transaction.atomic
def delete_party_group(group: PartyGroup, *, by: User) -> None:
    """Its members stay in the branch, in no group."""
    caching.changed(caching.ORGANIZATIONS, caching.MEMBERS)
    group.delete()


@transaction.atomic
def add_served_unit(organization: Organization, *, name: str, by: User) -> ServedUnit:
    caching.changed(caching.ORGANIZATIONS)
    unit = ServedUnit(organization=organization, name=name.strip())
    if not unit.name:
        raise ValidationError({"name": "请填写单位名称。"})
    if ServedUnit.objects.filter(organization=organization, name=unit.name).exists():
        raise ValidationError({"name": "该单位已在列表中。"})
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def remove_served_unit(unit: ServedUnit, *, by: User) -> None:
    caching.changed(caching.ORGANIZATIONS)
    unit.delete()
