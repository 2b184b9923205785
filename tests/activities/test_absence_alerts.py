"""党章第九条: six completed months without organisational life is a 警示 (shown, never
acted on), and the 失联 flag derives from six months out of contact."""

import datetime

import pytest
from django.conf import settings

from activities.models import Activity, Attendance
from activities.services.alerts import absence_window, absent_members, send_absence_alerts
from activities.tasks import send_absence_alerts as absence_task
from alxa_dangjian.core.models import Notification
from alxa_dangjian.core.periods import add_months
from branches.models import Member, MemberTransfer
from branches.models.members import lost_contact_cutoff
from tests.factories import ActivityFactory, MemberFactory

D = datetime.date
AS_OF = D(2026, 7, 10)  # window: 1 January – 30 June 2026


def attend(member, held_on, status=Attendance.Status.ABSENT, **activity):
    record = ActivityFactory(organization=member.organization, held_on=held_on, **activity)
    return Attendance.objects.create(activity=record, member=member, status=status)


def flagged(as_of=AS_OF):
    return {m.name: m.absences for m in absent_members(Member.objects.all(), as_of=as_of)}


@pytest.fixture
def member(branch_a):
    return MemberFactory(organization=branch_a, name="缺席甲")


def test_the_window_is_the_six_completed_months():
    assert absence_window(AS_OF) == (D(2026, 1, 1), D(2026, 6, 30))
    assert absence_window(D(2026, 3, 1)) == (D(2025, 9, 1), D(2026, 2, 28))


def test_absent_throughout_the_window_is_an_alert(member):
    for month in (1, 3, 6):
        attend(member, D(2026, month, 8))
    assert flagged() == {"缺席甲": 3}


def test_one_attendance_or_one_leave_in_the_window_clears_it(member, branch_a):
    attend(member, D(2026, 1, 8))
    attend(member, D(2026, 6, 30), status=Attendance.Status.PRESENT)  # last day of the window
    other = MemberFactory(organization=branch_a, name="请假乙")
    attend(other, D(2026, 2, 8))
    attend(other, D(2026, 5, 8), status=Attendance.Status.LEAVE)  # a reason was given
    assert flagged() == {}


def test_attendance_before_the_window_does_not_help(member):
    attend(member, D(2025, 12, 31), status=Attendance.Status.PRESENT)
    attend(member, D(2026, 1, 1))  # first day of the window
    assert flagged() == {"缺席甲": 1}
    # A month later the window is February–July: the January absence has left it.
    assert flagged(as_of=D(2026, 8, 1)) == {}


def test_drafts_and_members_new_in_the_window_are_not_listed(member, branch_a):
    draft = ActivityFactory(
        organization=branch_a, held_on=D(2026, 3, 8), status=Activity.Status.DRAFT
    )
    Attendance.objects.create(activity=draft, member=member, status=Attendance.Status.ABSENT)
    assert flagged() == {}
    newcomer = MemberFactory(
        organization=branch_a,
        name="新党员",
        joined_on=D(2026, 1, 1),
        confirmed_on=None,
        status=Member.Status.PROBATIONARY,
    )
    arrived = MemberFactory(organization=branch_a, name="转入丙")
    MemberTransfer.objects.create(
        member=arrived,
        kind=MemberTransfer.Kind.IN,
        to_organization=branch_a,
        external_organization="外地某支部",
        transferred_on=D(2026, 2, 1),
        recorded_by=draft.created_by,
    )
    for person in (newcomer, arrived):
        attend(person, D(2026, 4, 8))
    assert flagged() == {}


def test_alerts_cite_article_nine_and_change_nothing(member, secretary, staff):
    attend(member, D(2026, 2, 8))
    assert send_absence_alerts(as_of=AS_OF) == 2  # the branch secretary and the staff member
    assert send_absence_alerts(as_of=AS_OF) == 0  # idempotent within the day
    note = Notification.objects.get(user=secretary)
    assert note.title.endswith("有1名党员连续6个月未参加组织生活")
    assert "缺席甲（缺席1次）" in note.body
    assert "2026年1月至2026年6月" in note.body
    assert "《中国共产党章程》第九条" in note.body and "不会自动处理" in note.body
    assert Member.objects.get(pk=member.pk).standing == Member.Standing.NORMAL


def test_absence_task_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["absence-alerts"]
    assert entry["task"] == absence_task.name == "activities.send_absence_alerts"


# 失联 --------------------------------------------------------------------------------------


def test_add_months_keeps_the_day_within_the_month():
    assert add_months(D(2026, 8, 31), -6) == D(2026, 2, 28)
    assert add_months(D(2024, 8, 31), -6) == D(2024, 2, 29)
    assert add_months(D(2026, 3, 15), -6) == D(2025, 9, 15)
    assert add_months(D(2025, 2, 28), 12) == D(2026, 2, 28)


@pytest.mark.parametrize(
    ("since", "lost"),
    [
        (D(2026, 1, 10), True),  # exactly six months before 10 July
        (D(2026, 1, 11), False),  # one day short
        (D(2025, 3, 1), True),
    ],
)
def test_lost_contact_flag_needs_six_months(member, since, lost):
    member.lost_contact_since = since
    member.save()
    assert lost_contact_cutoff(AS_OF) == D(2026, 1, 10)
    assert member.lost_contact_on(AS_OF) is lost
    assert Member.objects.lost_contact(AS_OF).filter(pk=member.pk).exists() is lost


def test_a_recent_break_is_shown_but_not_flagged(client, secretary, member):
    member.lost_contact_since = datetime.date.today() - datetime.timedelta(days=30)
    member.save()
    client.force_login(secretary)
    body = client.get(member.get_absolute_url()).content.decode()
    assert "未满6个月，尚不视为失联" in body
    assert 'data-testid="lost-contact-flag"' not in body
    member.lost_contact_since = add_months(datetime.date.today(), -6)
    member.save()
    body = client.get(member.get_absolute_url()).content.decode()
    assert 'data-testid="lost-contact-flag"' in body and "尚不视为失联" not in body
