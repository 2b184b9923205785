"""The 支部大会's votes on admission, 转正, 延长预备期 and 取消预备党员资格 (发展党员工作细则).

A decision passes when the yes votes exceed half of the members entitled to vote. Who is
entitled is read from the roster on the meeting day, never typed: the 正式党员 of the branch
that day. The roster of a past day is rebuilt from the members' transfer history
(`MemberTransfer`): a transfer counts from its date, so a member transferred out on the
meeting day votes at the receiving branch, not here. Full membership counts from 转正日期
(or, when none is recorded, the end of probation).

Not dated, hence not rebuilt: standing changes other than transfers (停止党籍, 出党, 死亡)
are applied to every day, and suspended voting rights (留党察看) are not modelled: a member
under 留党察看 must be counted out by hand in the present and yes figures, which is why
they are checked only as upper bounds.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q

from ..models import Member, MemberTransfer, Organization


def vote_passes(*, entitled_voters: int, votes_for: int) -> bool:
    """More yes votes than half of the members entitled to vote (exactly half fails)."""
    return votes_for * 2 > entitled_voters


def entitled_voters(organization: Organization, day: datetime.date) -> list[Member]:
    """The members entitled to vote at `organization`'s 支部大会 on `day`, by name."""
    touched = MemberTransfer.objects.filter(
        Q(from_organization=organization) | Q(to_organization=organization)
    ).values("member")
    candidates = (
        Member.objects.filter(Q(organization=organization) | Q(pk__in=touched))
        .filter(
            status=Member.Status.FULL,
            standing__in=[Member.Standing.NORMAL, Member.Standing.TRANSFERRED_OUT],
            joined_on__lte=day,
        )
        .prefetch_related(
            Prefetch(
                "transfers",
                queryset=MemberTransfer.objects.order_by("transferred_on", "recorded_at", "pk"),
            )
        )
        .order_by("name", "pk")
    )
    return [
        member
        for member in candidates
        if (member.confirmed_on or member.probation_end) <= day
        and _organization_on(member, day) == organization.pk
    ]


def _organization_on(member: Member, day: datetime.date) -> int | None:
    """Where the member's relationship was kept on `day` (None: outside the system)."""
    transfers = list(member.transfers.all())
    past = [transfer for transfer in transfers if transfer.transferred_on <= day]
    if past:
        last = past[-1]
        return None if last.kind == MemberTransfer.Kind.OUT else last.to_organization_id
    if transfers:  # the first move after the day tells where they were before it
        return transfers[0].from_organization_id
    # 转出 without a transfer record is undated: it applies to every day.
    return member.organization_id if member.standing == Member.Standing.NORMAL else None


def check_vote(
    organization: Organization,
    *,
    held_on: datetime.date,
    present_voters: int | None,
    votes_for: int | None,
    decision: str,
) -> int:
    """Check a recorded vote against the roster of the meeting day; returns the number
    entitled. `decision` names what was voted on, for the messages (e.g. "接收")."""
    if present_voters is None or votes_for is None:
        raise ValidationError("请填写支部大会到会有表决权的党员数和赞成票数。")
    entitled = len(entitled_voters(organization, held_on))
    if entitled < 1:
        raise ValidationError(
            "{day}本支部没有有表决权的正式党员，不能登记支部大会表决。".format(day=_day(held_on))
        )
    if present_voters > entitled:
        message = "到会有表决权的党员{present}人，多于{day}本支部有表决权的正式党员{n}人。"
        raise ValidationError(message.format(present=present_voters, day=_day(held_on), n=entitled))
    if votes_for > present_voters:
        raise ValidationError("赞成票数不能多于到会有表决权的党员数。")
    if not vote_passes(entitled_voters=entitled, votes_for=votes_for):
        message = (
            "赞成票{yes}票，未超过有表决权党员{n}人的半数，支部大会未通过{decision}，不能登记。"
        )
        raise ValidationError(message.format(yes=votes_for, n=entitled, decision=decision))
    return entitled


def _day(value: datetime.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"
