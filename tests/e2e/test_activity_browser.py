"""On a phone: the demo secretary logs a 主题党日 with attendance and a photo and submits it,
the party-committee admin approves it, and the branch's light for this month turns green."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from activities.models import Activity, Attachment, FrequencyRule
from alxa_dangjian.accounts.models import User
from tests.e2e.conftest import ARTIFACTS, PHONE, assert_no_horizontal_scroll, log_in, png_bytes
from tests.factories import ActivityFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def only_the_theme_day_is_missing(branch, recorder, today):
    """Make this month's light depend on the 主题党日 alone: clear the branch's records of
    this month, then hold every other kind whose period runs today (per party group where
    the rule counts groups)."""
    Activity.objects.filter(
        organization=branch, held_on__year=today.year, held_on__month=today.month
    ).delete()
    for rule in FrequencyRule.objects.select_related("kind").exclude(kind__code="theme-day"):
        groups = list(branch.party_groups.all()) if rule.per_party_group else [None]
        for group in groups:
            ActivityFactory(
                organization=branch,
                kind=rule.kind,
                party_group=group,
                held_on=today,
                created_by=recorder,
                status=Activity.Status.APPROVED,
            )


def heatmap_cell(page, live_server, branch, month):
    """The branch's cell for the month, following the heatmap's pages until its row shows."""
    url = f"{live_server.url}{reverse('activities:compliance-heatmap')}"
    query = f"?committee={branch.parent_id}&category={branch.category}"
    for number in range(1, 20):
        page.goto(f"{url}{query}&page={number}")
        row = page.locator(f'tr[data-organization="{branch.pk}"]')
        if row.count():
            return row.locator(f'td[data-month="{month}"]')
    raise AssertionError("the branch is not on the heatmap")


def test_secretary_logs_theme_day_on_a_phone_and_committee_admin_approves(
    page, live_server, demo_league
):
    today = timezone.localdate()
    secretary = User.objects.get(username="shuji")
    branch = secretary.organization
    only_the_theme_day_is_missing(branch, secretary, today)
    page.set_viewport_size(PHONE)

    # Before: the month is still open (amber), not green.
    log_in(page, live_server, "dangwei")
    expect(heatmap_cell(page, live_server, branch, today.month)).not_to_have_attribute(
        "data-status", "met"
    )
    page.context.clear_cookies()

    # The secretary logs the 主题党日 from the phone's menu.
    log_in(page, live_server, "shuji")
    page.get_by_role("button", name="展开导航").click()
    page.get_by_role("link", name="组织生活", exact=True).click()
    page.get_by_role("link", name="登记组织生活").click()
    expect(page.get_by_role("heading", name="登记组织生活")).to_be_visible()
    page.get_by_label("类型").select_option(label="主题党日")
    expect(page.get_by_label("日期")).to_have_value(today.isoformat())
    page.get_by_role("textbox", name=re.compile(r"^主题")).fill("重温入党誓词主题党日")
    page.get_by_label("地点").fill("党员活动室")

    rows = page.locator("[data-attendance-row]")
    roster_size = rows.count()
    assert roster_size >= 3
    first = rows.first
    toggle = first.locator(".attendance-toggle")
    expect(toggle).to_have_text("出席")
    toggle.click()
    expect(toggle).to_have_text("请假")
    first.locator(".attendance-reason").fill("下乡驻村")
    expect(page.locator('[data-count="leave"]')).to_have_text("1")
    on_leave = first.get_attribute("data-member")

    page.locator('input[name="files"]').set_input_files(
        files=[{"name": "主题党日合影.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    assert_no_horizontal_scroll(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "activity-form-phone.png"), full_page=True)
    page.get_by_role("button", name="保存草稿").click()

    expect(page.get_by_test_id("activity-status")).to_have_text("草稿")
    expect(page.get_by_test_id("leave-count")).to_have_text("1")
    expect(page.get_by_test_id("present-count")).to_have_text(str(roster_size - 1))
    expect(page.get_by_role("img", name="主题党日合影.png")).to_be_visible()
    assert_no_horizontal_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "activity-record-phone.png"), full_page=True)
    page.get_by_role("link", name="提交审核").click()
    page.get_by_role("button", name="确认提交").click()
    expect(page.get_by_test_id("activity-status")).to_have_text("已提交")

    activity = Activity.objects.get(theme="重温入党誓词主题党日")
    assert activity.organization == branch and activity.held_on == today
    assert activity.attendances.get(member__name=on_leave).reason == "下乡驻村"
    assert Attachment.objects.get(activity=activity).content_type == "image/png"
    page.context.clear_cookies()

    # The party-committee admin finds it among the branch's submitted records and approves it.
    log_in(page, live_server, "dangwei")
    records = reverse("activities:activity-list")
    page.goto(f"{live_server.url}{records}?organization={branch.pk}&status=submitted")
    page.get_by_role("link", name="重温入党誓词主题党日").click()
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_test_id("activity-status")).to_have_text("已审核")
    expect(page.get_by_test_id("history")).to_contain_text("已提交 → 已审核")
    activity.refresh_from_db()
    assert activity.status == Activity.Status.APPROVED

    # After: the branch's light for this month is green.
    cell = heatmap_cell(page, live_server, branch, today.month)
    expect(cell).to_have_attribute("data-status", "met")
    expect(cell.locator("a")).to_have_class(re.compile(r"text-bg-success"))
    page.screenshot(path=str(ARTIFACTS / "activity-approved-heatmap.png"), full_page=True)
