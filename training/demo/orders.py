"""The demo's course orders (点菜 / 配菜), a few in every status."""

import datetime

from simple_history.utils import bulk_create_with_history

from alxa_dangjian.accounts.models import User
from branches.models import Organization

from ..models import Course, CourseOrder, TrainingClass


def seed_orders(rng, recorder, today) -> int:
    """A few orders in every status; the demo secretary's branch has one pending and one
    scheduled, so both sides of 点菜 / 配菜 have something to show."""
    courses = list(Course.objects.active().order_by("pk"))
    sessions = list(
        TrainingClass.objects.filter(kind=TrainingClass.Kind.BRANCH, starts_on__year=today.year)
        .select_related("organization")
        .order_by("pk")[:20]
    )
    branches = list(
        Organization.objects.filter(
            type__in=(Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH), is_active=True
        ).order_by("path")
    )
    if not courses or not branches:
        return 0
    shuji = User.objects.filter(username="shuji").select_related("organization").first()
    favourite = shuji.organization if shuji and shuji.organization else branches[0]
    soon = today + datetime.timedelta(days=14)
    Status = CourseOrder.Status
    orders = [
        CourseOrder(
            organization=favourite,
            course=courses[1],
            wished_on=soon,
            audience="all_members",
            note="希望安排在周五下午",
            created_by=shuji or recorder,
        )
    ]
    statuses = [Status.PENDING] * 4 + [Status.ACCEPTED] * 3 + [Status.RESCHEDULED] * 2
    statuses += [Status.DECLINED] * 2
    for index, status in enumerate(statuses):
        branch = branches[(index * 7 + 3) % len(branches)]
        order = CourseOrder(
            organization=branch,
            course=courses[(index * 5) % len(courses)],
            kind=CourseOrder.Kind.ASSIGNED if index % 4 == 3 else CourseOrder.Kind.ORDERED,
            wished_on=soon + datetime.timedelta(days=index),
            status=status,
            created_by=recorder,
        )
        if status in (Status.ACCEPTED, Status.RESCHEDULED):
            order.scheduled_on = order.wished_on + datetime.timedelta(
                days=7 * (status != "accepted")
            )
        if status == Status.RESCHEDULED:
            order.reason = "授课教师当周有外出任务，顺延一周。"
        if status == Status.DECLINED:
            order.reason = "该课程本季度已排满，请选择其他课程或下季度再点。"
        orders.append(order)
    # Branch sessions of this year came from orders: scheduled, linked to their class.
    for training_class in sessions:
        course = next((c for c in courses if c.title == training_class.title), courses[0])
        orders.append(
            CourseOrder(
                organization=training_class.organization,
                course=course,
                wished_on=training_class.starts_on,
                scheduled_on=training_class.starts_on,
                status=Status.SCHEDULED,
                training_class=training_class,
                created_by=recorder,
            )
        )
    bulk_create_with_history(orders, CourseOrder, default_user=recorder)
    return len(orders)
