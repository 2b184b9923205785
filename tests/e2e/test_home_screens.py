"""Each home (the cockpit) as its users see it: work-committee staff (gongwei), the
party-committee admin (dangwei) and the branch secretary (shuji), on a desk screen and on a
phone. Screenshots go to artifacts/e2e/; the charts must have drawn and a phone must not
scroll sideways."""

import pytest

from tests.e2e.conftest import ARTIFACTS, log_in

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("username", ["gongwei", "dangwei", "shuji"])
def test_home_screens(page, live_server, demo_league, username):
    log_in(page, live_server, username)
    page.wait_for_url(f"{live_server.url}/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/")
        page.wait_for_selector('[data-testid="cockpit-figures"]')
        # Every chart container has been drawn by ECharts (SVG renderer).
        page.wait_for_function(
            "[...document.querySelectorAll('.cockpit-chart')].every("
            "el => el.dataset.rendered === 'true' && el.querySelector('svg, canvas'))"
        )
        assert page.locator(".cockpit-chart").count() >= 2
        assert page.locator(".cockpit-chart svg path").count() > 0
        if username == "shuji":
            due = page.locator('[data-testid="due-items"]').bounding_box()
            figures = page.locator('[data-testid="cockpit-figures"]').bounding_box()
            assert due["y"] < figures["y"]
        page.screenshot(path=str(ARTIFACTS / f"home-{username}-{name}.png"), full_page=True)
        if name == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= page.evaluate("window.innerWidth"), f"{username}: {width}px wide"


def test_cockpit_print_draws_its_charts(page, live_server, demo_league):
    log_in(page, live_server, "dangwei")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/cockpit/print/")
    page.wait_for_selector(".cockpit-chart[data-rendered='true'] svg")
    assert page.locator("nav.navbar").count() == 0
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "cockpit-print-dangwei.png"), full_page=True)
