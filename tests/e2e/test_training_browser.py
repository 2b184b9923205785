"""The demo secretary orders a course (点菜), the work committee's staff accept it and schedule
a class, attendance is recorded (sign-in), and the member's hours appear on their progress page
and in the 学时统计 export."""

from decimal import Decimal

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from alxa_dangjian.accounts.models import User
from branches.models import Member
from tests.e2e.conftest import ARTIFACTS, PHONE, assert_no_horizontal_scroll, log_in
from training.models import Course, CourseOrder
from training.progress import member_progress


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_ordered_course_becomes_hours_on_the_members_page_and_in_the_ledger(
    browser, live_server, demo_league
):
    today = timezone.localdate()
    branch = User.objects.get(username="shuji").organization
    course = Course.objects.active().filter(hours=Decimal(8)).order_by("pk").first()
    # A member whose name is unique in the branch, so labels name one person.
    name = (
        Member.objects.in_good_standing()
        .filter(organization=branch)
        .values("name")
        .annotate(n=Count("pk"))
        .filter(n=1)
        .order_by("name")
        .values_list("name", flat=True)
        .first()
    )
    member = Member.objects.get(organization=branch, name=name)
    hours_before = member_progress(member, today.year).hours

    # The secretary orders the course from the menu, on a phone.
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, "shuji")
    page.goto(f"{live_server.url}{course.get_absolute_url()}")
    page.get_by_role("link", name="点菜", exact=True).click()
    page.get_by_label("期望日期").fill(today.isoformat())
    page.get_by_label("需求说明").fill("浏览器测试点单")
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已提交点单")).to_be_visible()
    order = CourseOrder.objects.get(note="浏览器测试点单")
    assert order.organization == branch and order.status == CourseOrder.Status.PENDING
    context.close()

    # Staff accept it and schedule a new session of the branch.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, "gongwei")
    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    page.get_by_role("button", name="受理", exact=True).click()
    page.get_by_role("button", name="排课", exact=True).click()
    expect(page.get_by_test_id("class-length")).to_have_text("8.0")
    order.refresh_from_db()
    assert order.status == CourseOrder.Status.SCHEDULED and order.training_class is not None

    # Attendance: enrol the member and tick their sign-in (the whole class: 8 学时).
    enroll = page.get_by_test_id("enroll")
    enroll.get_by_label(name, exact=True).check()
    enroll.get_by_role("button", name="报名", exact=True).click()
    page.get_by_label(f"{name}签到").check()
    page.get_by_role("button", name="保存签到").click()
    expect(page.get_by_text("已保存签到和学时")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "training-class-signed-in.png"), full_page=True)

    # The member's page shows the new hours and the class.
    expected = hours_before + Decimal(8)
    page.goto(f"{live_server.url}{reverse('training:member-progress', args=[member.pk])}")
    expect(page.get_by_test_id("member-hours-total")).to_have_text(str(expected))
    expect(page.get_by_test_id("member-enrollments")).to_contain_text(course.title)
    page.screenshot(path=str(ARTIFACTS / "training-member-progress.png"), full_page=True)

    # The statistics page states its period and the seed's shape.
    page.goto(f"{live_server.url}{reverse('training:stats-overview')}")
    expect(page.get_by_test_id("stats-cumulative")).to_contain_text(
        f"统计期间：{today.year - 1}年—{today.year}年"
    )
    expect(page.get_by_test_id("total-demonstration")).to_have_text("53")
    page.screenshot(path=str(ARTIFACTS / "training-statistics.png"), full_page=True)

    # …and the 学时统计 export says the same.
    page.goto(
        f"{live_server.url}{reverse('ledgers:ledger-export', args=['training-hours-members'])}"
    )
    page.get_by_label("党组织范围").select_option(str(branch.pk))
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").click()
    with open(download.value.path(), "rb") as handle:
        sheet = load_workbook(handle).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    headers = list(rows[0])
    found = [dict(zip(headers, row, strict=True)) for row in rows[1:] if row[0] == name]
    assert len(found) == 1
    assert Decimal(str(found[0]["已获学时"])) == expected
    context.close()

    # The secretary sees the same hours on the branch's progress page, on a phone.
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, "shuji")
    page.goto(f"{live_server.url}{reverse('training:organization-progress', args=[branch.pk])}")
    expect(page.get_by_test_id("member-hours")).to_contain_text(name)
    assert_no_horizontal_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "training-branch-progress-phone.png"), full_page=True)
    context.close()
