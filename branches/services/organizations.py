"""Writes of an organisation's own records: terms and elections (换届), committee seats, party
groups and units served.

Every function checks its rules and raises `ValidationError` with a Chinese message before it
changes anything; each runs in one transaction, so a broken rule leaves no half-done write.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching, history

from ..models import (
    CommitteeSeat,
    Member,
    Organization,
    PartyGroup,
    ServedUnit,
    Term,
    TermLengthRule,
)
from ..models.terms import APPOINTED_NO_ELECTION

TEMPORARY_NO_ELECTION = "临时党支部不进行选举，不能登记换届选举。"


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
