"""点菜 / 配菜: a branch orders, the work committee accepts, reschedules, declines, assigns and
schedules; every step is kept in the order's history."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from alxa_dangjian.core.models import Notification
from tests.training.factories import CourseFactory
from training.models import CourseOrder, TrainingClass
from training.services import classes
from training.services import orders as services

Status = CourseOrder.Status
TODAY = datetime.date.today()
NEXT_WEEK = TODAY + datetime.timedelta(days=7)


@pytest.fixture
def course(db):
    return CourseFactory(title="新时代党的组织路线", hours=Decimal(8))


@pytest.fixture
def order(course, branch_a, secretary):
    return services.order_course(
        organization=branch_a,
        course=course,
        wished_on=NEXT_WEEK,
        audience="all_members",
        by=secretary,
    )


def test_secretary_orders_for_own_branch_and_staff_are_told(staff, order, secretary):
    assert order.status == Status.PENDING and order.kind == CourseOrder.Kind.ORDERED
    assert order.created_by == secretary
    assert Notification.objects.filter(user=staff).exists()


def test_secretary_cannot_order_for_another_branch(course, branch_a2, secretary):
    with pytest.raises(PermissionDenied):
        services.order_course(
            organization=branch_a2,
            course=course,
            wished_on=NEXT_WEEK,
            audience="all_members",
            by=secretary,
        )
    assert not CourseOrder.objects.exists()


def test_order_in_the_past_or_of_a_withdrawn_course_is_refused(course, branch_a, secretary):
    with pytest.raises(ValidationError, match="期望日期不能早于今天"):
        services.order_course(
            organization=branch_a,
            course=course,
            wished_on=TODAY - datetime.timedelta(days=1),
            audience="all_members",
            by=secretary,
        )
    course.is_active = False
    course.save()
    with pytest.raises(ValidationError, match="已下架"):
        services.order_course(
            organization=branch_a,
            course=course,
            wished_on=NEXT_WEEK,
            audience="all_members",
            by=secretary,
        )
    assert not CourseOrder.objects.exists()


def test_only_staff_handle_orders(order, secretary, committee_admin):
    for user in (secretary, committee_admin):
        with pytest.raises(PermissionDenied):
            services.accept_order(order, by=user)
        with pytest.raises(PermissionDenied):
            services.decline_order(order, reason="不需要", by=user)
    order.refresh_from_db()
    assert order.status == Status.PENDING


def test_accept_then_schedule_creates_the_branch_class(order, staff, secretary, branch_a):
    services.accept_order(order, by=staff)
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED and order.scheduled_on == NEXT_WEEK
    training_class = services.schedule_class(order, by=staff, location="党员活动室")
    order.refresh_from_db()
    assert order.status == Status.SCHEDULED and order.training_class == training_class
    assert training_class.organization == branch_a
    assert training_class.kind == TrainingClass.Kind.BRANCH
    assert training_class.length_hours == Decimal(8)
    assert training_class.sessions.get().course == order.course
    assert Notification.objects.filter(user=secretary).count() == 2
    kinds = list(order.history.order_by("history_id").values_list("status", flat=True))
    assert kinds == [Status.PENDING, Status.ACCEPTED, Status.SCHEDULED]
    assert order.history.first().history_user == staff


def test_schedule_needs_acceptance_first(order, staff):
    with pytest.raises(ValidationError, match="请先受理"):
        services.schedule_class(order, by=staff)


def test_reschedule_and_decline_need_a_reason(order, staff):
    with pytest.raises(ValidationError, match="改期须填写理由"):
        services.reschedule_order(order, scheduled_on=NEXT_WEEK, reason=" ", by=staff)
    with pytest.raises(ValidationError, match="拒绝点单须填写理由"):
        services.decline_order(order, reason="", by=staff)
    later = NEXT_WEEK + datetime.timedelta(days=7)
    services.reschedule_order(order, scheduled_on=later, reason="授课教师出差", by=staff)
    order.refresh_from_db()
    assert (order.status, order.scheduled_on, order.reason) == (
        Status.RESCHEDULED,
        later,
        "授课教师出差",
    )
    assert order.history.first().history_change_reason == "授课教师出差"
    services.decline_order(order, reason="本年度名额已满", by=staff)
    order.refresh_from_db()
    assert order.status == Status.DECLINED
    with pytest.raises(ValidationError, match="该点单已拒绝"):
        services.accept_order(order, by=staff)


def test_schedule_into_an_existing_class_must_cover_the_branch(
    order, staff, branch_a2, committee_a
):
    services.accept_order(order, by=staff)
    elsewhere = classes.create_class(
        by=staff,
        title="乙班",
        kind="branch",
        organization=branch_a2,
        starts_on=NEXT_WEEK,
        ends_on=NEXT_WEEK,
    )
    with pytest.raises(ValidationError, match="不包含“甲局第一党支部”"):
        services.schedule_class(order, training_class=elsewhere, by=staff)
    covering = classes.create_class(
        by=staff,
        title="甲局示范班",
        kind="demonstration",
        organization=committee_a,
        starts_on=NEXT_WEEK,
        ends_on=NEXT_WEEK,
    )
    assert services.schedule_class(order, training_class=covering, by=staff) == covering


def test_staff_assign_a_course_to_branches(course, staff, branch_a, branch_a2, secretary):
    orders = services.assign_course(
        course=course,
        organizations=[branch_a, branch_a2],
        scheduled_on=NEXT_WEEK,
        audience="committee",
        by=staff,
    )
    assert [(o.kind, o.status) for o in orders] == [
        (CourseOrder.Kind.ASSIGNED, Status.ACCEPTED)
    ] * 2
    assert Notification.objects.filter(user=secretary).exists()


def test_assign_to_a_committee_is_refused(course, staff, committee_a):
    with pytest.raises(ValidationError, match="不是有效的党支部"):
        services.assign_course(
            course=course,
            organizations=[committee_a],
            scheduled_on=NEXT_WEEK,
            audience="committee",
            by=staff,
        )
    assert not CourseOrder.objects.exists()
