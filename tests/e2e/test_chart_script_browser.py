"""No script from data in the charts: every organisation's name and short name and one
ethnicity carry an HTML payload, and each chart shows a tooltip for a payload category on the
home, the profile and the print pages of every demo role. No dialog may open, the tooltip
shows the payload as text, and the Content-Security-Policy reports no violation (the page's
own scripts and styles all satisfy it)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat

from branches.models import Member, Organization
from portal.cockpit.warm import warm_cockpits
from tests.e2e.conftest import log_in

PAYLOAD = "<img src=x onerror=alert(7)>"

# Collects violations before any page script runs (init scripts are exempt from the policy).
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""

# For each drawn chart, the first data point whose category or row names the payload: the
# chart shows its tooltip there and the tooltip's text is returned.
SHOW_PAYLOAD_TOOLTIPS = """
async (payload) => {
  const shown = [];
  for (const element of document.querySelectorAll(".cockpit-chart[data-chart]")) {
    const spec = JSON.parse(document.getElementById(element.dataset.chart).textContent);
    const chart = window.echarts.getInstanceByDom(element);
    let index = -1;
    if (spec.kind === "heatmap") {
      index = spec.series[0].values.findIndex(v => spec.y_categories[v[1]].includes(payload));
    } else {
      index = spec.categories.findIndex(name => name.includes(payload));
    }
    if (index < 0) continue;
    chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: index });
    // An <img> in the tooltip would fail to load and run its handler within this pause.
    await new Promise(resolve => setTimeout(resolve, 400));
    shown.push([spec.key, element.lastElementChild.textContent]);
    chart.dispatchAction({ type: "hideTip" });
  }
  return shown;
}
"""


@pytest.fixture
def payload_league(demo_league):
    names = Organization.objects.all()
    names.update(
        name=Concat(F("name"), Value(PAYLOAD)),
        short_name=Concat(Value(PAYLOAD), Cast("pk", CharField())),
    )
    if connection.vendor == "sqlite":
        # Ethnicity is a choice of 10 characters; only SQLite stores a longer value, which
        # stands for any value that reaches the chart without passing the form.
        Member.objects.filter(ethnicity="蒙古族").update(ethnicity=PAYLOAD)
    cache.clear()
    warm_cockpits()


def pages_of(role_organization):
    pk = role_organization.pk
    return ["/", "/cockpit/print/", f"/branches/{pk}/profile/", f"/branches/{pk}/print/"]


@pytest.mark.parametrize(
    ("username", "charts_with_payload"),
    [
        ("gongwei", {"compliance-heatmap", "member-ethnicity"}),
        ("dangwei", {"compliance-heatmap", "member-ethnicity"}),
        ("shuji", set()),
    ],
)
def test_names_in_charts_never_run_as_script(
    page, live_server, payload_league, username, charts_with_payload
):
    from alxa_dangjian.accounts.models import User

    dialogs, console = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH_CSP)
    log_in(page, live_server, username)
    page.wait_for_url(f"{live_server.url}/")
    organization = User.objects.get(username=username).organization
    for path in pages_of(organization):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_function(
            "[...document.querySelectorAll('.cockpit-chart')].every("
            "el => el.dataset.rendered === 'true')"
        )
        shown = page.evaluate(SHOW_PAYLOAD_TOOLTIPS, PAYLOAD)
        keys = {key for key, _ in shown}
        if path in ("/", "/cockpit/print/"):
            assert charts_with_payload <= keys, (path, keys)
        for key, text in shown:
            assert PAYLOAD in text, (path, key, text)  # shown as text, not parsed as HTML
        assert page.evaluate("window.__cspViolations") == [], path
    assert dialogs == []
    assert not [line for line in console if "Content Security Policy" in line]
