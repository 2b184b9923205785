"""The grouped navigation: a sidebar that never wraps on desktop widths, a drawer on phones,
and a breadcrumb that says where the page is."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, assert_no_horizontal_scroll, log_in

# Number of text lines each navigation label and header item takes (1 = not wrapped).
LINES_PER_LABEL = """
() => Array.from(document.querySelectorAll(
    '.site-sidebar .nav-link, .site-header .nav-link, .site-header .navbar-brand, [data-testid=who]'
  ))
  .filter((element) => element.offsetParent !== null)
  .map((element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
    return [element.textContent.trim().replace(/\\s+/g, ' '), tops.size];
  })
"""


@pytest.mark.parametrize("width", [1280, 1366, 1440, 1920])
def test_no_navigation_item_wraps_on_desktop_widths(page, live_server, demo_league, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "admin")  # the role with the most entries
    page.goto(live_server.url + reverse("branches:member-list"))
    labels = page.evaluate(LINES_PER_LABEL)
    sidebar = [label for label, _ in labels]
    assert {"首页", "党组织", "党员", "组织生活", "合规监测", "台账导出", "账号管理"} <= set(
        sidebar
    )
    wrapped = [(label, lines) for label, lines in labels if lines != 1]
    assert not wrapped, f"wrapped at {width}px: {wrapped}"
    expect(page.get_by_test_id("sidebar")).to_be_visible()
    crumbs = page.get_by_test_id("breadcrumb")
    expect(crumbs).to_contain_text("首页")
    expect(crumbs).to_contain_text("组织与党员")
    expect(crumbs).to_contain_text("党员")
    active = page.locator(".site-sidebar .nav-link.active")
    expect(active).to_have_count(1)
    expect(active).to_have_text("党员")


def test_phone_navigation_is_a_drawer(page, live_server, demo_league):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shuji")
    expect(page.get_by_test_id("sidebar")).to_be_hidden()
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="展开导航").click()
    expect(page.get_by_test_id("sidebar")).to_be_visible()
    page.get_by_role("link", name="组织生活", exact=True).click()
    expect(page).to_have_url(live_server.url + reverse("activities:activity-list"))
    expect(page.get_by_test_id("sidebar")).to_be_hidden()
    assert_no_horizontal_scroll(page)
