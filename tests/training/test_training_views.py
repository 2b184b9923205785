"""The training pages: who sees and does what, the order flow through the pages, sign-in,
the hours on a member's page, and query counts that do not grow with rows."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import MemberFactory
from tests.training.factories import (
    CourseFactory,
    CourseOrderFactory,
    TeacherFactory,
    TrainingClassFactory,
)
from training.models import ClassSession, CourseOrder, Enrollment, Teacher
from training.services import classes as services

TODAY = datetime.date.today()
NEXT_WEEK = TODAY + datetime.timedelta(days=7)


@pytest.fixture
def training_class(branch_a, staff):
    training_class = TrainingClassFactory(
        title="甲局党章学习班",
        organization=branch_a,
        starts_on=TODAY,
        ends_on=TODAY,
        created_by=staff,
    )
    services.add_session(
        training_class, held_on=TODAY, duration=ClassSession.Duration.FULL_DAY, by=staff
    )
    training_class.refresh_from_db()
    return training_class


# Teacher pool and menu ----------------------------------------------------------------------


def test_everyone_reads_the_teacher_pool_but_only_staff_edit(client, secretary, staff):
    teacher = TeacherFactory(name="刘老师", phone="13912345678")
    client.force_login(secretary)
    page = client.get(teacher.get_absolute_url()).content.decode()
    assert "刘老师" in page and "139****5678" in page and "13912345678" not in page
    assert client.get(reverse("training:teacher-edit", args=[teacher.pk])).status_code == 403
    client.force_login(staff)
    response = client.post(
        reverse("training:teacher-create"),
        {"name": "陈老师", "unit": "盟委党校", "source": "self", "status": "pending"},
    )
    assert response.status_code == 302
    assert Teacher.objects.get(name="陈老师").status == Teacher.Status.PENDING


def test_pending_teachers_are_listed_only_for_staff(client, secretary, staff):
    TeacherFactory(name="待审老师", status=Teacher.Status.PENDING)
    client.force_login(secretary)
    assert "待审老师" not in client.get(reverse("training:teacher-list")).content.decode()
    client.force_login(staff)
    assert "待审老师" in client.get(reverse("training:teacher-list")).content.decode()


def test_teacher_and_course_lists_queries_do_not_grow(
    client, secretary, django_assert_max_num_queries
):
    for teacher in TeacherFactory.create_batch(25):
        CourseFactory(teacher=teacher)
    client.force_login(secretary)
    # session, user, organisation, notifications; count, page
    with django_assert_max_num_queries(7):
        assert client.get(reverse("training:teacher-list")).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("training:course-list")).status_code == 200


def test_scheme_page_shows_the_sample(client, secretary, django_assert_max_num_queries):
    client.force_login(secretary)
    # session, user, organisation, notifications; schemes, components, rules, countings;
    # the latest changes to hour rules, countings, schemes and components
    with django_assert_max_num_queries(13):
        page = client.get(reverse("training:scheme-list")).content.decode()
    assert "2+1+10+N" in page and "示例" in page and "56" in page


# Orders ----------------------------------------------------------------------------------------


def test_order_flow_through_the_pages(client, secretary, staff, branch_a):
    course = CourseFactory(title="党史专题", hours=Decimal(4))
    client.force_login(secretary)
    response = client.post(
        reverse("training:courseorder-create"),
        {
            "organization": branch_a.pk,
            "course": course.pk,
            "wished_on": NEXT_WEEK.isoformat(),
            "audience": "all_members",
        },
    )
    order = CourseOrder.objects.get()
    assert response.url == order.get_absolute_url()
    assert client.post(reverse("training:courseorder-accept", args=[order.pk])).status_code == 403

    client.force_login(staff)
    client.post(reverse("training:courseorder-decline", args=[order.pk]), {"reason": ""})
    order.refresh_from_db()
    assert order.status == CourseOrder.Status.PENDING  # no reason, no decline
    client.post(reverse("training:courseorder-accept", args=[order.pk]))
    response = client.post(reverse("training:courseorder-schedule", args=[order.pk]), {})
    order.refresh_from_db()
    assert order.status == CourseOrder.Status.SCHEDULED
    assert response.url == order.training_class.get_absolute_url()

    client.force_login(secretary)
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="history"' in page and "已排课" in page and "已受理" in page
    assert 'data-testid="order-actions"' not in page


def test_secretary_sees_only_own_branch_orders(
    client, secretary, branch_a, branch_a2, django_assert_max_num_queries
):
    CourseOrderFactory.create_batch(20, organization=branch_a, course__title="甲课")
    CourseOrderFactory(organization=branch_a2, course__title="邻支部的课")
    client.force_login(secretary)
    # session, user, organisation, notifications; count, page with branch, course and class
    with django_assert_max_num_queries(7):
        page = client.get(reverse("training:courseorder-list")).content.decode()
    assert "甲课" in page and "邻支部的课" not in page


def test_assign_form_offers_only_branches(client, staff, branch_a, committee_a):
    course = CourseFactory()
    client.force_login(staff)
    response = client.post(
        reverse("training:courseorder-assign"),
        {
            "course": course.pk,
            "organizations": [committee_a.pk],
            "scheduled_on": NEXT_WEEK.isoformat(),
            "audience": "committee",
        },
    )
    assert response.status_code == 200 and not CourseOrder.objects.exists()
    client.post(
        reverse("training:courseorder-assign"),
        {
            "course": course.pk,
            "organizations": [branch_a.pk],
            "scheduled_on": NEXT_WEEK.isoformat(),
            "audience": "committee",
        },
    )
    assert CourseOrder.objects.get().kind == CourseOrder.Kind.ASSIGNED


# Classes, enrolment and sign-in ------------------------------------------------------------------


def test_class_list_queries_do_not_grow(
    client, secretary, branch_a, branch_b, staff, django_assert_max_num_queries
):
    for n in range(25):
        TrainingClassFactory(title=f"班{n}", organization=branch_a, created_by=staff)
    TrainingClassFactory(title="邻支部的班", organization=branch_b, created_by=staff)
    client.force_login(secretary)
    # session, user, organisation, notifications; count, page with counts
    with django_assert_max_num_queries(7):
        page = client.get(reverse("training:trainingclass-list")).content.decode()
    assert "班24" in page and "邻支部的班" not in page


@pytest.mark.parametrize("size", [2, 20])
def test_class_page_queries_do_not_grow(
    client, secretary, training_class, branch_a, staff, size, django_assert_max_num_queries
):
    members = MemberFactory.create_batch(size, organization=branch_a)
    services.enroll(training_class, members[:-1], by=staff)
    client.force_login(secretary)
    # session, user, organisation, notifications, class; sessions, enrolments, orders,
    # branches, candidates (twice: emptiness test and the form); 变更记录: the class's,
    # sessions' and enrolments' history, the enrolled members' names, the organisation named
    with django_assert_max_num_queries(17):
        assert client.get(training_class.get_absolute_url()).status_code == 200


def test_enrol_through_the_page_refuses_a_member_of_another_branch(
    client, secretary, training_class, branch_a, branch_a2, committee_admin
):
    inside = MemberFactory(organization=branch_a, name="本支部党员")
    outside = MemberFactory(organization=branch_a2, name="邻支部党员")
    client.force_login(committee_admin)
    url = reverse("training:trainingclass-enroll", args=[training_class.pk])
    response = client.post(url, {"members": [inside.pk, outside.pk]}, follow=True)
    assert "邻支部党员不是“甲局第一党支部”及其下级组织的党员" in response.content.decode()
    assert not Enrollment.objects.exists()
    client.post(url, {"members": [inside.pk]})
    assert training_class.enrollments.get().member == inside


def test_sign_in_form_records_hours_and_refuses_too_many(
    client, secretary, training_class, branch_a, staff
):
    first = MemberFactory(organization=branch_a, name="签到甲")
    second = MemberFactory(organization=branch_a, name="签到乙")
    services.enroll(training_class, [first, second], by=staff)
    e1, e2 = (training_class.enrollments.get(member=m) for m in (first, second))
    client.force_login(secretary)
    url = reverse("training:trainingclass-signin", args=[training_class.pk])
    response = client.post(
        url,
        {f"signed_{e1.pk}": "on", f"signed_{e2.pk}": "on", f"hours_{e2.pk}": "2天"},
        follow=True,
    )
    assert "签到乙登记的16学时超过了培训班的总学时8" in response.content.decode()
    assert not Enrollment.objects.filter(signed_in=True).exists()
    client.post(url, {f"signed_{e1.pk}": "on", f"signed_{e2.pk}": "on", f"hours_{e2.pk}": "半天"})
    hours = dict(training_class.enrollments.values_list("member__name", "hours_earned"))
    assert hours == {"签到甲": Decimal(8), "签到乙": Decimal(4)}


def test_secretary_cannot_manage_a_demonstration_class_of_the_committee(
    client, secretary, committee_admin, committee_a, staff
):
    demo = TrainingClassFactory(organization=committee_a, kind="demonstration", created_by=staff)
    client.force_login(committee_admin)
    assert client.get(demo.get_absolute_url()).status_code == 200
    url = reverse("training:trainingclass-signin", args=[demo.pk])
    assert client.post(url).status_code == 403
    client.force_login(secretary)
    assert client.get(demo.get_absolute_url()).status_code == 404


def test_sign_in_sheet_download_lists_the_enrolled(
    client, secretary, training_class, branch_a, staff
):

    member = MemberFactory(organization=branch_a, name="表中人")
    services.enroll(training_class, [member], by=staff)
    client.force_login(secretary)
    response = client.get(reverse("training:trainingclass-template", args=[training_class.pk]))
    sheet = load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
    assert [c.value for c in sheet[2]][:3] == [
        str(training_class.pk),
        "表中人",
        member.id_number[-4:],
    ]


# The member page --------------------------------------------------------------------------------


def test_member_page_shows_this_years_hours(client, secretary, training_class, branch_a, staff):
    member = MemberFactory(organization=branch_a)
    services.record_sign_ins(training_class, [services.SignIn(member)], by=staff)
    client.force_login(secretary)
    page = client.get(member.get_absolute_url()).content.decode()
    block = page.split('data-testid="training-hours"')[1].split("</section>")[0]
    assert "<strong>8</strong> / 32" in block and "还差24学时" in block


@pytest.mark.parametrize("classes", [1, 6])
def test_member_page_hours_cost_one_query_however_many_classes(
    client, secretary, branch_a, staff, classes, django_assert_max_num_queries
):
    member = MemberFactory(organization=branch_a)
    for _ in range(classes):
        training_class = TrainingClassFactory(organization=branch_a, created_by=staff)
        services.add_session(training_class, held_on=TODAY, duration="half_day", by=staff)
        training_class.refresh_from_db()
        services.record_sign_ins(training_class, [services.SignIn(member)], by=staff)
    client.force_login(secretary)
    # the branches page's own queries (see tests/branches) plus one for the hours block
    with django_assert_max_num_queries(11):
        client.get(member.get_absolute_url())
