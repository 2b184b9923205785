"""An export says at once that it is being generated and cannot be sent twice."""

from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import log_in


def test_export_form_shows_progress_at_once_and_disables_the_button(page, live_server, demo_league):
    log_in(page, live_server, "gongwei")
    page.goto(live_server.url + reverse("ledgers:ledger-export", args=["member-roster"]))
    held = []

    def hold_the_export(route):
        if route.request.method == "POST":
            held.append(route)  # answered below, after the page has been looked at
        else:
            route.continue_()

    page.route("**/ledgers/**", hold_the_export)
    button = page.get_by_role("button", name="导出 Excel")
    button.click(no_wait_after=True)
    status = page.locator("[data-busy-status]")
    expect(status).to_be_visible()
    expect(status).to_contain_text("正在生成党员花名册")
    expect(button).to_be_disabled()
    assert len(held) == 1
    held[0].abort()
