"""The work committee's year-end assessment in the browser: staff start a run over the demo
league, watch its progress, open a branch's score card, adjust a manual score with a reason,
freeze and publish the results through their confirmations (which state the counts and need
the box ticked) and export them; the branch secretary then sees the card."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from alxa_dangjian.accounts.models import User
from assessments.models import AssessmentRun, ScoreCard, ScoreEntry
from assessments.services import review
from tests.e2e.conftest import ARTIFACTS, log_in


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_staff_run_review_publish_and_export(page, live_server, demo_league):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server, "gongwei")
    page.goto(f"{live_server.url}/assessments/scoring/runs/")
    start = page.get_by_test_id("run-start")
    start.get_by_label("考核对象").select_option("branch")
    start.get_by_role("button", name="开始计算").click()

    # Eagerly (no broker) the run finishes inside the request; the status block says so.
    status = page.get_by_test_id("run-status")
    expect(status).to_contain_text("已完成")
    expect(status).to_contain_text("100%")
    run = AssessmentRun.objects.get()
    assert run.status == AssessmentRun.Status.DONE
    assert run.organization_count > 100
    expect(page.get_by_test_id("run-results")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "assessment-run.png"), full_page=True)

    branch = User.objects.get(username="shuji").organization
    card = ScoreCard.objects.get(organization=branch, year=run.year)
    page.goto(f"{live_server.url}{card.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(branch.name)
    before = page.get_by_test_id("card-total").inner_text()
    drilldowns = page.get_by_test_id("drilldown")
    assert drilldowns.count() >= 3
    duty = run.scheme.indicators.get(name="述职评议")
    form = page.get_by_test_id(f"score-form-{duty.pk}")
    form.get_by_label("述职评议得分").fill("9")
    form.get_by_label("述职评议理由").fill("述职报告全面，问题查摆深入")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_text("“述职评议”的得分已保存。")).to_be_visible()
    expect(page.get_by_test_id("card-lines")).to_contain_text("述职报告全面，问题查摆深入")
    expect(page.get_by_test_id("history")).to_contain_text("述职报告全面")
    after = page.get_by_test_id("card-total").inner_text()
    assert float(after) == pytest.approx(float(before) + 9)
    assert ScoreEntry.objects.get(organization=branch).reason == "述职报告全面，问题查摆深入"
    page.screenshot(path=str(ARTIFACTS / "assessment-card.png"), full_page=True)

    # Freezing states what it will do and needs the box ticked; nothing changes without it.
    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    page.get_by_role("link", name="冻结本次结果…").click()
    run.refresh_from_db()
    preview = review.publication_preview(run)
    assert preview.unreviewed == run.organization_count and preview.missing_scores > 0
    expect(page.get_by_test_id("preview-action")).to_contain_text(
        f"冻结 {preview.to_freeze} 张评分卡"
    )
    expect(page.get_by_test_id("preview-unreviewed")).to_contain_text(
        f"未审核的评分卡：{preview.unreviewed} 张"
    )
    expect(page.get_by_test_id("preview-missing")).to_contain_text(
        f"未录入的评审打分：{preview.missing_scores} 项"
    )
    expect(page.get_by_test_id("preview-overrides")).to_contain_text("0 项")
    expect(page.get_by_test_id("provisional")).to_contain_text("暂定")
    if preview.tie is not None:
        # Staff decide a tie at the 好 quota line before anything is frozen.
        tie = page.get_by_test_id("tie-form")
        boxes = tie.get_by_role("checkbox")
        for n in range(preview.tie.places):
            boxes.nth(n).check()
        tie.get_by_label("决定理由").fill("工委会议研究决定")
        tie.get_by_role("button", name="保存决定").click()
        expect(page.get_by_test_id("tie-decisions")).to_contain_text("工委会议研究决定")
    page.get_by_role("button", name="确认冻结").click()
    expect(page.get_by_test_id("confirm-errors")).to_contain_text("未勾选确认，未冻结任何考核结果")
    assert not ScoreCard.objects.filter(status=ScoreCard.Status.FROZEN).exists()
    page.screenshot(path=str(ARTIFACTS / "assessment-freeze-confirm.png"), full_page=True)
    page.get_by_label("我已核对以上情况，确认冻结本次计算结果").check()
    page.get_by_role("button", name="确认冻结").click()
    expect(page.get_by_text(f"已冻结{preview.to_freeze}个党组织的考核结果。")).to_be_visible()

    page.get_by_role("link", name="发布考核结果…").click()
    expect(page.get_by_test_id("preview-action")).to_contain_text(
        f"向 {preview.to_freeze} 个党组织发布考核结果"
    )
    expect(page.get_by_test_id("preview-unreviewed")).to_contain_text(
        f"未审核的评分卡：{preview.unreviewed} 张"
    )
    page.get_by_label("我已核对以上情况，确认向各党组织发布考核结果").check()
    page.get_by_role("button", name="确认发布").click()
    expect(page.get_by_text("已向")).to_be_visible()
    card.refresh_from_db()
    assert card.is_published and card.is_frozen

    page.get_by_test_id("export-results").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="导出 Excel").click()
    with open(download_info.value.path(), "rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert any(row[2] == branch.name for row in rows if len(row) > 2)

    page.context.clear_cookies()  # signed out
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "shuji")
    page.goto(f"{live_server.url}/assessments/scoring/cards/")
    page.get_by_role("link", name=branch.name).click()
    expect(page.get_by_test_id("card-total")).to_have_text(after)
    # Published while other manual scores are missing: the secretary sees it is provisional.
    expect(page.get_by_test_id("provisional")).to_contain_text("暂定")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "assessment-card-secretary.png"), full_page=True)
