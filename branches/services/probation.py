"""The 支部大会's decisions on a probationary member (发展党员工作细则): extend the probation,
cancel it, or confirm the member — each by a recorded vote of the members entitled that day.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alxa_dangjian.core import caching, history

from ..models import (
    DevelopmentCase,
    Member,
    ProbationDecision,
    Step,
)
from ..rules.development import chinese_day
from ..rules.votes import check_vote
from .development import clean_member
from .members import release_posts

logger = logging.getLogger("branches.development")


def _check_probation_decision(member: Member, *, held_on: datetime.date) -> None:
    if member.status != Member.Status.PROBATIONARY:
        raise ValidationError("只能对预备党员作出转正、延长预备期或取消预备党员资格的决定。")
    if member.standing != Member.Standing.NORMAL:
        message = "该党员党籍状态为“{standing}”，不能作出此决定。"
        raise ValidationError(message.format(standing=member.get_standing_display()))
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "支部大会日期不能晚于今天。"})
    if held_on <= member.joined_on:
        raise ValidationError({"held_on": "支部大会日期须晚于入党日期。"})
    case = DevelopmentCase.objects.filter(member=member).first()
    if case is not None and case.steps.filter(step=Step.CONFIRMATION_MEETING).exists():
        raise ValidationError("支部大会已讨论通过其转正，不能再作此决定。")


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写理由。"})
    if len(reason) > 200:
        raise ValidationError({"reason": "理由不能超过200个字。"})
    return reason


def _vote(member: Member, kind: str, *, held_on, present_voters, votes_for) -> dict:
    """The 支部大会's vote on a probation decision, checked against the roster of the day
    (refused with a Chinese message when it fails): the decision row's fields."""
    entitled = check_vote(
        member.organization,
        held_on=held_on,
        present_voters=present_voters,
        votes_for=votes_for,
        decision=ProbationDecision.Kind(kind).label,
    )
    return {
        "member": member,
        "kind": kind,
        "held_on": held_on,
        "entitled_voters": entitled,
        "present_voters": present_voters,
        "votes_for": votes_for,
    }


@transaction.atomic
def extend_probation(
    member: Member,
    *,
    held_on: datetime.date,
    months: int,
    reason: str,
    present_voters: int | None,
    votes_for: int | None,
    by,
) -> ProbationDecision:
    """延长预备期 by a 支部大会 vote: 6 to 12 months, once (党章第七条).
    转正 then waits for the extended end (`Member.probation_end`)."""
    caching.changed(caching.MEMBERS, caching.DEVELOPMENT)
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    _check_probation_decision(member, held_on=held_on)
    if (
        member.probation_extension_months
        or member.probation_decisions.filter(kind=ProbationDecision.Kind.EXTEND).exists()
    ):
        raise ValidationError("预备期只能延长一次，该党员的预备期已经延长过。")
    if not 6 <= months <= 12:
        raise ValidationError({"months": "延长预备期为6至12个月。"})
    reason = _clean_reason(reason)
    vote = _vote(
        member,
        ProbationDecision.Kind.EXTEND,
        held_on=held_on,
        present_voters=present_voters,
        votes_for=votes_for,
    )
    member.probation_extension_months = months
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason=f"支部大会决定延长预备期：{reason}")
    member.save(update_fields=["probation_extension_months", "updated_at"])
    decision = ProbationDecision.objects.create(
        **vote,
        months=months,
        reason=reason,
        recorded_by=by,
    )
    logger.info("member %s: probation extended by %s", member.pk, by.username)
    return decision


@transaction.atomic
def cancel_probation(
    member: Member,
    *,
    held_on: datetime.date,
    reason: str,
    present_voters: int | None,
    votes_for: int | None,
    by,
) -> ProbationDecision:
    """取消预备党员资格 by a 支部大会 vote: the member leaves the party (standing 出党) and
    every post; the development case, if any, is closed with the decision as its reason."""
    caching.changed(caching.MEMBERS, caching.DEVELOPMENT, caching.ORGANIZATIONS)
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    _check_probation_decision(member, held_on=held_on)
    reason = _clean_reason(reason)
    vote = _vote(
        member,
        ProbationDecision.Kind.CANCEL,
        held_on=held_on,
        present_voters=present_voters,
        votes_for=votes_for,
    )
    member.standing = Member.Standing.EXPELLED
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason=f"支部大会决定取消预备党员资格：{reason}")
    member.save(update_fields=["standing", "updated_at"])
    release_posts(member, on=held_on)
    DevelopmentCase.objects.filter(member=member, is_closed=False).update(
        is_closed=True,
        closed_reason=f"支部大会决定取消预备党员资格：{reason}"[:200],
        closed_at=timezone.now(),
    )
    decision = ProbationDecision.objects.create(
        **vote,
        reason=reason,
        recorded_by=by,
    )
    logger.info("member %s: probationary membership cancelled by %s", member.pk, by.username)
    return decision


@transaction.atomic
def confirm_probation(
    member: Member,
    *,
    held_on: datetime.date,
    reason: str = "",
    present_voters: int | None,
    votes_for: int | None,
    by,
) -> ProbationDecision:
    """转正 of a probationary member entered without a development case (e.g. transferred in
    or imported): the 支部大会 vote once probation has ended; 转正日期 is its last day.
    A member with a case is confirmed through the case's two steps (meeting, approval)."""
    caching.changed(caching.MEMBERS, caching.DEVELOPMENT)
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    if DevelopmentCase.objects.filter(member=member).exists():
        raise ValidationError(
            "该党员有发展党员档案，请在档案中登记“支部大会讨论预备党员转正”和“上级党委审批转正”。"
        )
    _check_probation_decision(member, held_on=held_on)
    if held_on < member.probation_end:
        message = "预备期至{end}期满，期满前不能讨论转正。"
        raise ValidationError({"held_on": message.format(end=chinese_day(member.probation_end))})
    vote = _vote(
        member,
        ProbationDecision.Kind.CONFIRM,
        held_on=held_on,
        present_voters=present_voters,
        votes_for=votes_for,
    )
    member.status = Member.Status.FULL
    member.confirmed_on = member.probation_end
    clean_member(member, "无法更新党员档案")
    history.baseline(Member, [member.pk])
    history.attribute(member, by=by, reason="预备党员转正")
    member.save(update_fields=["status", "confirmed_on", "updated_at"])
    decision = ProbationDecision.objects.create(
        **vote,
        reason=(reason or "").strip()[:200],
        recorded_by=by,
    )
    logger.info("member %s: confirmed by %s", member.pk, by.username)
    return decision
