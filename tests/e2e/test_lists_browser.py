"""On a phone: the demo secretary files the year-end report (年底对账) of a list item with a
photo and submits it; the party-committee admin confirms it; the change shows in the history."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from alxa_dangjian.accounts.models import User
from assessments.models import CheckpointEntry, CheckpointWindow, ResponsibilityList, Stage
from tests.e2e.conftest import ARTIFACTS, PHONE, assert_no_horizontal_scroll, log_in, png_bytes


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def open_year_end_today(year, today):
    """Whatever the date the suite runs on, today lies in this year's 年底对账 window."""
    day = datetime.timedelta(days=1)
    CheckpointWindow.objects.update_or_create(
        year=year,
        defaults={
            "plan_opens_on": datetime.date(year, 1, 1),
            "plan_closes_on": datetime.date(year, 1, 2),
            "mid_opens_on": datetime.date(year, 1, 3),
            "mid_closes_on": datetime.date(year, 1, 4),
            "final_opens_on": min(today, datetime.date(year, 1, 5)),
            "final_closes_on": today + 30 * day,
        },
    )


def test_secretary_reports_year_end_on_a_phone_and_committee_admin_confirms(
    page, live_server, demo_league
):
    today = timezone.localdate()
    open_year_end_today(today.year, today)
    branch = User.objects.get(username="shuji").organization
    own_list = ResponsibilityList.objects.get(
        year=today.year, owner_organization=branch, type__code="principal"
    )
    page.set_viewport_size(PHONE)

    log_in(page, live_server, "shuji")
    page.get_by_role("button", name="展开导航").click()
    page.get_by_role("link", name="责任与考核").click()
    expect(page.get_by_role("heading", name="责任与考核")).to_be_visible()
    assert_no_horizontal_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "lists-index-phone.png"), full_page=True)
    page.get_by_test_id("list-index").get_by_role("link", name=own_list.owner_label).click()

    card = page.get_by_test_id("list-item").first
    content = card.locator("span[style]").first.inner_text()
    card.get_by_test_id("checkpoint-final").get_by_role("link", name="填报").click()
    expect(page.get_by_role("heading", name="年底对账")).to_be_visible()
    page.get_by_label("进展").select_option(label="已完成")
    page.get_by_label("完成日期").fill(today.isoformat())
    page.get_by_label("情况说明").fill("全年任务已完成，材料已归档。")
    page.locator('input[name="files"]').set_input_files(
        files=[{"name": "对账材料.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="提交审核").click()

    card = page.get_by_test_id("list-item").first
    expect(card.get_by_test_id("checkpoint-final")).to_contain_text("待审核")
    expect(
        card.get_by_test_id("checkpoint-final").get_by_role("link", name="对账材料.png")
    ).to_be_visible()
    assert_no_horizontal_scroll(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lists-detail-phone.png"), full_page=True)
    page.context.clear_cookies()

    log_in(page, live_server, "dangwei")
    page.goto(f"{live_server.url}{own_list.get_absolute_url()}")
    final = page.get_by_test_id("list-item").first.get_by_test_id("checkpoint-final")
    final.get_by_placeholder("审核意见（退回时必填）").fill("材料齐全，予以确认")
    final.get_by_role("button", name="确认").click()
    final = page.get_by_test_id("list-item").first.get_by_test_id("checkpoint-final")
    expect(final).to_contain_text("已确认")
    expect(page.get_by_test_id("history")).to_contain_text("材料齐全，予以确认")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "lists-confirmed-phone.png"), full_page=True)

    entry = CheckpointEntry.objects.get(
        item__list=own_list, stage=Stage.FINAL, item__content=content
    )
    assert entry.review == CheckpointEntry.Review.CONFIRMED
    assert entry.evidence.get().original_name == "对账材料.png"
