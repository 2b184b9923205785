"""The organisational-life ledgers, exported through the ledger mechanism and read back."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Attendance, ServiceLedgerType, ServiceRecord
from tests.factories import ActivityFactory, MemberFactory
from tests.ledgers.exported import export


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def held(branch, kind, day, **kwargs):
    return ActivityFactory(organization=branch, kind=kind, held_on=day, **kwargs)


def test_activity_ledger_lists_the_years_records_with_attendance(
    client, committee_admin, branch_a, branch_a2, branch_b
):
    year = timezone.localdate().year
    members = [MemberFactory(organization=branch_a) for _ in range(3)]
    lecture = held(branch_a, "party-lecture", datetime.date(year, 1, 8), theme="学习党章")
    for member, status in zip(members, ["present", "present", "leave"], strict=True):
        Attendance.objects.create(activity=lecture, member=member, status=status)
    lecture.joint_organizations.add(branch_a2, through_defaults={"status": "confirmed"})
    held(branch_a, "theme-day", datetime.date(year - 1, 5, 1), theme="去年的记录")
    held(branch_b, "theme-day", datetime.date(year, 2, 1), theme="乙局的记录")
    client.force_login(committee_admin)
    headers, rows = export(client, "activities")
    assert headers[:4] == ["党组织", "日期", "类型", "主题"]
    assert [r["主题"] for r in rows] == ["学习党章"]  # other years and other subtrees left out
    row = rows[0]
    assert (row["应到"], row["出席"], row["请假"], row["缺席"]) == (3, 2, 1, 0)
    assert row["联合开展"] == branch_a2.name
    assert row["状态"] == "已提交"


def test_a_partners_ledger_lists_a_joint_record_once_it_confirmed(
    client, outsider, branch_a, branch_b
):
    activity = held(branch_a, "theme-day", timezone.localdate().replace(day=1), theme="联合党日")
    activity.joint_organizations.add(branch_b)  # not answered yet: not its record
    client.force_login(outsider)
    assert export(client, "activities")[1] == []
    activity.joint_organizations.through.objects.filter(organization=branch_b).update(
        status="declined"
    )
    assert export(client, "activities")[1] == []
    activity.joint_organizations.through.objects.filter(organization=branch_b).update(
        status="confirmed"
    )
    _, rows = export(client, "activities")
    assert [r["主题"] for r in rows] == ["联合党日"]
    # with the branch chosen too: what the branch counts, its confirmed joint records included
    _, rows = export(client, "activities", organization=branch_b.pk)
    assert [r["主题"] for r in rows] == ["联合党日"]


def test_activity_ledger_queries_do_not_grow(client, secretary, branch_a, branch_a2):
    client.force_login(secretary)
    day = timezone.localdate().replace(day=1)
    counts = []
    for batch in (3, 30):
        for _ in range(batch):
            held(branch_a, "theme-day", day).joint_organizations.add(branch_a2)
        with CaptureQueriesContext(connection) as queries:
            export(client, "activities")
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_compliance_table_has_a_column_per_kind_and_a_row_per_branch(
    client, committee_admin, branch_a, branch_a2, branch_b
):
    today = timezone.localdate()
    held(branch_a, "theme-day", today, status=Activity.Status.APPROVED)
    client.force_login(committee_admin)
    headers, rows = export(client, "compliance", year=today.year, month=today.month)
    assert "主题党日（当月）" in headers and "支部党员大会（当季）" in headers
    assert "组织生活会（当年）" in headers
    by_branch = {r["党支部"]: r for r in rows}
    assert set(by_branch) == {branch_a.name, branch_a2.name}
    assert by_branch[branch_a.name]["主题党日（当月）"] == "1/1 达标"
    assert by_branch[branch_a2.name]["主题党日（当月）"].startswith("0/1 ")
    assert by_branch[branch_a2.name]["未完成项"] > by_branch[branch_a.name]["未完成项"]


def test_compliance_table_refuses_a_bad_month(client, staff):
    client.force_login(staff)
    response = client.post(reverse("ledgers:ledger-export", args=["compliance"]), {"month": 13})
    assert response.status_code == 200
    assert "月份须为 1 至 12 的整数" in response.content.decode()


def test_service_ledger_filters_by_type_and_scope(client, secretary, branch_a, branch_b):
    pledge = ServiceLedgerType.objects.get(code="pledge")
    other = ServiceLedgerType.objects.exclude(pk=pledge.pk).first()
    year = timezone.localdate().year
    for organization, type_, title in [
        (branch_a, pledge, "承诺为群众办理证件"),
        (branch_a, other, "其他台账"),
        (branch_b, pledge, "乙局的承诺"),
    ]:
        ServiceRecord.objects.create(
            type=type_,
            organization=organization,
            title=title,
            started_on=datetime.date(year, 3, 1),
            created_by=secretary,
        )
    client.force_login(secretary)
    _, rows = export(client, "service-records", type=pledge.pk)
    assert [r["名称"] for r in rows] == ["承诺为群众办理证件"]
    assert rows[0]["台账类型"] == pledge.name and rows[0]["状态"] == "进行中"
