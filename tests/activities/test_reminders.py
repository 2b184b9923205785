"""Daily compliance reminders: who is told what, once a day, and by e-mail when configured."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.compliance import compute
from activities.models import Exemption, FrequencyRule
from activities.services import reminders
from activities.tasks import send_compliance_reminders
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core.models import Notification
from branches.models import Organization
from tests.factories import ActivityFactory, OrganizationFactory, UserFactory

DAY = "2026-05-15"  # Q2, May: January–April closed
TODAY = datetime.date(2026, 5, 15)


def titles(user) -> set[str]:
    return set(Notification.objects.filter(user=user).values_list("title", flat=True))


@pytest.fixture
def quiet_branch_a(branch_a):
    """branch_a has held its theme day every month so far, and its Q1 meeting and lecture."""
    for month in range(1, 5):
        ActivityFactory(organization=branch_a, held_on=datetime.date(2026, month, 8))
    ActivityFactory(
        organization=branch_a, kind="general-meeting", held_on=datetime.date(2026, 3, 2)
    )
    ActivityFactory(organization=branch_a, kind="party-lecture", held_on=datetime.date(2026, 3, 2))
    return branch_a


def test_task_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["compliance-reminders"]
    assert entry["task"] == send_compliance_reminders.name == "activities.send_compliance_reminders"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {30}


def test_describe_reads_as_plain_sentences(branch_a):
    ActivityFactory(organization=branch_a, held_on=datetime.date(2026, 1, 8))
    report = compute(Organization.objects.filter(pk=branch_a.pk), 2026, today=TODAY)
    texts = [item.text for item in reminders.due_items(report, branch_a.pk)]
    assert "本月还需开展主题党日 1 次" in texts
    assert "本季度还需召开党课 1 次" in texts
    assert "本季度还需召开支部党员大会 1 次" in texts
    assert "2026年2月 主题党日 未开展（已逾期）" in texts
    assert "2026年第1季度 党课 未开展（已逾期）" in texts
    assert not any("2026年1月" in text for text in texts)  # January was held
    # Overdue first, oldest first; then what is due now.
    overdue = [item.overdue for item in reminders.due_items(report, branch_a.pk)]
    assert overdue == sorted(overdue, reverse=True)
    assert texts[0] == "2026年第1季度 支部党员大会 未开展（已逾期）"


def test_a_shortfall_is_counted(branch_a):
    FrequencyRule.objects.filter(kind__code="theme-day").update(min_count=2)
    ActivityFactory(organization=branch_a, held_on=datetime.date(2026, 4, 8))
    ActivityFactory(organization=branch_a, held_on=datetime.date(2026, 5, 8))
    report = compute(Organization.objects.filter(pk=branch_a.pk), 2026, today=TODAY)
    texts = [item.text for item in reminders.due_items(report, branch_a.pk)]
    assert "2026年4月 主题党日 还差 1 次（已逾期）" in texts
    assert "本月还需开展主题党日 1 次" in texts


def test_secretaries_are_told_each_open_item_of_their_own_branch(
    secretary, quiet_branch_a, branch_a2, outsider
):
    colleague = UserFactory(role=User.Role.SECRETARY, organization=quiet_branch_a)
    send_compliance_reminders.delay(DAY)
    expected = {
        "本月还需开展主题党日 1 次",
        "本季度还需召开支部党员大会 1 次",
        "本季度还需召开党课 1 次",
        "本年度还需召开组织生活会 1 次",
        "本年度还需开展民主评议党员 1 次",
        "本年度还需开展谈心谈话 1 次",
    }
    assert titles(secretary) == expected
    assert titles(colleague) == expected
    mine = Notification.objects.filter(user=secretary)
    assert {n.day for n in mine} == {TODAY}
    assert all(f"organization={quiet_branch_a.pk}" in n.url for n in mine)
    theme_day = mine.get(title="本月还需开展主题党日 1 次")
    assert "应开展 1 次，已开展 0 次" in theme_day.body and "2026年5月" in theme_day.body
    # The outsider (branch_b's secretary) hears of branch_b only: it has missed everything.
    assert "2026年1月 主题党日 未开展（已逾期）" in titles(outsider)
    assert not Notification.objects.filter(user=outsider, url__contains=f"={quiet_branch_a.pk}&")


def test_running_twice_a_day_notifies_once(secretary, branch_a, committee_admin):
    first = send_compliance_reminders.delay(DAY).get()
    count = Notification.objects.count()
    assert count == first["secretary_notifications"] + first["digests"] > 0
    second = send_compliance_reminders.delay(DAY).get()
    assert second["secretary_notifications"] == second["digests"] == 0
    assert Notification.objects.count() == count
    # The next day the open items are reminded again.
    send_compliance_reminders.delay("2026-05-16")
    assert Notification.objects.filter(day=datetime.date(2026, 5, 16)).count() == count


def test_met_and_exempted_items_are_not_reminded(secretary, quiet_branch_a, staff):
    rule = FrequencyRule.objects.get(kind__code="party-lecture")
    Exemption.objects.create(
        organization=quiet_branch_a,
        rule=rule,
        starts_on=datetime.date(2026, 1, 1),
        reason="新成立",
        approved_by=staff,
    )
    send_compliance_reminders.delay(DAY)
    assert not any("党课" in title for title in titles(secretary))
    assert not any("已逾期" in title for title in titles(secretary))


def test_inactive_secretaries_and_other_roles_get_nothing_per_item(branch_a, staff):
    gone = UserFactory(role=User.Role.SECRETARY, organization=branch_a, is_active=False)
    send_compliance_reminders.delay(DAY)
    assert not Notification.objects.filter(user__in=[gone, staff]).exists()


def test_committee_admins_get_one_digest_of_overdue_branches_below_them(
    secretary, quiet_branch_a, branch_a2, committee_admin, outsiders, staff
):
    nested = OrganizationFactory(
        parent=committee_admin.organization,
        type=Organization.Type.GENERAL_BRANCH,
        name="甲局机关党总支",
    )
    nested_branch = OrganizationFactory(parent=nested, name="甲局总支下第一党支部")
    nested_admin = UserFactory(role=User.Role.COMMITTEE_ADMIN, organization=nested)
    send_compliance_reminders.delay(DAY)
    send_compliance_reminders.delay(DAY)

    (digest,) = Notification.objects.filter(user=committee_admin)
    # branch_a2, the 总支 (its rules name 党总支) and the branch under it are behind;
    # quiet_branch_a is only due, not overdue.
    assert digest.title == "下辖 3 个党组织有逾期未开展的组织生活"
    assert branch_a2.display_name in digest.body and nested_branch.display_name in digest.body
    assert f"{nested.display_name}：" in digest.body
    assert "2026年1月 主题党日 未开展" in digest.body
    assert quiet_branch_a.display_name not in digest.body
    assert "?year=2026" in digest.url
    (nested_digest,) = Notification.objects.filter(user=nested_admin)
    assert nested_branch.display_name in nested_digest.body
    assert branch_a2.display_name not in nested_digest.body
    # committee_b's admin hears of branch_b only; staff get no digest.
    (other,) = Notification.objects.filter(user=outsiders[1])
    assert "乙局机密党支部" in other.body and "甲局" not in other.body
    assert not Notification.objects.filter(user=staff).exists()


def test_digest_is_capped(committee_admin, committee_a):
    for _ in range(reminders.DIGEST_MAX_BRANCHES + 3):
        OrganizationFactory(parent=committee_a)
    send_compliance_reminders.delay(DAY)
    (digest,) = Notification.objects.filter(user=committee_admin)
    total = reminders.DIGEST_MAX_BRANCHES + 5  # with branch_a and branch_a2
    assert digest.title == f"下辖 {total} 个党组织有逾期未开展的组织生活"
    assert "另有 5 个党组织" in digest.body


def test_no_email_with_the_default_backend(secretary, branch_a, django_capture_on_commit_callbacks):
    secretary.email = "shuji@example.org"
    secretary.save()
    with django_capture_on_commit_callbacks(execute=True):
        send_compliance_reminders.delay(DAY)
    assert Notification.objects.filter(user=secretary).exists()
    assert mail.outbox == []


def test_email_is_sent_when_mail_is_configured(
    settings, secretary, branch_a, committee_admin, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_EMAIL = True
    secretary.email = "shuji@example.org"
    secretary.save()
    with django_capture_on_commit_callbacks(execute=True):
        send_compliance_reminders.delay(DAY)
    sent = {message.subject for message in mail.outbox}
    assert all(message.to == ["shuji@example.org"] for message in mail.outbox)
    assert sent == set(titles(secretary))
    # committee_admin has no address: their digest stays in the app.
    assert Notification.objects.filter(user=committee_admin).count() == 1
    # A second run that day sends nothing more.
    count = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        send_compliance_reminders.delay(DAY)
    assert len(mail.outbox) == count


@pytest.mark.parametrize("branch_count", [3, 30])
def test_reminder_queries_do_not_grow_with_branches(committee_a, branch_count):
    for _ in range(branch_count):
        branch = OrganizationFactory(parent=committee_a)
        UserFactory(role=User.Role.SECRETARY, organization=branch)
    UserFactory(role=User.Role.COMMITTEE_ADMIN, organization=committee_a)
    with CaptureQueriesContext(connection) as context:
        result = reminders.send_compliance_reminders(today=TODAY)
    # 12 open items a branch: 4 overdue theme days, the Q1 meeting and lecture, this month's
    # theme day, this quarter's meeting and lecture, the three yearly items.
    rows = branch_count * 12 + 1
    assert result.secretary_notifications == rows - 1 and result.digests == 1
    sql = [query["sql"] for query in context.captured_queries]
    inserts = [q for q in sql if q.startswith("INSERT")]
    # The engine's five queries; secretaries; committee admins; savepoint; existing
    # notifications of the day (one query per 500 items); release. Then the rows in as
    # few INSERTs as the database's parameter limit allows (SQLite: ~110 rows each).
    assert len(sql) - len(inserts) == 11
    assert len(inserts) <= rows // 100 + 1
