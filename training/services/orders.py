"""Course orders (点菜 / 配菜): a branch orders from the menu, the work committee accepts,
reschedules or declines, assigns courses to branches and puts orders on the timetable.

Order changes are kept by django-simple-history (who, when, reason) and shown on the order's
page to both sides; the ordering branch is told through the bell.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching, history
from alxa_dangjian.core.notifications import notify
from branches.models import Organization

from ..models import Course, CourseOrder, TrainingClass
from .classes import new_session, require_class_manager, required_reason

Status = CourseOrder.Status
# Organisations that order courses and hold their own sessions.
ORDERING_TYPES = (*Organization.BRANCH_TYPES, Organization.Type.GENERAL_BRANCH)

NO_STAFF_RIGHT = "只有工委工作人员可以办理课程点单。"
NOT_OPEN = "该点单{status}，不能再办理。"


def ordering_organizations(user: User):
    """Organisations this user may order courses for: active branches (and 党总支) in scope."""
    if not user.may(roles.EDIT_RECORDS):
        return Organization.objects.none()
    return Organization.objects.visible_to(user).active().filter(type__in=ORDERING_TYPES)


def may_handle_orders(user: User) -> bool:
    """Accepting, rescheduling, declining, assigning and scheduling: the work committee."""
    return user.may(roles.PUBLISH)


def _require_staff(user: User) -> None:
    if not may_handle_orders(user):
        raise PermissionDenied(NO_STAFF_RIGHT)


def _save_order(order: CourseOrder, *, by: User, reason: str = "") -> None:
    order._history_user = by
    order._change_reason = reason
    order.save()


def _notify_branch(order: CourseOrder, title: str, body: str = "") -> None:
    users = User.objects.filter(organization=order.organization, is_active=True)
    notify(
        users,
        key=f"training-order-{order.pk}-{order.status}",
        title=title,
        body=body,
        url=order.get_absolute_url(),
    )


@transaction.atomic
def order_course(
    *,
    organization: Organization,
    course: Course,
    wished_on: datetime.date,
    audience: str,
    note: str = "",
    by: User,
) -> CourseOrder:
    """A branch orders a course from the menu (点菜) for a wished date."""
    if not by.may(roles.EDIT_RECORDS):
        raise PermissionDenied("您的角色无权点单。")
    if not scoping.contains(by, organization):
        raise PermissionDenied("您只能为本支部（或管理范围内的党支部）点单。")
    if not organization.is_active or organization.type not in ORDERING_TYPES:
        raise ValidationError({"organization": "只有党支部（含党总支）可以点单。"})
    if not course.is_active:
        raise ValidationError({"course": "该课程已下架，不能点单。"})
    if wished_on < timezone.localdate():
        raise ValidationError({"wished_on": "期望日期不能早于今天。"})
    order = CourseOrder(
        organization=organization,
        course=course,
        kind=CourseOrder.Kind.ORDERED,
        wished_on=wished_on,
        audience=audience,
        note=note.strip(),
        created_by=by,
    )
    order.full_clean()
    _save_order(order, by=by, reason="支部点单")
    staff = User.objects.filter(role=User.Role.STAFF, is_active=True)
    notify(
        staff,
        key=f"training-order-{order.pk}-new",
        title=f"{organization.display_name}点单：{course.title}",
        url=order.get_absolute_url(),
    )
    return order


def _open_order(order: CourseOrder) -> CourseOrder:
    locked = CourseOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if not locked.is_open:
        raise ValidationError(NOT_OPEN.format(status=locked.get_status_display()))
    return locked


@transaction.atomic
def accept_order(order: CourseOrder, *, by: User, reason: str = "") -> CourseOrder:
    """Staff accept an order for the wished date (or the date already proposed)."""
    _require_staff(by)
    order = _open_order(order)
    if order.status == Status.ACCEPTED:
        raise ValidationError("该点单已受理。")
    order.status = Status.ACCEPTED
    order.scheduled_on = order.scheduled_on or order.wished_on
    order.reason = (reason or "").strip()
    _save_order(order, by=by, reason=order.reason or "受理")
    _notify_branch(order, f"课程点单已受理：{order.course.title}")
    return order


@transaction.atomic
def reschedule_order(
    order: CourseOrder, *, scheduled_on: datetime.date, reason: str, by: User
) -> CourseOrder:
    """Staff propose another date, saying why."""
    _require_staff(by)
    reason = required_reason(reason, "改期")
    order = _open_order(order)
    if scheduled_on < timezone.localdate():
        raise ValidationError({"scheduled_on": "改期后的日期不能早于今天。"})
    order.status = Status.RESCHEDULED
    order.scheduled_on = scheduled_on
    order.reason = reason
    _save_order(order, by=by, reason=reason)
    _notify_branch(order, f"课程点单已改期：{order.course.title}", reason)
    return order


@transaction.atomic
def decline_order(order: CourseOrder, *, reason: str, by: User) -> CourseOrder:
    _require_staff(by)
    reason = required_reason(reason, "拒绝点单")
    order = _open_order(order)
    order.status = Status.DECLINED
    order.reason = reason
    _save_order(order, by=by, reason=reason)
    _notify_branch(order, f"课程点单未被受理：{order.course.title}", reason)
    return order


@transaction.atomic
def assign_course(
    *,
    course: Course,
    organizations: Iterable[Organization],
    scheduled_on: datetime.date,
    audience: str,
    note: str = "",
    by: User,
) -> list[CourseOrder]:
    """Staff assign (配菜) a course to branches themselves: one accepted order per branch."""
    _require_staff(by)
    organizations = list(organizations)
    if not organizations:
        raise ValidationError({"organizations": "请至少选择一个党支部。"})
    for organization in organizations:
        if not scoping.contains(by, organization):
            raise PermissionDenied("所选党组织不在您的管理范围内。")
        if not organization.is_active or organization.type not in ORDERING_TYPES:
            message = "“{name}”不是有效的党支部（含党总支），不能配菜。"
            raise ValidationError({"organizations": message.format(name=organization.name)})
    if not course.is_active:
        raise ValidationError({"course": "该课程已下架，不能配菜。"})
    orders = []
    for organization in organizations:
        order = CourseOrder(
            organization=organization,
            course=course,
            kind=CourseOrder.Kind.ASSIGNED,
            wished_on=scheduled_on,
            scheduled_on=scheduled_on,
            audience=audience,
            note=note.strip(),
            status=Status.ACCEPTED,
            created_by=by,
        )
        _save_order(order, by=by, reason="工委配菜")
        _notify_branch(order, f"工委为本支部配送课程：{course.title}", note)
        orders.append(order)
    return orders


@transaction.atomic
def schedule_class(
    order: CourseOrder,
    *,
    by: User,
    training_class: TrainingClass | None = None,
    location: str = "",
) -> TrainingClass:
    """Put an accepted order on the timetable: into an existing class (which must cover the
    ordering branch), or a new 支部培训 of the branch with the course as its one session."""
    caching.changed(caching.TRAINING)
    _require_staff(by)
    order = _open_order(order)
    if order.status == Status.PENDING:
        raise ValidationError("请先受理该点单，再排课。")
    if training_class is not None:
        if not scoping.in_subtree(order.organization, training_class.organization):
            message = "培训班“{title}”的主办党组织不包含“{org}”，不能排入该班。"
            raise ValidationError(
                message.format(title=training_class.title, org=order.organization.name)
            )
        require_class_manager(by, training_class)
    else:
        day = order.scheduled_on or order.wished_on
        training_class = TrainingClass(
            title=order.course.title,
            kind=TrainingClass.Kind.BRANCH,
            organization=order.organization,
            starts_on=day,
            ends_on=day,
            location=location.strip(),
            created_by=by,
        )
        history.attribute(training_class, by=by, reason="由点单排课")
        training_class.save()
        new_session(training_class, held_on=day, course=order.course, by=by)
    order.status = Status.SCHEDULED
    order.training_class = training_class
    order.scheduled_on = training_class.starts_on
    _save_order(order, by=by, reason="已排课")
    _notify_branch(order, f"课程已排课：{order.course.title}", str(training_class.starts_on))
    return training_class
