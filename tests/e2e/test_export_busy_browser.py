"""An export says at once that it is being generated and cannot be sent twice."""

from django.urls import reverse

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
    # Locators would wait for the held navigation; read the page as it stands instead.
    state = page.evaluate(
        """() => {
            const status = document.querySelector("[data-busy-status]");
            const button = document.querySelector("form[data-busy] button[type=submit]");
            return {hidden: status.hidden, text: status.textContent, disabled: button.disabled};
        }"""
    )
    for _ in range(50):  # route handlers run while Playwright waits
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1, "the export request was sent once"
    assert state["hidden"] is False
    assert "正在生成党员花名册" in state["text"]
    assert state["disabled"] is True
    held[0].abort()
