import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, log_in


def test_secretary_logs_in_and_sees_their_branch_in_chinese(page, live_server, demo_league):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", name="阿拉善盟直属机关党建管理平台")).to_be_visible()

    log_in(page, live_server, "shuji")

    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("盟公安局治安管理支队党支部")
    expect(page.get_by_test_id("who")).to_contain_text("支部书记")
    expect(page.get_by_test_id("organization-total")).to_have_count(0)  # one branch
    expect(page.get_by_text("盟公安局刑事侦查支队党支部")).to_have_count(0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "secretary-home.png"), full_page=True)


def test_wrong_password_shows_chinese_error(page, live_server, demo_league):
    log_in(page, live_server, "shuji", password="wrong-password")
    expect(page.get_by_text("用户名或密码不正确")).to_be_visible()


def test_staff_sees_the_whole_league_on_a_phone(page, live_server, demo_league):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "gongwei")
    expect(page.get_by_test_id("organization-total")).to_have_text("230")
    # The navigation collapses behind the toggler on a phone and still works.
    page.get_by_role("button", name="展开导航").click()
    page.get_by_role("link", name="党组织", exact=True).click()
    expect(page.get_by_test_id("organization-tree")).to_contain_text("盟公安局治安管理支队党支部")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
