"""Arrears windows, consecutive against scattered months, approved reasons, and the on-time
indicator — all computed for the whole scope in one query."""

import datetime

import pytest

from branches.models import Member
from dues.arrears import ALERT, WARNING, arrears, explain, on_time_by_branch
from dues.models import DuesAssessment
from tests.dues.factories import assess, month_range, paid
from tests.factories import MemberFactory

JAN = datetime.date(2026, 1, 1)
# On 15 July 2026 the counted months are January to June.
AS_OF = datetime.date(2026, 7, 15)


@pytest.fixture
def member(branch_a, secretary):
    member = MemberFactory(organization=branch_a, name="张三")
    assess(member, secretary, month=JAN)
    return member


def row(member):
    return arrears(Member.objects.filter(pk=member.pk), as_of=AS_OF).first()


def test_two_unpaid_months_are_no_arrears(member, secretary):
    paid(member, secretary, *month_range(JAN, 4))
    assert row(member) is None


def test_three_unpaid_months_are_a_warning(member, secretary):
    paid(member, secretary, *month_range(JAN, 3))
    found = row(member)
    assert (found.level, found.unpaid, found.streak) == (WARNING, 3, 3)
    assert explain(found).label == "提醒"


def test_five_consecutive_months_are_still_a_warning(member, secretary):
    paid(member, secretary, JAN)
    found = row(member)
    assert (found.level, found.unpaid, found.streak) == (WARNING, 5, 5)


def test_six_consecutive_months_are_an_alert_explained_in_chinese(member):
    found = row(member)
    assert (found.level, found.unpaid, found.streak) == (ALERT, 6, 6)
    text = explain(found).text
    assert "自行脱党" in text and "不会自动处理" in text


def test_six_scattered_months_are_a_warning_not_an_alert(member, secretary):
    # Paid every other month from January to December 2026 → as of 15 January 2027 six of
    # the twelve counted months are unpaid, but never more than one in a row.
    paid(member, secretary, *month_range(JAN, 12)[::2])
    found = arrears(Member.objects.filter(pk=member.pk), as_of=datetime.date(2027, 1, 15)).get()
    assert (found.level, found.unpaid, found.streak) == (WARNING, 6, 1)


def test_an_approved_deferral_keeps_the_warning_but_not_the_alert(member, secretary):
    assess(
        member,
        secretary,
        month=datetime.date(2026, 4, 1),
        reduction=DuesAssessment.Reduction.DEFERRED,
        approval_number="支委会〔2026〕3号",
        reduction_reason="重病住院",
    )
    found = row(member)
    assert (found.level, found.streak) == (WARNING, 6)
    assert "缓交" in explain(found).text


def test_exempt_members_owe_nothing_and_owe_again_after_the_exemption(member, secretary):
    assess(
        member,
        secretary,
        month=datetime.date(2026, 2, 1),
        reduction=DuesAssessment.Reduction.EXEMPT,
        approval_number="党委〔2026〕1号",
    )
    assert row(member) is None
    assess(member, secretary, month=datetime.date(2026, 4, 1))
    found = row(member)  # owes April to June again: three months
    assert (found.unpaid, found.streak, found.owed_from) == (3, 3, datetime.date(2026, 4, 1))


def test_probationary_members_owe_from_the_branch_meeting_month(branch_a, secretary):
    member = MemberFactory(
        organization=branch_a,
        status=Member.Status.PROBATIONARY,
        joined_on=datetime.date(2026, 3, 20),
        confirmed_on=None,
    )
    assess(member, secretary, month=datetime.date(2026, 3, 1))
    found = row(member)
    assert (found.owed_from, found.unpaid) == (datetime.date(2026, 3, 1), 4)


def test_never_assessed_and_departed_members_are_not_listed(branch_a, member):
    MemberFactory(organization=branch_a, name="未核定")
    gone = MemberFactory(organization=branch_a, standing=Member.Standing.TRANSFERRED_OUT)
    DuesAssessment.objects.filter(member=member).update(member=gone)
    assert not arrears(Member.objects.all(), as_of=AS_OF).exists()


def test_the_current_month_is_not_yet_overdue(member, secretary):
    paid(member, secretary, *month_range(JAN, 6))
    assert arrears(Member.objects.all(), as_of=datetime.date(2026, 9, 30)).count() == 0
    assert arrears(Member.objects.all(), as_of=datetime.date(2026, 10, 1)).count() == 1


def test_a_whole_scope_is_one_query(branch_a, secretary, django_assert_num_queries):
    members = MemberFactory.create_batch(30, organization=branch_a)
    for member in members:
        assess(member, secretary, month=JAN)
    for member in members[:10]:
        paid(member, secretary, *month_range(JAN, 6))
    from dues.models import DuesSetting

    setting = DuesSetting.load()
    with django_assert_num_queries(1):
        rows = list(arrears(Member.objects.all(), as_of=AS_OF, setting=setting))
    assert len(rows) == 20 and {r.level for r in rows} == {ALERT}


def test_on_time_by_branch(branch_a, branch_a2, secretary, django_assert_num_queries):
    early, late = MemberFactory.create_batch(2, organization=branch_a)
    for member in (early, late):
        assess(member, secretary, month=datetime.date(2025, 6, 1))
    paid(early, secretary, *month_range(JAN, 6))
    # Late pays March in April: paid, but not on time.
    paid(late, secretary, datetime.date(2026, 3, 1), paid_on=datetime.date(2026, 4, 2))
    with django_assert_num_queries(1):  # one statement: latest assessments, due and on time
        result = on_time_by_branch(2026, [branch_a.pk, branch_a2.pk], as_of=AS_OF)
    assert result == {branch_a.pk: (6, 12), branch_a2.pk: (0, 0)}


def test_alerts_reach_the_branch_and_the_work_committee_once(member, secretary, staff):
    from alxa_dangjian.core.models import Notification
    from dues.services.alerts import send_arrears_alerts

    assert send_arrears_alerts(as_of=AS_OF) == 2  # the branch secretary and the staff member
    assert send_arrears_alerts(as_of=AS_OF) == 0  # idempotent within the day
    note = Notification.objects.get(user=secretary)
    assert member.name in note.body and "自行脱党" in note.body and "不会自动处理" in note.body
    # 自行脱党 is 党章 Article 9 (not 38).
    assert "《中国共产党章程》第九条" in note.body and "第三十八条" not in note.body
    assert Member.objects.get(pk=member.pk).standing == Member.Standing.NORMAL
