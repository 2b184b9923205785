"""The four branch ledgers, exported at once through the ledger-export view and read back
with openpyxl: columns, rows, masking, scoping and a query count that does not grow."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from alxa_dangjian.core.idnumber import mask_id_number
from alxa_dangjian.core.models import PersonalDataLog
from alxa_dangjian.ledgers.models import ExportJob
from branches.models import DevelopmentStep, Member, PartyGroup, Step
from tests.factories import (
    DevelopmentCaseFactory,
    MemberFactory,
    OrganizationFactory,
    TermFactory,
)

ROSTER_HEADERS = [
    "姓名", "性别", "民族", "出生日期", "公民身份号码", "籍贯", "学历", "学位", "参加工作日期",
    "电话", "人员类别", "党内职务", "入党日期", "转正日期", "党员类型", "党籍状态", "所在党支部",
    "党小组", "流动党员", "失联",
]  # fmt: skip
HEADER_ROW = 3  # title, subtitle, header


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def export(client, code, **params):
    response = client.post(reverse("ledgers:ledger-export", args=[code]), params)
    assert response.status_code == 200, response.content.decode()[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def table(sheet):
    """Header row and data rows as {header: value} dicts."""
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    headers = list(rows[0])
    return headers, [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


@pytest.fixture
def roster(branch_a, branch_a2, branch_b):
    group = PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    return {
        "zhang": MemberFactory(
            organization=branch_a,
            name="张伟",
            ethnicity="蒙古族",
            phone="13812345678",
            native_place="内蒙古阿拉善",
            party_group=group,
            party_post="组织委员",
            is_floating=True,
            lost_contact_since=datetime.date(2024, 1, 1),
        ),
        "li": MemberFactory(
            organization=branch_a,
            name="李娜",
            gender=Member.Gender.FEMALE,
            status=Member.Status.PROBATIONARY,
            confirmed_on=None,
            joined_on=datetime.date(2025, 7, 1),
        ),
        "moved": MemberFactory(
            organization=branch_a, name="王转出", standing=Member.Standing.TRANSFERRED_OUT
        ),
        "a2": MemberFactory(organization=branch_a2, name="赵二支"),
        "foreign": MemberFactory(organization=branch_b, name="乙局党员"),
    }


# --- 党员花名册 -----------------------------------------------------------------------------


def test_roster_holds_the_domain_columns_and_the_secretarys_members_masked(
    client, secretary, roster
):
    client.force_login(secretary)
    sheet = export(client, "member-roster")
    headers, rows = table(sheet)
    assert headers == ROSTER_HEADERS
    assert sheet["A1"].value == "党员花名册"
    assert "导出人：" in sheet["A2"].value and secretary.name in sheet["A2"].value
    assert "范围：甲局第一党支部" in sheet["A2"].value
    # No standing filter given: everyone of the branch, the transferred-out member included.
    assert [r["姓名"] for r in rows] == ["李娜", "王转出", "张伟"]  # pinyin order
    zhang = next(r for r in rows if r["姓名"] == "张伟")
    member = roster["zhang"]
    assert zhang["公民身份号码"] == mask_id_number(member.id_number) != member.id_number
    assert zhang["电话"] == "138****5678"
    assert zhang["性别"] == "男"
    assert zhang["民族"] == "蒙古族"
    assert as_date(zhang["出生日期"]) == member.birth_date
    assert zhang["学历"] == "大学本科"
    assert as_date(zhang["入党日期"]) == member.joined_on
    assert as_date(zhang["转正日期"]) == member.confirmed_on
    assert zhang["党员类型"] == "正式党员"
    assert zhang["党籍状态"] == "正常"
    assert zhang["所在党支部"] == "甲局第一党支部"
    assert zhang["党小组"] == "第一党小组"
    assert zhang["党内职务"] == "组织委员"
    assert zhang["籍贯"] == "内蒙古阿拉善"
    assert (zhang["流动党员"], zhang["失联"]) == ("是", "是")
    li = next(r for r in rows if r["姓名"] == "李娜")
    assert (li["性别"], li["党员类型"], li["转正日期"]) == ("女", "预备党员", None)
    assert (li["流动党员"], li["失联"]) == ("否", "否")
    assert not PersonalDataLog.objects.exists()


def test_roster_filters_by_standing_and_subtree(client, committee_admin, roster, branch_a2):
    client.force_login(committee_admin)
    _, rows = table(export(client, "member-roster", standing="normal"))
    assert [r["姓名"] for r in rows] == ["李娜", "张伟", "赵二支"]  # branch path, then pinyin
    _, rows = table(export(client, "member-roster", organization=branch_a2.pk))
    assert [r["姓名"] for r in rows] == ["赵二支"]


def test_full_id_numbers_for_a_reviewing_role_are_logged(client, committee_admin, roster):
    client.force_login(committee_admin)
    sheet = export(client, "member-roster", full_id="on")
    _, rows = table(sheet)
    zhang = next(r for r in rows if r["姓名"] == "张伟")
    assert zhang["公民身份号码"] == roster["zhang"].id_number
    assert zhang["电话"] == "13812345678"
    assert "含完整个人信息" in sheet["A2"].value
    log = PersonalDataLog.objects.get()
    assert (log.user, log.action) == (committee_admin, PersonalDataLog.Action.EXPORT)
    assert "党员花名册" in log.subject
    job = ExportJob.objects.get()
    assert job.includes_personal_data and job.params == {"full_id": True}
    assert f"#{job.pk}" in log.detail and "4 行" in log.detail


def test_a_secretary_may_not_export_full_id_numbers(client, secretary, roster):
    client.force_login(secretary)
    url = reverse("ledgers:ledger-export", args=["member-roster"])
    assert "包含完整的身份证号码" not in client.get(url).content.decode()
    response = client.post(url, {"full_id": "1"})
    assert response.status_code == 200
    assert "您的角色无权导出完整的身份证号码和联系电话。" in response.content.decode()
    assert not ExportJob.objects.exists()
    assert not PersonalDataLog.objects.exists()


def test_outsider_never_sees_foreign_rows(client, outsider, roster):
    client.force_login(outsider)
    _, rows = table(export(client, "member-roster"))
    assert [r["姓名"] for r in rows] == ["乙局党员"]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("code", ["member-roster", "organizations", "terms", "development"])
def test_naming_a_foreign_organisation_is_a_404(client, outsider, roster, branch_a, code, method):
    client.force_login(outsider)
    url = reverse("ledgers:ledger-export", args=[code])
    response = getattr(client, method)(url, {"organization": branch_a.pk})
    assert response.status_code == 404
    assert "甲局" not in response.content.decode()
    assert getattr(client, method)(url, {"organization": 987654}).status_code == 404
    assert not ExportJob.objects.exists()


def test_a_formula_looking_name_is_exported_as_text(client, secretary, branch_a):
    MemberFactory(organization=branch_a, name="=cmd|' /C calc'!A0")
    MemberFactory(organization=branch_a, name="@SUM(1+1)")
    client.force_login(secretary)
    sheet = export(client, "member-roster")
    cells = [row[0] for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]
    assert {c.value for c in cells} == {"'=cmd|' /C calc'!A0", "'@SUM(1+1)"}
    assert all(c.data_type == "s" for c in cells)


def test_layout_merged_title_frozen_header_landscape(client, secretary, roster):
    client.force_login(secretary)
    sheet = export(client, "member-roster")
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:T1", "A2:T2"}
    assert sheet.freeze_panes == "A4"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet["A3"].font.b
    # 公民身份号码: sized from its content, 18 characters plus a margin
    assert sheet.column_dimensions["E"].width == 20


def count_export_queries(client, code, **params):
    with CaptureQueriesContext(connection) as queries:
        export(client, code, **params)
    return len(queries)


def test_roster_queries_do_not_grow_with_rows(
    client, committee_admin, branch_a, branch_a2, django_assert_max_num_queries
):
    client.force_login(committee_admin)
    MemberFactory.create_batch(5, organization=branch_a)
    small = count_export_queries(client, "member-roster", organization=branch_a.pk)
    MemberFactory.create_batch(45, organization=branch_a2)
    MemberFactory.create_batch(45, organization=branch_a)
    large = count_export_queries(client, "member-roster", organization=branch_a.pk)
    assert small == large
    # session, user, user's organisation, the chosen organisation (form), count, the rows,
    # and the export log (savepoint, insert, release).
    with django_assert_max_num_queries(9):
        export(client, "member-roster", organization=branch_a.pk)


# --- 组织台账 -------------------------------------------------------------------------------


def test_organization_ledger_counts_members_of_the_subtree_and_shows_the_current_term(
    client, committee_admin, roster, committee_a, branch_a, branch_a2
):
    TermFactory(
        organization=branch_a,
        number=1,
        elected_on=datetime.date(2020, 5, 1),
        actual_end=datetime.date(2023, 5, 10),
    )
    TermFactory(organization=branch_a, number=2, elected_on=datetime.date(2023, 5, 10))
    client.force_login(committee_admin)
    sheet = export(client, "organizations")
    headers, rows = table(sheet)
    assert headers == [
        "党组织名称", "简称", "组织类型", "分类指导类别", "上级党组织", "成立日期", "党员总数",
        "正式党员", "预备党员", "届次", "选举日期", "届满日期", "状态",
    ]  # fmt: skip
    by_name = {r["党组织名称"]: r for r in rows}
    assert list(by_name) == ["甲局党委", "甲局第一党支部", "甲局第二党支部"]
    first = by_name["甲局第一党支部"]
    # 张伟 and 赵… full, 李娜 probationary; the transferred-out member is not counted.
    assert (first["党员总数"], first["正式党员"], first["预备党员"]) == (2, 1, 1)
    assert first["组织类型"] == "党支部"
    assert first["上级党组织"] == "甲局党委"
    assert first["届次"] == "第2届"
    assert as_date(first["选举日期"]) == datetime.date(2023, 5, 10)
    assert as_date(first["届满日期"]) == datetime.date(2026, 5, 10)
    committee = by_name["甲局党委"]
    assert (committee["党员总数"], committee["正式党员"], committee["预备党员"]) == (3, 2, 1)
    assert committee["届次"] is None and committee["状态"] == "有效"


def test_organization_ledger_queries_do_not_grow_with_rows(
    client, committee_admin, committee_a, django_assert_max_num_queries
):
    client.force_login(committee_admin)
    small = count_export_queries(client, "organizations")
    for _ in range(20):
        branch = OrganizationFactory(parent=committee_a)
        TermFactory(organization=branch)
        MemberFactory.create_batch(2, organization=branch)
    assert count_export_queries(client, "organizations") == small
    # session, user, user's organisation, count, member totals (GROUP BY), the rows,
    # and the export log (savepoint, insert, release).
    with django_assert_max_num_queries(9):
        export(client, "organizations")


# --- 换届台账 -------------------------------------------------------------------------------


def test_term_ledger_lists_current_terms_ending_by_the_year_with_days(
    client, committee_admin, branch_a, branch_a2, branch_b, committee_a
):
    today = datetime.date.today()
    overdue = TermFactory(organization=branch_a, elected_on=datetime.date(today.year - 4, 1, 1))
    later = TermFactory(organization=branch_a2, elected_on=datetime.date(today.year - 1, 1, 1))
    TermFactory(organization=committee_a, elected_on=today, length_years=5)
    TermFactory(organization=branch_b, elected_on=datetime.date(today.year - 4, 1, 1))
    client.force_login(committee_admin)

    sheet = export(client, "terms", year=today.year)
    headers, rows = table(sheet)
    assert headers[-3:] == ["状态", "逾期天数", "剩余天数"]
    assert f"届满年份：{today.year}" in sheet["A2"].value
    assert [r["党组织"] for r in rows] == ["甲局第一党支部"]
    row = rows[0]
    assert row["状态"] == "已逾期"
    assert row["逾期天数"] == (today - overdue.due_end).days > 0
    assert row["剩余天数"] is None
    assert row["届次"] == f"第{overdue.number}届"

    _, rows = table(export(client, "terms", year=today.year + 2))
    assert [r["党组织"] for r in rows] == ["甲局第一党支部", "甲局第二党支部"]
    assert rows[1]["剩余天数"] == (later.due_end - today).days
    assert rows[1]["状态"] == "未到期"


@pytest.mark.parametrize(
    ("year", "message"),
    [("abc", "年份须为整数"), ("1999", "2000 至 2100"), ("2101", "2000 至 2100")],
)
def test_a_bad_year_is_a_chinese_message(client, secretary, year, message):
    client.force_login(secretary)
    url = reverse("ledgers:ledger-export", args=["terms"])
    for response in (client.get(url, {"year": year}), client.post(url, {"year": year})):
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not ExportJob.objects.exists()


def test_term_ledger_defaults_to_this_year(client, secretary, branch_a):
    TermFactory(organization=branch_a, elected_on=datetime.date.today().replace(day=1, month=1))
    client.force_login(secretary)
    sheet = export(client, "terms")
    assert f"届满年份：{datetime.date.today().year}" in sheet["A2"].value


# --- 发展党员台账 ---------------------------------------------------------------------------


def add_steps(case, user, **dates):
    DevelopmentStep.objects.bulk_create(
        DevelopmentStep(case=case, step=step, done_on=day, recorded_by=user)
        for step, day in dates.items()
    )


def test_development_ledger_pivots_each_step_into_a_column(client, secretary, branch_a, branch_b):
    case = DevelopmentCaseFactory(organization=branch_a, name="孙申请", stage="activist")
    add_steps(
        case,
        secretary,
        application=datetime.date(2024, 3, 1),
        talk=datetime.date(2024, 3, 20),
        activist=datetime.date(2024, 6, 1),
    )
    DevelopmentCaseFactory(organization=branch_a, name="周终止", is_closed=True)
    DevelopmentCaseFactory(organization=branch_b, name="乙局申请人")
    client.force_login(secretary)

    sheet = export(client, "development")
    headers, rows = table(sheet)
    assert headers[:10] == [
        "姓名", "性别", "民族", "出生日期", "公民身份号码", "学历", "工作单位及职务",
        "所在党支部", "所处阶段", "状态",
    ]  # fmt: skip
    assert headers[10:] == list(Step.labels)
    assert [r["姓名"] for r in rows] == ["孙申请"]
    row = rows[0]
    assert row["所处阶段"] == "入党积极分子"
    assert row["公民身份号码"] == mask_id_number(case.id_number)
    assert as_date(row["递交入党申请书"]) == datetime.date(2024, 3, 1)
    assert as_date(row["党组织派人谈话"]) == datetime.date(2024, 3, 20)
    assert as_date(row["确定为入党积极分子"]) == datetime.date(2024, 6, 1)
    assert row["确定为发展对象"] is None

    _, rows = table(export(client, "development", include_closed="on"))
    # pinyin order: sun before zhou
    assert [(r["姓名"], r["状态"]) for r in rows] == [("孙申请", "进行中"), ("周终止", "已终止")]


def test_development_ledger_queries_do_not_grow_with_rows(
    client, secretary, branch_a, django_assert_max_num_queries
):
    client.force_login(secretary)
    for case in DevelopmentCaseFactory.create_batch(3, organization=branch_a):
        add_steps(case, secretary, application=datetime.date(2024, 1, 1))
    small = count_export_queries(client, "development")
    for case in DevelopmentCaseFactory.create_batch(30, organization=branch_a):
        add_steps(
            case, secretary, application=datetime.date(2024, 1, 1), talk=datetime.date(2024, 2, 1)
        )
    assert count_export_queries(client, "development") == small
    # session, user, user's organisation, count, the pivoted rows,
    # and the export log (savepoint, insert, release).
    with django_assert_max_num_queries(8):
        export(client, "development")
