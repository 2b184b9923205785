"""On a phone: the demo secretary records last month's dues for her branch in one form, and
the branch's arrears list shrinks by the members who were three months behind."""

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from alxa_dangjian.accounts.models import User
from branches.models import Member
from dues.arrears import WARNING, arrears
from tests.e2e.conftest import ARTIFACTS, log_in

PHONE = {"width": 390, "height": 844}


def test_secretary_records_a_month_and_arrears_shrink(page, live_server, demo_league):
    secretary = User.objects.select_related("organization").get(username="shuji")
    branch = secretary.organization
    before = list(arrears(Member.objects.filter(organization=branch), as_of=timezone.localdate()))
    warned = {m.name for m in before if m.level == WARNING and m.unpaid == 3}
    assert warned, "the demo leaves someone in the branch three months behind"

    page.set_viewport_size(PHONE)
    log_in(page, live_server, "shuji")
    page.goto(f"{live_server.url}{reverse('dues:arrears-list')}")
    rows = page.locator('[data-testid="arrears"] tr[data-member]')
    expect(rows).to_have_count(len(before))

    page.get_by_role("link", name="收缴台账").click()
    page.get_by_role("link", name=branch.display_name).click()
    expect(page.locator('[data-testid="grid"]')).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    form = page.locator('[data-testid="month-form"]')
    for name in warned:  # ticked by default: they owe the month the form starts on
        expect(form.get_by_label(name, exact=True)).to_be_checked()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dues_month_form.png"), full_page=True)
    form.get_by_role("button", name="登记所选党员的党费").click()
    expect(page.get_by_text("的党费。")).to_be_visible()

    page.goto(f"{live_server.url}{reverse('dues:arrears-list')}")
    body = page.locator('[data-testid="arrears"]')
    for name in warned:
        expect(body.get_by_role("link", name=name, exact=True)).to_have_count(0)
    expect(rows).to_have_count(len(before) - len(warned))
    page.screenshot(path=str(ARTIFACTS / "dues_arrears_after.png"), full_page=True)
