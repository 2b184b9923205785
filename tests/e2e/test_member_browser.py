"""The demo secretary adds a member and exports the roster; the downloaded workbook,
read back with openpyxl, holds that member with the ID number masked."""

import datetime

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from alxa_dangjian.core.idnumber import make_id_number, mask_id_number
from branches.models import Member
from tests.e2e.conftest import ARTIFACTS, log_in

NAME = "苏日娜测试"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_secretary_adds_a_member_and_exports_the_roster(page, live_server, demo_league, tmp_path):
    id_number = make_id_number(
        region="152921", birth_date=datetime.date(1992, 8, 17), sequence=468, gender="female"
    )
    log_in(page, live_server, "shuji")
    page.goto(live_server.url + reverse("branches:member-create"))
    page.get_by_label("姓名").fill(NAME)
    page.get_by_label("公民身份号码").fill(id_number)
    page.get_by_label("民族").select_option("蒙古族")
    page.get_by_label("学历").select_option(label="大学本科")
    page.get_by_label("入党日期").fill("2016-07-01")
    page.get_by_label("党员类型").select_option(label="正式党员")
    page.get_by_label("转正日期").fill("2017-07-01")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    member = Member.objects.get(id_number=id_number)
    assert member.organization.name == "盟公安局治安管理支队党支部"
    assert (member.gender, member.birth_date) == ("female", datetime.date(1992, 8, 17))
    expect(page.get_by_text(id_number)).to_have_count(0)  # masked on the member page

    page.goto(live_server.url + reverse("ledgers:ledger-export", args=["member-roster"]))
    with page.expect_download() as download_info:
        page.get_by_role("button", name="导出 Excel").click()
    path = tmp_path / "roster.xlsx"
    download_info.value.save_as(path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    header_index = next(i for i, row in enumerate(rows) if "公民身份号码" in row)
    header = rows[header_index]
    ours = [row for row in rows[header_index + 1 :] if row[header.index("姓名")] == NAME]
    assert len(ours) == 1
    assert ours[0][header.index("公民身份号码")] == mask_id_number(id_number)
    assert id_number not in {str(cell) for row in rows for cell in row}
    # Only the secretary's own branch is in the file.
    branches = {row[header.index("所在党支部")] for row in rows[header_index + 1 :]}
    assert branches == {"盟公安局治安管理支队党支部"}
