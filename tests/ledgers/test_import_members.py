"""The member import: new numbers create members, known ones update them, the model's rules
apply per row with errors on the right column, nothing outside the importer's subtree is
touched, and an exported roster imports back unchanged."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from alxa_dangjian.ledgers.models import ImportBatch
from branches.models import Member, PartyGroup
from tests.factories import MemberFactory, OrganizationFactory
from tests.ledgers.bad_files.corpus import (
    BRANCH,
    MEMBER_HEADERS,
    database_fingerprint,
    id_number,
    member_row,
    workbook_bytes,
)

CREATE_URL = reverse("ledgers:importbatch-create", args=["members"])


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, rows, *, name="党员.xlsx", **kwargs) -> ImportBatch:
    content = workbook_bytes(rows, **kwargs)
    response = client.post(CREATE_URL, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.context["form"].errors
    batch = ImportBatch.objects.latest("pk")
    assert response.url == batch.get_absolute_url()
    return batch


def commit(client, batch):
    return client.post(reverse("ledgers:importbatch-commit", args=[batch.pk]), follow=True)


def texts(batch):
    return [f"第{e['row']}行「{e['column']}」列：{e['message']}" for e in batch.errors]


def test_a_clean_file_is_previewed_then_committed(client, secretary, branch_a):
    client.force_login(secretary)
    batch = upload(client, [member_row(1), member_row(2, 性别="", 出生日期=None)])
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.summary["created"] == 2 and batch.row_count == 2
    assert not Member.objects.exists()  # the preview writes nothing

    page = client.get(batch.get_absolute_url()).content.decode()
    assert "检查通过，确认后将：" in page and "新增 2 条" in page
    assert "测试党员1（甲局第一党支部）" in page
    assert id_number(1) not in page  # personal data stays out of the summary

    response = commit(client, batch)
    assert "导入完成：新增 2 条，更新 0 条，0 条无变化。" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and batch.committed_at
    first, second = Member.objects.order_by("name")
    assert first.organization == branch_a and first.ethnicity == "蒙古族"
    assert first.degree == Member.Degree.BACHELOR and first.confirmed_on == dt.date(2011, 7, 1)
    # Gender and birth date left blank are taken from the ID number.
    assert second.gender == Member.Gender.MALE and second.birth_date == dt.date(1985, 3, 7)
    assert second.created_at and second.updated_at


def test_a_committed_batch_cannot_be_committed_twice(client, secretary, branch_a):
    client.force_login(secretary)
    batch = upload(client, [member_row(1)])
    commit(client, batch)
    response = commit(client, batch)
    assert "该批次已导入或存在问题，不能再次导入" in response.content.decode()
    assert Member.objects.count() == 1


def test_known_id_numbers_update_the_member(client, secretary, branch_a):
    member = MemberFactory(organization=branch_a, id_number=id_number(1), phone="13900000000")
    untouched = MemberFactory(organization=branch_a)
    client.force_login(secretary)
    batch = upload(client, [member_row(1, 姓名="改名", 电话="", 党内职务="组织委员")])
    assert batch.summary["updated"] == 1 and batch.summary["created"] == 0
    commit(client, batch)
    member.refresh_from_db()
    assert (member.name, member.phone, member.party_post) == ("改名", "", "组织委员")
    assert Member.objects.get(pk=untouched.pk).updated_at == untouched.updated_at


def test_a_lower_case_x_matches_the_stored_number(client, secretary, branch_a):
    number = next(id_number(n) for n in range(1, 60) if id_number(n).endswith("X"))
    MemberFactory(organization=branch_a, id_number=number, name="测试党员1")
    client.force_login(secretary)
    batch = upload(client, [member_row(1, 公民身份号码=number.lower())])
    assert batch.summary["created"] == 0


def test_model_rules_are_errors_on_their_columns(client, secretary, branch_a):
    client.force_login(secretary)
    before = database_fingerprint()
    batch = upload(
        client,
        [
            member_row(1, 入党日期=dt.date(2002, 1, 1), 转正日期=None),
            member_row(2, 党员类型="预备党员"),
            member_row(3, 转正日期=dt.date(2009, 1, 1)),
            member_row(4, 民族="火星族", 学历="博士后"),
            member_row(5, 姓名="", 流动党员="不确定"),
        ],
    )
    assert texts(batch) == [
        "第2行「入党日期」列：入党时须年满18周岁",
        "第3行「转正日期」列：预备党员没有转正日期",
        "第4行「转正日期」列：转正日期不能早于入党日期",
        "第5行「民族」列：“火星族”不是可选值，请按「填写说明」中的可选值填写",
        "第5行「学历」列：“博士后”不是可选值，应为“研究生”、“大学本科”、“大学专科”、“中专”、"
        "“高中”、“初中及以下”之一",
        "第6行「姓名」列：不能为空",
        "第6行「流动党员」列：“不确定”不是可选值，应为“是”或“否”",
    ]
    assert batch.error_count == 7
    assert database_fingerprint() == before


def test_a_temporary_branch_does_not_take_members(client, committee_admin, committee_a):
    OrganizationFactory(name="甲局临时党支部", type="temporary_branch", parent=committee_a)
    client.force_login(committee_admin)
    batch = upload(client, [member_row(1, 所在党支部="甲局临时党支部")])
    assert texts(batch) == [
        "第2行「所在党支部」列：临时党支部不接收党员组织关系，请在党员所在的正式党支部登记"
    ]


def test_members_belong_to_branches_not_committees(client, committee_admin):
    client.force_login(committee_admin)
    batch = upload(client, [member_row(1, 所在党支部="甲局党委")])
    assert texts(batch) == ["第2行「所在党支部」列：党员须编入党支部（含联合党支部）"]


def test_a_committee_admin_imports_into_every_branch_of_the_subtree(
    client, committee_admin, branch_a, branch_a2
):
    branch_a2.short_name = "甲二支部"
    branch_a2.save()
    client.force_login(committee_admin)
    batch = upload(client, [member_row(1), member_row(2, 所在党支部="甲二支部")])
    commit(client, batch)
    assert set(Member.objects.values_list("organization", flat=True)) == {
        branch_a.pk,
        branch_a2.pk,
    }


def test_a_secretary_cannot_import_into_a_sibling_branch(client, secretary, branch_a2):
    client.force_login(secretary)
    batch = upload(client, [member_row(1, 所在党支部="甲局第二党支部")])
    assert texts(batch) == [
        "第2行「所在党支部」列：未找到党组织“甲局第二党支部”，或该党组织不在您的管理范围内"
    ]


def test_an_import_neither_moves_members_nor_changes_their_standing(
    client, committee_admin, branch_a, branch_a2
):
    MemberFactory(organization=branch_a2, id_number=id_number(1))
    MemberFactory(organization=branch_a, id_number=id_number(2))
    client.force_login(committee_admin)
    batch = upload(client, [member_row(1), member_row(2, 党籍状态="出党")])
    assert texts(batch) == [
        "第2行「所在党支部」列：该党员现属“甲局第二党支部”，导入不能调整组织关系，"
        "请在党员页面办理组织关系转接",
        "第3行「党籍状态」列：党籍状态不能通过导入变更（系统中为“正常”），请在党员页面办理",
    ]


def test_party_groups_must_exist_in_the_members_branch(client, secretary, branch_a, branch_a2):
    group = PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    PartyGroup.objects.create(organization=branch_a2, name="第二党小组")
    client.force_login(secretary)
    batch = upload(client, [member_row(1, 党小组="第一党小组"), member_row(2, 党小组="第二党小组")])
    assert texts(batch) == [
        "第3行「党小组」列：“甲局第一党支部”没有名为“第二党小组”的党小组，请先在党支部页面建立"
    ]
    batch = upload(client, [member_row(1, 党小组="第一党小组")])
    commit(client, batch)
    assert Member.objects.get().party_group == group


def test_lost_contact_date_is_checked_against_joining(client, secretary, branch_a):
    client.force_login(secretary)
    batch = upload(client, [member_row(1, 失联起始日期=dt.date(2009, 1, 1))])
    assert texts(batch) == ["第2行「失联起始日期」列：失联起始日期不能早于入党日期"]
    batch = upload(client, [member_row(1, 失联起始日期="2020/5/1")])
    commit(client, batch)
    assert Member.objects.get().lost_contact_since == dt.date(2020, 5, 1)


def test_dates_in_the_accepted_text_forms(client, secretary, branch_a):
    client.force_login(secretary)
    batch = upload(
        client,
        [
            member_row(1, 入党日期="2010-7-1", 转正日期="2011/7/1", 参加工作日期="2008年7月1日"),
            member_row(2, 入党日期="２０１０－０７－０１", 出生日期="1985.3.7"),
        ],
    )
    assert batch.error_count == 0, texts(batch)
    commit(client, batch)
    assert set(Member.objects.values_list("joined_on", flat=True)) == {dt.date(2010, 7, 1)}


def test_headers_may_come_in_any_order_under_a_title_row(client, secretary, branch_a):
    client.force_login(secretary)
    headers = list(reversed(MEMBER_HEADERS))
    batch = upload(client, [member_row(1)], headers=headers, title="党员花名册")
    assert batch.error_count == 0 and batch.summary["created"] == 1


def test_commit_checks_again_and_writes_nothing_if_the_data_changed(client, secretary, branch_a):
    client.force_login(secretary)
    batch = upload(client, [member_row(1), member_row(2)])
    # Between preview and commit the branch becomes a temporary branch.
    branch_a.type = "temporary_branch"
    branch_a.save()
    before = database_fingerprint()
    response = commit(client, batch)
    assert (
        "数据在预览后发生了变化，重新检查发现 2 个问题，未导入任何数据" in response.content.decode()
    )
    assert database_fingerprint() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.error_count == 2


def test_too_many_rows_are_refused(client, secretary, branch_a, settings):
    settings.LEDGER_IMPORT_MAX_ROWS = 2
    client.force_login(secretary)
    content = workbook_bytes([member_row(n) for n in range(1, 4)])
    response = client.post(CREATE_URL, {"file": SimpleUploadedFile("a.xlsx", content)})
    assert "数据超过 2 行，请分成多个文件导入" in " ".join(response.context["form"].errors["file"])


def test_preview_queries_do_not_grow_with_rows(
    client, secretary, branch_a, django_assert_num_queries
):
    PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    MemberFactory(organization=branch_a, id_number=id_number(1))
    client.force_login(secretary)

    def preview(count):
        rows = [member_row(n, 党小组="第一党小组") for n in range(1, count + 1)]
        content = workbook_bytes(rows)
        return client.post(CREATE_URL, {"file": SimpleUploadedFile("m.xlsx", content)})

    # session, user, scope path (user's organisation), organisations named, party groups,
    # existing members by ID number, savepoint + insert batch + release.
    with django_assert_num_queries(9):
        preview(20)
    with django_assert_num_queries(9):
        preview(200)


def test_commit_queries_do_not_grow_with_rows(
    client, secretary, branch_a, django_assert_num_queries
):
    client.force_login(secretary)
    small = upload(client, [member_row(n) for n in range(1, 11)])
    large = upload(client, [member_row(n) for n in range(11, 41)])
    url = reverse("ledgers:importbatch-commit", args=[small.pk])
    # session, user, scope path, batch, savepoint, batch locked, organisations named,
    # existing members, one bulk INSERT, one bulk INSERT of their history records, batch
    # saved, release.  (The INSERT is split every 500 rows — on SQLite every ~47 rows, its
    # limit of 999 parameters a statement.)
    with django_assert_num_queries(12):
        client.post(url)
    url = reverse("ledgers:importbatch-commit", args=[large.pk])
    with django_assert_num_queries(12):
        client.post(url)
    assert Member.objects.count() == 40


def test_an_exported_roster_imports_back_unchanged(client, committee_admin, branch_a, branch_a2):
    """Round trip: the roster exported with full ID numbers is a valid import file that
    changes nothing."""
    group = PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    MemberFactory(organization=branch_a, name="张伟", party_group=group, phone="13812345678")
    MemberFactory(
        organization=branch_a,
        name="李娜",
        gender="female",
        ethnicity="回族",
        status=Member.Status.PROBATIONARY,
        joined_on=dt.date(2024, 3, 1),
        confirmed_on=None,
        degree="",
        lost_contact_since=dt.date(2024, 9, 1),
        is_floating=True,
    )
    MemberFactory(organization=branch_a2, standing=Member.Standing.TRANSFERRED_OUT)
    client.force_login(committee_admin)
    response = client.post(
        reverse("ledgers:ledger-export", args=["member-roster"]), {"full_id": "on"}
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert load_workbook(io.BytesIO(content)).active.max_row == 3 + 3  # title, subtitle, header

    before = database_fingerprint()
    reply = client.post(CREATE_URL, {"file": SimpleUploadedFile("党员花名册.xlsx", content)})
    assert reply.status_code == 302, reply.context["form"].errors
    batch = ImportBatch.objects.get()
    assert batch.error_count == 0, batch.errors
    assert batch.summary["unchanged"] == 3
    assert (batch.summary["created"], batch.summary["updated"]) == (0, 0)
    commit(client, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert database_fingerprint() == before


def test_a_masked_roster_is_refused_with_a_clear_message(client, secretary, branch_a):
    MemberFactory(organization=branch_a, name="张伟", phone="13812345678")
    client.force_login(secretary)
    response = client.post(reverse("ledgers:ledger-export", args=["member-roster"]))
    content = b"".join(response.streaming_content)
    before = database_fingerprint()
    reply = client.post(CREATE_URL, {"file": SimpleUploadedFile("花名册.xlsx", content)})
    batch = ImportBatch.objects.get(pk=reply.url.rstrip("/").split("/")[-1])
    assert texts(batch) == [
        "第4行「公民身份号码」列：公民身份号码已打码（含“*”），无法识别；"
        "请使用含完整身份证号的导出文件或填写完整号码",
        "第4行「电话」列：电话已打码（含“*”），请填写完整号码或留空",
    ]
    assert database_fingerprint() == before


def test_template_lists_the_columns_and_the_allowed_values(client, secretary):
    client.force_login(secretary)
    response = client.get(reverse("ledgers:importbatch-template", args=["members"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames[:2] == ["党员信息", "填写说明"]
    data = workbook["党员信息"]
    assert [c.value for c in data[1]] == MEMBER_HEADERS
    assert data["E2"].number_format == "@"  # ID numbers typed as text keep every digit
    instructions = [row for row in workbook["填写说明"].iter_rows(values_only=True)]
    by_column = {row[0]: row for row in instructions if row and row[0] in MEMBER_HEADERS}
    assert by_column["公民身份号码"][1] == "必填"
    assert "蒙古族" in by_column["民族"][4] and "大学本科" in by_column["学历"][4]
    assert by_column["出生日期"][3] == "2024-01-31"
    assert any("2024年1月31日" in (row[0] or "") for row in instructions)


def test_the_template_itself_is_an_importable_file(client, secretary, branch_a):
    client.force_login(secretary)
    response = client.get(reverse("ledgers:importbatch-template", args=["members"]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["党员信息"]
    for column, header in enumerate(MEMBER_HEADERS, 1):
        sheet.cell(row=2, column=column, value=member_row(1)[header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.post(CREATE_URL, {"file": SimpleUploadedFile("模板.xlsx", buffer.getvalue())})
    batch = ImportBatch.objects.get()
    assert batch.error_count == 0, batch.errors
    assert batch.summary["created"] == 1 and BRANCH in batch.summary["samples"][0]["label"]
