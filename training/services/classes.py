"""Writes of training classes: the class, its timetable (sessions and their 学时), enrolment
and sign-in.

Each function checks who may act, applies the rule and writes in one transaction. A broken
rule is a Chinese ValidationError naming the person or row; a role or scope that may not act
at all is a PermissionDenied.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching, history
from branches.models import Member

from ..hours import hours_text, session_credit
from ..models import ClassSession, Course, Enrollment, HourCounting, TrainingClass


def may_manage_class(user: User, training_class: TrainingClass) -> bool:
    """Staff manage every class in scope; a branch's editors manage its own sessions."""
    if not scoping.contains(user, training_class.organization):
        return False
    if user.may(roles.PUBLISH):
        return True
    return user.may(roles.EDIT_RECORDS) and training_class.kind == TrainingClass.Kind.BRANCH


def require_class_manager(user: User, training_class: TrainingClass) -> None:
    if not may_manage_class(user, training_class):
        raise PermissionDenied("您无权管理该培训班。")


def required_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"{what}须填写理由。"})
    return reason


@transaction.atomic
def create_class(*, by: User, **fields) -> TrainingClass:
    """A new class; a 示范培训班 is the work committee's, a 支部培训 its branch's."""
    caching.changed(caching.TRAINING)
    training_class = TrainingClass(created_by=by, **fields)
    if training_class.kind == TrainingClass.Kind.DEMONSTRATION and not by.may(roles.PUBLISH):
        raise PermissionDenied("示范培训班由工委工作人员创建。")
    require_class_manager(by, training_class)
    training_class.full_clean()
    history.attribute(training_class, by=by)
    training_class.save()
    return training_class


@transaction.atomic
def update_class(
    training_class: TrainingClass, *, by: User, reason: str = "", **fields
) -> TrainingClass:
    caching.changed(caching.TRAINING)
    require_class_manager(by, training_class)
    history.baseline(TrainingClass, [training_class.pk])
    for name, value in fields.items():
        setattr(training_class, name, value)
    training_class.full_clean()
    sessions = training_class.sessions.all()
    outside = [
        s for s in sessions if not training_class.starts_on <= s.held_on <= training_class.ends_on
    ]
    if outside:
        raise ValidationError(
            "已有课程安排在新的起止日期之外（{day}），请先调整课程安排。".format(
                day=outside[0].held_on
            )
        )
    history.attribute(training_class, by=by, reason=reason)
    training_class.save()
    return training_class


def new_session(
    training_class: TrainingClass,
    *,
    held_on: datetime.date,
    course: Course | None = None,
    duration: str | None = None,
    clock_hours: Decimal | None = None,
    topic: str = "",
    by: User | None = None,
) -> ClassSession:
    """Put a session on the class's timetable; the caller has checked who may (`add_session`,
    or scheduling an order)."""
    counting = HourCounting.objects.for_year(held_on.year)
    if duration is None:
        # A course from the menu: its 学时 as a full day, a half day, or hours.
        if course.hours == counting.full_day:
            duration = ClassSession.Duration.FULL_DAY
        elif course.hours == counting.half_day:
            duration = ClassSession.Duration.HALF_DAY
        else:
            duration = ClassSession.Duration.HOURS
            clock_hours = course.hours / (counting.per_hour or 1)
    if duration != ClassSession.Duration.HOURS:
        clock_hours = None
    elif not clock_hours or clock_hours <= 0:
        raise ValidationError({"clock_hours": "按小时计时须填写小时数。"})
    if not training_class.starts_on <= held_on <= training_class.ends_on:
        raise ValidationError({"held_on": "课程日期须在培训班起止日期之内。"})
    session = ClassSession(
        training_class=training_class,
        held_on=held_on,
        duration=duration,
        clock_hours=clock_hours,
        course=course,
        topic=topic.strip(),
        credit_hours=session_credit(duration, clock_hours, counting),
    )
    if by is not None:
        history.attribute(session, by=by)
    session.save()
    _refresh_length(training_class)
    return session


def _refresh_length(training_class: TrainingClass) -> None:
    total = training_class.sessions.aggregate(total=Sum("credit_hours"))["total"] or Decimal(0)
    training_class.length_hours = total
    TrainingClass.objects.filter(pk=training_class.pk).update(length_hours=total)


@transaction.atomic
def add_session(training_class: TrainingClass, *, by: User, **fields) -> ClassSession:
    caching.changed(caching.TRAINING)
    require_class_manager(by, training_class)
    return new_session(training_class, by=by, **fields)


@transaction.atomic
def remove_session(session: ClassSession, *, by: User, reason: str = "") -> None:
    """A session may go only if everyone's hours still fit in the shorter class."""
    caching.changed(caching.TRAINING)
    training_class = session.training_class
    require_class_manager(by, training_class)
    remaining = training_class.length_hours - session.credit_hours
    over = training_class.enrollments.filter(hours_earned__gt=remaining).select_related("member")
    if first := over.first():
        message = "{name}已登记{hours}学时，删除该课程后培训班只有{left}学时，请先调整其学时。"
        raise ValidationError(
            message.format(
                name=first.member.name,
                hours=hours_text(first.hours_earned),
                left=hours_text(remaining),
            )
        )
    history.baseline(ClassSession, [session.pk])
    history.attribute(session, by=by, reason=reason)
    session.delete()
    _refresh_length(training_class)


