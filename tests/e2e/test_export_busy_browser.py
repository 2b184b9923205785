"""An export says at once that it is being generated and cannot be sent twice."""

from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import log_in


def test_export_form_shows_progress_at_once_and_disables_the_button(page, live_server, demo_league):
    log_in(page, live_server, "gongwei")
    page.goto(live_server.url + reverse("ledgers:ledger-export", args=["member-roster"]))
    # Registered after site.js's listener, so the page reacts to the submit first; then the
    # request is kept from leaving, and the page can be read as it stands after the click.
    page.evaluate("() => document.addEventListener('submit', (event) => event.preventDefault())")
    button = page.get_by_role("button", name="导出 Excel")
    button.click()
    status = page.locator("[data-busy-status]")
    expect(status).to_be_visible()
    expect(status).to_contain_text("正在生成党员花名册")
    expect(button).to_be_disabled()
