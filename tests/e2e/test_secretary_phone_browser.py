"""The secretary's phone: this month's 主题党日 with everyone present logged in at most eight
interactions from the home, and an old overdue item closed by a 未开展说明."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from activities import presets
from activities.models import Activity, ActivityKind, OverdueExplanation
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching
from tests.e2e.conftest import ARTIFACTS, PHONE, assert_no_horizontal_scroll, log_in

MAX_INTERACTIONS = 8


class Counter:
    """Clicks and fills made by the test from the home on: the interactions a person makes."""

    def __init__(self):
        self.count = 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def fill(self, locator, value):
        self.count += 1
        locator.fill(value)


def theme_day():
    return ActivityKind.objects.get(code="theme-day")


def test_theme_day_with_everyone_present_in_eight_interactions(page, live_server, demo_league):
    today = timezone.localdate()
    secretary = User.objects.get(username="shuji")
    branch = secretary.organization
    # This month's 主题党日 not logged yet.
    Activity.objects.filter(
        organization=branch, held_on__year=today.year, held_on__month=today.month
    ).delete()
    Activity.objects.filter(organization=branch, status=Activity.Status.DRAFT).delete()
    # The place the branch wrote on its latest 主题党日 in the demo's records.
    usual = presets.usual_place(branch, theme_day())
    assert usual
    caching.changed(caching.ACTIVITIES)
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shuji")

    steps = Counter()
    item = page.get_by_test_id("due-items").locator("li", has_text="本月还需开展主题党日")
    steps.click(item.get_by_role("link", name="去登记"))
    expect(page.get_by_label("类型")).to_have_value(str(theme_day().pk))
    expect(page.get_by_label("日期")).to_have_value(today.isoformat())
    expect(page.get_by_label("地点")).to_have_value(usual)
    expect(page.locator('[data-count="absent"]')).to_have_text("0")
    steps.fill(page.get_by_role("textbox", name=re.compile(r"^主题")), "重温入党誓词")
    assert_no_horizontal_scroll(page)
    steps.click(page.get_by_role("button", name="保存并提交"))
    expect(page.get_by_test_id("activity-status")).to_have_text("已提交")
    assert steps.count <= MAX_INTERACTIONS

    activity = Activity.objects.get(organization=branch, theme="重温入党誓词")
    assert (activity.kind, activity.held_on, activity.place) == (
        theme_day(),
        today,
        usual,
    )
    assert activity.status == Activity.Status.SUBMITTED
    assert not activity.attendances.exclude(status="present").exists()
    assert activity.attendances.count() > 0
    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("due-items")).not_to_contain_text("本月还需开展主题党日")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "secretary-phone-home-after.png"), full_page=True)


def test_an_old_overdue_item_is_cleared_by_an_explanation(page, live_server, demo_league):
    today = timezone.localdate()
    if today.month <= 3:
        pytest.skip("an item past the 30-day window this year needs a month three months back")
    month = today.month - 3
    secretary = User.objects.get(username="shuji")
    branch = secretary.organization
    Activity.objects.filter(
        organization=branch, held_on__year=today.year, held_on__month=month
    ).delete()
    caching.changed(caching.ACTIVITIES)
    text = f"{today.year}年{month}月 主题党日 未开展（已逾期）"
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shuji")

    item = page.get_by_test_id("due-items").locator("li", has_text=text)
    expect(item).to_be_visible()
    item.get_by_role("link", name="说明或申请补录").click()
    expect(page.get_by_test_id("overdue-item")).to_have_text(text)
    expect(page.get_by_label("未开展说明")).to_be_checked()
    page.get_by_label("理由").fill("当月全体党员参加防汛抢险，未能组织主题党日。")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_test_id("explanation-status")).to_have_text("已说明")
    assert_no_horizontal_scroll(page)

    explanation = OverdueExplanation.objects.get(organization=branch)
    assert (explanation.year, explanation.index) == (today.year, month)
    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("due-items")).not_to_contain_text(text)
    detail = reverse("activities:compliance-detail", args=[branch.pk])
    page.goto(f"{live_server.url}{detail}?year={today.year}&month={month}")
    rule = page.locator('[data-testid="compliance-rule"][data-kind="theme-day"]')
    expect(rule).to_have_attribute("data-status", "explained")
    expect(rule.get_by_test_id("explanation")).to_contain_text("未开展说明")
