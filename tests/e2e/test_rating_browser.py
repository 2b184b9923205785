"""One 最强党支部 application walked through the browser on the demo league: the secretary
applies and submits the self-assessment, the party committee recommends, the work committee
scores, approves, opens 公示 and names; the branch is then found in the exported 名单.
The statistics page shows the seed report's 2023 figures."""

import datetime
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import RatingApplication, RatingRound, RatingStandard, RatingTitle, Scope
from tests.e2e.conftest import ARTIFACTS, log_in

BRANCH = "盟公安局治安管理支队党支部"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def full(standard):
    return "0" if standard.method == RatingStandard.Method.DEDUCTION else str(standard.max_score)


def switch_user(page, live_server, username):
    page.context.clear_cookies()
    log_in(page, live_server, username)


def set_round_dates(page, live_server, round, offsets):
    """The staff round edit page: the stage dates as day offsets from today."""
    today = timezone.localdate()
    page.goto(live_server.url + reverse("branches:ratinground-edit", args=[round.pk]))
    fields = [
        "apply_opens_on",
        "apply_closes_on",
        "recommend_closes_on",
        "review_closes_on",
        "publicity_starts_on",
        "publicity_ends_on",
    ]
    for name, offset in zip(fields, offsets, strict=True):
        day = today + datetime.timedelta(days=offset)
        page.locator(f"#id_{name}").fill(day.isoformat())
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存")).to_be_visible()


def test_application_from_secretary_to_naming_and_the_export(
    page, live_server, demo_league, tmp_path
):
    round = RatingRound.objects.get(year=timezone.localdate().year, scope=Scope.ORGAN)
    round_url = live_server.url + round.get_absolute_url()

    # 1. The secretary applies and submits the self-assessment.
    log_in(page, live_server, "shuji")
    page.goto(round_url)
    page.get_by_label("申报等次").select_option(label="最强党支部")
    page.get_by_role("button", name="开始申报").click()
    expect(page.get_by_text("已创建申报")).to_be_visible()
    application = RatingApplication.objects.get(round=round, organization__name=BRANCH)
    items = list(application.scores.select_related("standard"))
    assert len(items) == 16
    for item in items:
        page.locator(f'[name="self_score-{item.pk}"]').fill(full(item.standard))
    page.locator(f'[name="self_note-{items[0].pk}"]').fill("三会一课记录完整，已上传会议记录。")
    page.get_by_role("button", name="保存并提交申报").click()
    expect(page.get_by_text("已提交申报，等待党委推荐。")).to_be_visible()

    # 2. The party committee recommends it.
    switch_user(page, live_server, "dangwei")
    page.goto(live_server.url + application.get_absolute_url())
    page.locator("#opinion").fill("支部工作扎实，同意推荐。")
    page.get_by_role("button", name="推荐至工委").click()
    expect(page.get_by_text("已推荐至工委审核。")).to_be_visible()

    # 3. The work committee scores every item and approves.
    switch_user(page, live_server, "gongwei")
    page.goto(live_server.url + application.get_absolute_url())
    for item in items:
        page.locator(f'[name="review_score-{item.pk}"]').fill(full(item.standard))
    page.get_by_role("button", name="保存并审核通过").click()
    expect(page.get_by_text("已审核通过。")).to_be_visible()

    # 4. 公示 and 命名 need their windows: the demo round's are weeks ahead, so the work
    # committee moves the dates on the round edit page, as it would to close a round early.
    set_round_dates(page, live_server, round, (-30, -4, -3, -2, -1, 1))
    page.get_by_role("button", name="将审核通过的申报列入公示").click()
    expect(page.get_by_text("已将1个审核通过的申报列入公示。")).to_be_visible()
    set_round_dates(page, live_server, round, (-30, -4, -3, -2, -2, -1))
    page.get_by_role("button", name="命名公示期满的申报").click()
    expect(page.get_by_text("已命名1个党支部。")).to_be_visible()
    assert RatingTitle.objects.filter(organization__name=BRANCH, year=round.year).exists()

    # 5. The 名单 of the round holds the branch.
    page.goto(live_server.url + reverse("ledgers:ledger-export", args=["rating-titles"]))
    page.locator("#id_round").select_option(label=str(round))
    page.locator("#id_level").select_option(label="最强党支部")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="导出 Excel").click()
    path = tmp_path / "titles.xlsx"
    download_info.value.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if "党支部" in row)
    header = rows[header_index]
    named = [row for row in rows[header_index + 1 :] if row[header.index("党支部")] == BRANCH]
    assert len(named) == 1
    assert named[0][header.index("等次")] == "最强党支部"
    assert named[0][header.index("状态")] == "有效"


def test_statistics_show_the_seed_report_on_a_phone(page, live_server, demo_league):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "gongwei")
    page.goto(live_server.url + reverse("branches:ratingtitle-stats") + "?year=2023")
    organ = page.get_by_test_id("scope-organ")
    expect(organ.get_by_test_id("titled")).to_have_text("112")
    expect(organ.get_by_test_id("share")).to_have_text("55.72%")
    expect(organ.get_by_test_id("model_point")).to_have_text("9")
    expect(organ.get_by_test_id("model_base")).to_have_text("2")
    league = page.get_by_test_id("scope-league")
    expect(league.get_by_test_id("titled")).to_have_text("15")
    expect(page.get_by_test_id("kind-grassroots")).to_contain_text(re.compile(r"105\s*37"))
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 390
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "rating-stats-phone.png"), full_page=True)
    organ.get_by_test_id("titled").click()
    expect(page.get_by_test_id("count")).to_have_text("112")