def check_member_for_class(training_class: TrainingClass, member: Member) -> str | None:
    """Why `member` may not attend `training_class` (a Chinese sentence naming them), or None.

    A class is for the members of its organisation's subtree: for a branch's class, the
    ordering branch and its sub-organisations."""
    if not scoping.in_subtree(member.organization, training_class.organization):
        message = "{name}不是“{org}”及其下级组织的党员，不能参加该培训班。"
        return message.format(name=member.name, org=training_class.organization.name)
    if member.standing != Member.Standing.NORMAL:
        message = "{name}的党籍状态为“{standing}”，不能参加培训。"
        return message.format(name=member.name, standing=member.get_standing_display())
    return None


def check_hours(training_class: TrainingClass, member: Member, hours: Decimal) -> str | None:
    if not training_class.length_hours:
        return "培训班尚未安排课程（总学时为0），请先添加课程安排，再登记签到。"
    if hours < 0:
        return f"{member.name}的学时不能为负数。"
    if hours > training_class.length_hours:
        message = "{name}登记的{hours}学时超过了培训班的总学时{length}。"
        return message.format(
            name=member.name,
            hours=hours_text(hours),
            length=hours_text(training_class.length_hours),
        )
    return None


@transaction.atomic
def enroll(
    training_class: TrainingClass, members: Iterable[Member], *, by: User
) -> list[Enrollment]:
    """Enrol members (already enrolled ones are left as they are); all or none."""
    caching.changed(caching.TRAINING)
    require_class_manager(by, training_class)
    members = list(members)
    problems = [p for m in members if (p := check_member_for_class(training_class, m))]
    if problems:
        raise ValidationError(problems)
    enrolled = set(training_class.enrollments.values_list("member_id", flat=True))
    new = [
        Enrollment(training_class=training_class, member=m, recorded_by=by)
        for m in {m.pk: m for m in members}.values()
        if m.pk not in enrolled
    ]
    created = Enrollment.objects.bulk_create(new)
    Enrollment.history.bulk_history_create(created, default_user=by)
    return created


@dataclass(frozen=True)
class SignIn:
    """One person's attendance: `hours` None means the whole class."""

    member: Member
    signed_in: bool = True
    hours: Decimal | None = None


@transaction.atomic
def record_sign_ins(
    training_class: TrainingClass,
    entries: Sequence[SignIn],
    *,
    by: User,
    source: str = Enrollment.Source.MANUAL,
) -> list[Enrollment]:
    """Record who signed in and the 学时 each earned; a person not yet enrolled is enrolled.
    Every problem is collected and nothing is saved when there is one."""
    caching.changed(caching.TRAINING)
    require_class_manager(by, training_class)
    existing = {e.member_id: e for e in training_class.enrollments.all()}
    before = {e.pk: _attendance(e) for e in existing.values()}
    problems, rows = [], []
    now = timezone.now()
    for entry in entries:
        member = entry.member
        if problem := check_member_for_class(training_class, member):
            problems.append(problem)
            continue
        hours = Decimal(0)
        if entry.signed_in:
            hours = training_class.length_hours if entry.hours is None else entry.hours
            if problem := check_hours(training_class, member, hours):
                problems.append(problem)
                continue
        enrollment = existing.get(member.pk) or Enrollment(
            training_class=training_class, member=member
        )
        enrollment.signed_in = entry.signed_in
        enrollment.signed_in_at = now if entry.signed_in else None
        enrollment.hours_earned = hours
        enrollment.source = source
        enrollment.recorded_by = by
        rows.append(enrollment)
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))
    created = [e for e in rows if e.pk is None]
    # Changed rows only: a sheet saved again unchanged leaves no history.
    updated = [e for e in rows if e.pk is not None and _attendance(e) != before[e.pk]]
    history.baseline(Enrollment, [e.pk for e in updated])
    Enrollment.objects.bulk_create(created)
    for enrollment in updated:
        enrollment.updated_at = now
    fields = ["signed_in", "signed_in_at", "hours_earned", "source", "recorded_by", "updated_at"]
    Enrollment.objects.bulk_update(updated, fields)
    Enrollment.history.bulk_history_create(created, default_user=by)
    Enrollment.history.bulk_history_create(updated, update=True, default_user=by)
    return rows


def _attendance(enrollment: Enrollment) -> tuple:
    return (enrollment.signed_in, enrollment.hours_earned, enrollment.source)


@transaction.atomic
def withdraw(enrollment: Enrollment, *, by: User, reason: str) -> None:
    """Remove an enrolment (e.g. entered by mistake); hours earned go with it. The removal is
    kept in the history (who, when, what it held, `reason`, which is required)."""
    caching.changed(caching.TRAINING)
    require_class_manager(by, enrollment.training_class)
    reason = required_reason(reason, "删除参训记录")
    history.baseline(Enrollment, [enrollment.pk])
    history.attribute(enrollment, by=by, reason=reason)
    enrollment.delete()
