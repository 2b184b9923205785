"""The training rules: the seeded scheme and minimums, counting 学时, the class length limit,
who may attend a class, and each member's progress against their rule."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from branches.models import CommitteeSeat, Member
from tests.factories import CommitteeSeatFactory, MemberFactory
from tests.training.factories import CourseFactory, TrainingClassFactory
from training import progress
from training.hours import parse_duration
from training.models import (
    Audience,
    ClassSession,
    Enrollment,
    HourCounting,
    HourRule,
    TrainingScheme,
)
from training.services import classes as services

D = datetime.date
THIS_YEAR = datetime.date.today().year
Duration = ClassSession.Duration


@pytest.fixture
def training_class(branch_a, staff):
    day = D(THIS_YEAR, 3, 2)
    return TrainingClassFactory(
        organization=branch_a,
        starts_on=day,
        ends_on=day + datetime.timedelta(days=1),
        created_by=staff,
    )


def two_day_class(training_class, staff):
    services.add_session(
        training_class, held_on=training_class.starts_on, duration=Duration.FULL_DAY, by=staff
    )
    services.add_session(
        training_class, held_on=training_class.ends_on, duration=Duration.HALF_DAY, by=staff
    )
    training_class.refresh_from_db()
    return training_class


# Seeded reference rows -----------------------------------------------------------------------


def test_sample_scheme_is_seeded_and_labelled(db):
    scheme = TrainingScheme.objects.get(year=THIS_YEAR)
    assert scheme.code == "2+1+10+N" and scheme.is_sample
    assert "示例" in scheme.note
    parts = [str(c) for c in scheme.components.all()]
    assert parts == ["2天理论课程", "1天实践课程", "10学时网络课程", "N次实操课堂", "N次交流课堂"]


def test_hour_minimums_are_rows(db):
    assert HourRule.objects.minimums_for(THIS_YEAR) == {
        Audience.ALL_MEMBERS: 32,
        Audience.COMMITTEE: 56,
    }
    assert HourRule.objects.minimums_for(2018) == {}


def test_later_rule_row_replaces_earlier_from_its_year(db):
    HourRule.objects.create(year=THIS_YEAR, audience=Audience.ALL_MEMBERS, minimum=40)
    assert HourRule.objects.minimums_for(THIS_YEAR)[Audience.ALL_MEMBERS] == 40
    assert HourRule.objects.minimums_for(THIS_YEAR - 1)[Audience.ALL_MEMBERS] == 32


# Counting 学时 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("", None),
        ("全程", None),
        ("全天", Decimal(8)),
        ("1天", Decimal(8)),
        ("2天", Decimal(16)),
        ("半天", Decimal(4)),
        ("1天半", Decimal(12)),
        ("3小时", Decimal(3)),
        ("2.5小时", Decimal("2.5")),
        ("6", Decimal(6)),
        ("6学时", Decimal(6)),
    ],
)
def test_durations_are_counted_full_day_8_half_day_4_otherwise_per_hour(db, text, hours):
    assert parse_duration(text, HourCounting.objects.for_year(THIS_YEAR)) == hours


@pytest.mark.parametrize("text", ["一天", "-3", "0", "三小时", "2周"])
def test_unreadable_durations_are_refused_in_chinese(db, text):
    with pytest.raises(ValidationError, match="无法识别参训时长"):
        parse_duration(text, HourCounting.objects.for_year(THIS_YEAR))


def test_counting_is_configurable(db):
    HourCounting.objects.create(year=THIS_YEAR, full_day=6, half_day=3, per_hour=Decimal("0.5"))
    counting = HourCounting.objects.for_year(THIS_YEAR)
    assert parse_duration("2天半", counting) == Decimal(15)
    assert parse_duration("4小时", counting) == Decimal(2)
    assert HourCounting.objects.for_year(THIS_YEAR - 1).full_day == 8


def test_class_length_is_the_sum_of_its_sessions(training_class, staff):
    two_day_class(training_class, staff)
    assert training_class.length_hours == Decimal(12)
    services.add_session(
        training_class,
        held_on=training_class.ends_on,
        duration=Duration.HOURS,
        clock_hours=Decimal("1.5"),
        by=staff,
    )
    training_class.refresh_from_db()
    assert training_class.length_hours == Decimal("13.5")


def test_session_uses_the_counting_in_force(training_class, staff):
    HourCounting.objects.create(year=THIS_YEAR, full_day=7, half_day=3, per_hour=1)
    session = services.add_session(
        training_class, held_on=training_class.starts_on, duration=Duration.FULL_DAY, by=staff
    )
    assert session.credit_hours == Decimal(7)


def test_session_outside_the_class_dates_is_refused(training_class, staff):
    with pytest.raises(ValidationError, match="起止日期之内"):
        services.add_session(
            training_class, held_on=D(THIS_YEAR, 5, 1), duration=Duration.FULL_DAY, by=staff
        )
    assert not training_class.sessions.exists()


def test_hours_session_needs_clock_hours(training_class, staff):
    with pytest.raises(ValidationError, match="小时数"):
        services.add_session(
            training_class, held_on=training_class.starts_on, duration=Duration.HOURS, by=staff
        )


# Enrolment and sign-in ----------------------------------------------------------------------


def test_enrolment_outside_the_class_subtree_is_refused_naming_the_person(
    training_class, staff, branch_a, branch_a2
):
    inside = MemberFactory(organization=branch_a, name="王一")
    outside = MemberFactory(organization=branch_a2, name="李二")
    with pytest.raises(ValidationError) as error:
        services.enroll(training_class, [inside, outside], by=staff)
    assert "李二不是“甲局第一党支部”及其下级组织的党员" in " ".join(error.value.messages)
    assert not Enrollment.objects.exists()  # all or none
    services.enroll(training_class, [inside], by=staff)
    assert list(training_class.enrollments.values_list("member__name", flat=True)) == ["王一"]


def test_enrolment_of_a_member_not_in_good_standing_is_refused(training_class, staff, branch_a):
    member = MemberFactory(organization=branch_a, name="赵三", standing=Member.Standing.SUSPENDED)
    with pytest.raises(ValidationError, match="赵三的党籍状态为“停止党籍”"):
        services.enroll(training_class, [member], by=staff)


def test_a_committee_class_takes_members_of_its_whole_subtree(committee_a, branch_a2, staff):
    training_class = TrainingClassFactory(organization=committee_a, created_by=staff)
    member = MemberFactory(organization=branch_a2)
    services.enroll(training_class, [member], by=staff)
    assert training_class.enrollments.count() == 1


def test_enrolling_twice_keeps_one_enrolment(training_class, staff, branch_a):
    member = MemberFactory(organization=branch_a)
    services.enroll(training_class, [member], by=staff)
    services.enroll(training_class, [member, member], by=staff)
    assert training_class.enrollments.count() == 1


def test_sign_in_without_hours_earns_the_whole_class(training_class, staff, branch_a):
    two_day_class(training_class, staff)
    member = MemberFactory(organization=branch_a)
    services.record_sign_ins(training_class, [services.SignIn(member)], by=staff)
    enrollment = Enrollment.objects.get(member=member)
    assert enrollment.signed_in and enrollment.signed_in_at is not None
    assert enrollment.hours_earned == Decimal(12)
    assert enrollment.source == Enrollment.Source.MANUAL


def test_hours_beyond_the_class_length_are_refused_and_nothing_is_saved(
    training_class, staff, branch_a
):
    two_day_class(training_class, staff)
    fine = MemberFactory(organization=branch_a, name="钱四")
    greedy = MemberFactory(organization=branch_a, name="孙五")
    entries = [services.SignIn(fine, hours=Decimal(4)), services.SignIn(greedy, hours=Decimal(13))]
    with pytest.raises(ValidationError) as error:
        services.record_sign_ins(training_class, entries, by=staff)
    assert error.value.messages == ["孙五登记的13学时超过了培训班的总学时12。"]
    assert not Enrollment.objects.exists()


def test_hours_on_a_class_without_sessions_are_refused(training_class, staff, branch_a):
    member = MemberFactory(organization=branch_a)
    with pytest.raises(ValidationError, match="尚未安排课程"):
        services.record_sign_ins(training_class, [services.SignIn(member)], by=staff)


def test_sign_in_can_be_withdrawn_to_zero_hours(training_class, staff, branch_a):
    two_day_class(training_class, staff)
    member = MemberFactory(organization=branch_a)
    services.record_sign_ins(training_class, [services.SignIn(member)], by=staff)
    services.record_sign_ins(training_class, [services.SignIn(member, signed_in=False)], by=staff)
    enrollment = Enrollment.objects.get(member=member)
    assert not enrollment.signed_in and enrollment.hours_earned == 0


def test_removing_a_session_that_hours_depend_on_is_refused(training_class, staff, branch_a):
    two_day_class(training_class, staff)
    member = MemberFactory(organization=branch_a, name="周六")
    services.record_sign_ins(training_class, [services.SignIn(member)], by=staff)
    session = training_class.sessions.get(duration=Duration.FULL_DAY)
    with pytest.raises(ValidationError, match="周六已登记12学时"):
        services.remove_session(session, by=staff)
    assert training_class.sessions.count() == 2


def test_secretary_manages_own_branch_class_but_not_a_demonstration_class(
    training_class, secretary, root, staff
):
    assert services.may_manage_class(secretary, training_class)
    demo = TrainingClassFactory(organization=root, kind="demonstration", created_by=staff)
    assert not services.may_manage_class(secretary, demo)
    with pytest.raises(PermissionDenied):
        services.create_class(
            by=secretary,
            title="示范班",
            kind="demonstration",
            organization=secretary.organization,
            starts_on=D(THIS_YEAR, 5, 1),
            ends_on=D(THIS_YEAR, 5, 1),
        )


# Progress --------------------------------------------------------------------------------------


def test_progress_counts_signed_in_hours_of_the_year_against_each_rule(
    training_class, staff, branch_a
):
    two_day_class(training_class, staff)
    plain = MemberFactory(organization=branch_a, name="普通党员")
    secretary_member = MemberFactory(organization=branch_a, name="支部书记")
    absent = MemberFactory(organization=branch_a, name="缺席党员")
    former = MemberFactory(organization=branch_a, name="原委员")
    CommitteeSeatFactory(
        organization=branch_a, member=secretary_member, post=CommitteeSeat.Post.SECRETARY
    )
    CommitteeSeatFactory(
        organization=branch_a,
        member=former,
        post=CommitteeSeat.Post.MEMBER,
        ended_on=D(THIS_YEAR - 1, 1, 1),
    )
    services.record_sign_ins(
        training_class,
        [
            services.SignIn(plain),
            services.SignIn(secretary_member, hours=Decimal(8)),
            services.SignIn(absent, signed_in=False),
        ],
        by=staff,
    )
    last_year = TrainingClassFactory(
        organization=branch_a, starts_on=D(THIS_YEAR - 1, 6, 1), created_by=staff
    )
    services.add_session(
        last_year, held_on=last_year.starts_on, duration=Duration.FULL_DAY, by=staff
    )
    last_year.refresh_from_db()
    services.record_sign_ins(last_year, [services.SignIn(plain)], by=staff)

    rows = {
        m.name: m
        for m in progress.with_progress(THIS_YEAR, Member.objects.filter(organization=branch_a))
    }
    assert rows["普通党员"].training_hours == Decimal(12)
    assert rows["普通党员"].required_hours == 32 and not rows["普通党员"].is_committee_member
    assert rows["普通党员"].hours_short == Decimal(20)
    assert rows["支部书记"].required_hours == 56 and rows["支部书记"].is_committee_member
    assert rows["支部书记"].hours_short == Decimal(48)
    assert rows["缺席党员"].training_hours == 0 and rows["缺席党员"].hours_short == 32
    assert rows["原委员"].required_hours == 32
    assert (
        progress.hours_for(THIS_YEAR - 1, Member.objects.filter(pk=plain.pk)).get().training_hours
        == 8
    )

    mine = progress.member_progress(secretary_member, THIS_YEAR)
    assert (mine.hours, mine.required, mine.short, mine.percent) == (
        Decimal(8),
        56,
        Decimal(48),
        14,
    )
    assert progress.required_hours(plain, THIS_YEAR) == 32


def test_behind_members_are_one_filter(training_class, staff, branch_a):
    two_day_class(training_class, staff)
    members = MemberFactory.create_batch(3, organization=branch_a)
    HourRule.objects.create(year=THIS_YEAR, audience=Audience.ALL_MEMBERS, minimum=10)
    services.record_sign_ins(training_class, [services.SignIn(members[0])], by=staff)
    behind = progress.with_progress(THIS_YEAR, Member.objects.all()).filter(hours_short__gt=0)
    assert set(behind) == set(members[1:])


def test_component_hours_split_by_scheme_component(training_class, staff, branch_a):
    component = TrainingScheme.objects.get(year=THIS_YEAR).components.get(order=1)
    training_class.component = component
    training_class.save()
    two_day_class(training_class, staff)
    member = MemberFactory(organization=branch_a)
    services.record_sign_ins(training_class, [services.SignIn(member)], by=staff)
    assert progress.component_hours(THIS_YEAR, Member.objects.all()) == {
        member.pk: {component.pk: Decimal(12)}
    }


def test_progress_queries_do_not_grow_with_members(
    training_class, staff, branch_a, django_assert_num_queries
):
    two_day_class(training_class, staff)
    members = MemberFactory.create_batch(20, organization=branch_a)
    services.record_sign_ins(training_class, [services.SignIn(m) for m in members], by=staff)
    with django_assert_num_queries(1):
        rows = list(progress.with_progress(THIS_YEAR, Member.objects.all()))
    assert len(rows) == 20 and all(r.training_hours == 12 for r in rows)


def test_course_from_the_menu_becomes_a_session_of_its_hours(training_class, staff):
    half = CourseFactory(hours=Decimal(4))
    odd = CourseFactory(hours=Decimal(3))
    services.add_session(training_class, held_on=training_class.starts_on, course=half, by=staff)
    services.add_session(training_class, held_on=training_class.starts_on, course=odd, by=staff)
    durations = list(training_class.sessions.values_list("duration", "credit_hours"))
    assert durations == [(Duration.HALF_DAY, Decimal(4)), (Duration.HOURS, Decimal(3))]
