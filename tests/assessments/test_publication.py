"""Safe publication of the year-end assessment: freeze and publish state what they will do
(publication_preview) and need an explicit confirmation, a tie at the 好 quota line waits
for staff's decision, ranks and grades are provisional while manual scores are missing, and
scores show two decimals on pages and in exports."""

import datetime
import io
import re

import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import (
    AssessmentResult,
    Grade,
    QuotaTieDecision,
    ScoreCard,
    Target,
)
from assessments.services import review, runs, scores
from tests.assessments.scoring_fixtures import YEAR, make_scheme
from tests.factories import ActivityFactory


@pytest.fixture
def done_run(committee_a, branch_a, branch_a2, staff, django_capture_on_commit_callbacks):
    """branch_a held one 主题党日 (3.33 points), branch_a2 none; nobody scored 述职评议."""
    scheme = make_scheme()
    ActivityFactory(organization=branch_a, kind="theme-day", held_on=datetime.date(YEAR, 3, 3))
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    run.refresh_from_db()
    run.scheme_obj = scheme
    return run


@pytest.fixture
def tied_run(committee_a, branch_a, branch_a2, staff, django_capture_on_commit_callbacks):
    """Both branches total 100 (40 主题党日 by override, 20 述职评议, 40 民主测评) and only one
    may be 好: a tie across the quota line."""
    scheme = make_scheme(quota_count=1)
    for branch in (branch_a, branch_a2):
        scores.enter_score(branch, scheme.theme, score="40", reason="全年按月开展", by=staff)
        scores.enter_score(branch, scheme.duty, score="10", reason="述职扎实", by=staff)
        scores.record_votes(branch, year=YEAR, counts={"excellent": 10}, by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    run.refresh_from_db()
    return run


def card_of(org):
    return ScoreCard.objects.get(organization=org, year=YEAR)


def freeze_url(run):
    return reverse("assessments:assessmentrun-freeze", args=[run.pk])


def publish_url(run):
    return reverse("assessments:assessmentrun-publish", args=[run.pk])


def tie_url(run):
    return reverse("assessments:assessmentrun-tie", args=[run.pk])


def workbook(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def text_of(html: str, testid: str) -> str:
    """The whole text of the element marked `testid` (nested links and counts included)."""
    found = lxml.html.fromstring(html).xpath(f'//*[@data-testid="{testid}"]')
    assert found, testid
    return re.sub(r"\s+", "", found[0].text_content())


# --- The preview ---------------------------------------------------------------------------------


def test_the_preview_counts_unreviewed_cards_unscored_manual_indicators_and_overrides(
    done_run, staff, branch_a, branch_a2
):
    preview = review.publication_preview(done_run)
    assert (preview.organizations, preview.to_freeze, preview.unreviewed) == (2, 2, 2)
    # 2 organisations × 1 manual indicator (述职评议), none scored.
    assert (preview.missing_scores, preview.manual_indicators, preview.overrides) == (2, 1, 0)
    assert preview.tie is None and preview.problems("freeze") == []
    assert preview.problems("publish") == ["请先冻结计算结果再发布。"]

    scheme = done_run.scheme_obj
    review.review_card(card_of(branch_a), comment="", by=staff)
    scores.enter_score(branch_a, scheme.duty, score="8", reason="述职认真", by=staff)
    scores.enter_score(branch_a2, scheme.theme, score="20", reason="台账补录", by=staff)
    done_run.refresh_from_db()
    preview = review.publication_preview(done_run)
    assert (preview.unreviewed, preview.missing_scores, preview.overrides) == (1, 1, 1)


def test_freezing_keeps_the_count_of_cards_never_reviewed_for_the_publish_step(
    done_run, staff, branch_a
):
    review.review_card(card_of(branch_a), comment="", by=staff)
    assert review.freeze_run(done_run, by=staff) == 2
    preview = review.publication_preview(done_run)
    assert (preview.frozen, preview.to_freeze, preview.to_publish, preview.unreviewed) == (
        2,
        0,
        2,
        1,
    )


# --- Confirmation pages ------------------------------------------------------------------------


def test_the_freeze_page_states_what_will_happen(client, staff, done_run, branch_a):
    client.force_login(staff)
    response = client.get(freeze_url(done_run))
    assert response.status_code == 200
    html = response.content.decode()
    assert text_of(html, "preview-action").startswith("冻结2张评分卡")
    assert text_of(html, "preview-unreviewed") == "未审核的评分卡：2张。"
    assert "未录入的评审打分：2项" in text_of(html, "preview-missing")
    assert text_of(html, "preview-overrides") == "人工调整的自动指标得分：0项。"
    assert "名额线上没有并列" in text_of(html, "preview-tie")
    assert 'data-testid="confirm-form"' in html
    assert response.context["preview"].to_freeze == 2
    assert not ScoreCard.objects.filter(status=ScoreCard.Status.FROZEN).exists()


def test_a_freeze_without_the_confirmation_changes_nothing_and_says_why(client, staff, done_run):
    client.force_login(staff)
    response = client.post(freeze_url(done_run), {})
    assert response.status_code == 400
    assert "未勾选确认，未冻结任何考核结果" in response.content.decode()
    assert not ScoreCard.objects.filter(status=ScoreCard.Status.FROZEN).exists()


def test_a_confirmed_freeze_then_publish_goes_through(client, staff, done_run, branch_a):
    client.force_login(staff)
    response = client.post(freeze_url(done_run), {"confirm": "on"})
    assert response.status_code == 302
    assert ScoreCard.objects.filter(frozen_run=done_run).count() == 2

    page = client.get(publish_url(done_run)).content.decode()
    assert text_of(page, "preview-action").startswith("向2个党组织发布考核结果")
    assert text_of(page, "preview-unreviewed") == "未审核的评分卡：2张。"
    refused = client.post(publish_url(done_run), {"confirm": ""})
    assert refused.status_code == 400
    assert "未勾选确认，未发布任何考核结果" in refused.content.decode()
    assert not ScoreCard.objects.published().exists()

    assert client.post(publish_url(done_run), {"confirm": "on"}).status_code == 302
    assert ScoreCard.objects.published().count() == 2


def test_publishing_before_freezing_is_refused_on_the_page(client, staff, done_run):
    client.force_login(staff)
    response = client.post(publish_url(done_run), {"confirm": "on"})
    assert response.status_code == 400
    assert "请先冻结计算结果再发布" in response.content.decode()
    assert not ScoreCard.objects.published().exists()


def test_outsiders_get_404_and_secretaries_403_on_the_confirmations(
    client, outsiders, secretary, done_run
):
    for user in outsiders:
        client.force_login(user)
        for url in (freeze_url(done_run), publish_url(done_run)):
            assert client.get(url).status_code in (403, 404)
            assert client.post(url, {"confirm": "on"}).status_code in (403, 404)
    client.force_login(outsiders[0])  # a system admin of the other subtree: may publish there
    assert client.get(freeze_url(done_run)).status_code == 404
    assert client.post(freeze_url(done_run), {"confirm": "on"}).status_code == 404
    assert client.post(tie_url(done_run), {"reason": "x"}).status_code == 404
    client.force_login(secretary)
    assert client.post(freeze_url(done_run), {"confirm": "on"}).status_code == 403
    assert not ScoreCard.objects.filter(status=ScoreCard.Status.FROZEN).exists()


def test_wrong_methods_are_refused(client, staff, done_run):
    client.force_login(staff)
    assert client.put(freeze_url(done_run)).status_code == 405
    assert client.delete(publish_url(done_run)).status_code == 405
    assert client.get(tie_url(done_run)).status_code == 405


# --- Ties at the 好 quota line -------------------------------------------------------------


def test_a_tie_at_the_quota_line_is_listed_and_blocks_freeze_and_publish(
    client, staff, tied_run, branch_a, branch_a2
):
    preview = review.publication_preview(tied_run)
    assert preview.tie_open and preview.tie.places == 1
    assert {o.pk for o in preview.tied} == {branch_a.pk, branch_a2.pk}
    assert preview.overrides == 2 and preview.missing_scores == 0
    results = AssessmentResult.objects.filter(run=tied_run)
    # Same total, same rank; neither is 好 while undecided, whatever the tree order.
    assert {(r.rank, r.grade, r.quota_tie) for r in results} == {(1, Grade.GOOD, True)}
    with pytest.raises(ValidationError, match="并列在“好”等次名额线上"):
        review.freeze_run(tied_run, by=staff)
    client.force_login(staff)
    page = client.get(freeze_url(tied_run)).content.decode()
    assert "甲局第一党支部" in text_of(page, "preview-tie")
    assert "尚未决定" in text_of(page, "preview-tie")
    assert 'data-testid="refusal"' in page and 'data-testid="confirm-form"' not in page
    form = page[page.index('data-testid="tie-form"') :]
    assert form.count('type="checkbox" name="chosen"') == 2
    response = client.post(freeze_url(tied_run), {"confirm": "on"})
    assert response.status_code == 400
    assert not ScoreCard.objects.filter(status=ScoreCard.Status.FROZEN).exists()
    card = client.get(card_of(branch_a).get_absolute_url()).content.decode()
    assert 'data-testid="quota-tie"' in card and "（并列）" in card


def test_staff_decide_the_tie_with_a_reason_and_it_is_kept(
    client, staff, tied_run, branch_a, branch_a2
):
    client.force_login(staff)
    no_reason = client.post(tie_url(tied_run), {"chosen": [branch_a2.pk], "reason": ""})
    assert no_reason.status_code == 400
    assert "请填写决定理由" in no_reason.content.decode()
    both = client.post(tie_url(tied_run), {"chosen": [branch_a.pk, branch_a2.pk], "reason": "都好"})
    assert both.status_code == 400
    assert "请从并列的2个党组织中选定1个评为“好”" in both.content.decode()
    assert not QuotaTieDecision.objects.exists()

    response = client.post(
        tie_url(tied_run), {"chosen": [branch_a2.pk], "reason": "乙支部群众评价更高"}
    )
    assert response.status_code == 302
    grades = dict(
        AssessmentResult.objects.filter(run=tied_run).values_list("organization_id", "grade")
    )
    assert grades == {branch_a.pk: Grade.GOOD, branch_a2.pk: Grade.EXCELLENT}
    assert not AssessmentResult.objects.filter(run=tied_run, quota_tie=True).exists()
    decision = QuotaTieDecision.objects.get()
    assert (decision.decided_by, decision.reason) == (staff, "乙支部群众评价更高")
    page = client.get(freeze_url(tied_run)).content.decode()
    assert "乙支部群众评价更高" in page and "已由" in text_of(page, "preview-tie")
    assert client.post(freeze_url(tied_run), {"confirm": "on"}).status_code == 302
    assert ScoreCard.objects.filter(frozen_run=tied_run).count() == 2
    # Once frozen the grades are settled: no further decision.
    with pytest.raises(ValidationError, match="已冻结"):
        review.decide_quota_tie(tied_run, chosen=[branch_a.pk], reason="改", by=staff)


def test_a_decision_lapses_when_the_tie_changes(staff, tied_run, branch_a, branch_a2):
    review.decide_quota_tie(tied_run, chosen=[branch_a.pk], reason="甲支部更好", by=staff)
    assert not review.publication_preview(tied_run).tie_open
    bonus = tied_run.scheme.indicators.get(name="加分")
    scores.enter_score(branch_a, bonus, score="1", reason="获表彰", by=staff)
    # branch_a now leads alone: no tie, branch_a is 好 by total.
    assert review.publication_preview(tied_run).tie is None
    scores.enter_score(branch_a2, bonus, score="1", reason="获表彰", by=staff)
    # Tied again at 101: the earlier decision still covers the same two organisations.
    assert not review.publication_preview(tied_run).tie_open
    assert len(review.publication_preview(tied_run).decisions) == 1


def test_no_decision_where_there_is_no_tie(staff, done_run, branch_a):
    with pytest.raises(ValidationError, match="没有并列"):
        review.decide_quota_tie(done_run, chosen=[branch_a.pk], reason="x", by=staff)


# --- Provisional ranks and grades ----------------------------------------------------------


def test_ranks_and_grades_are_provisional_while_manual_scores_are_missing(
    client, staff, secretary, done_run, branch_a, branch_a2
):
    client.force_login(staff)
    card = client.get(card_of(branch_a).get_absolute_url()).content.decode()
    assert "暂定" in card
    assert "尚有2项评审打分未录入（本评分卡1项）" in text_of(card, "provisional")
    queue = client.get(reverse("assessments:scorecard-list")).content.decode()
    assert "还有2项评审打分未录入" in text_of(queue, "provisional")
    assert queue.count(">暂定<") == 4  # grade and rank of both cards
    run_page = client.get(done_run.get_absolute_url()).content.decode()
    assert 'data-testid="provisional-badge"' in run_page
    export = client.post(
        reverse("ledgers:ledger-export", args=["assessment-results"]),
        {"year": YEAR, "organization": done_run.scope_id},
    )
    rows = list(workbook(export).active.iter_rows(values_only=True))
    notes = [row[7] for row in rows if row[2] in ("甲局第一党支部", "甲局第二党支部")]
    assert notes and all(note.startswith("暂定：尚有2项评审打分未录入") for note in notes)

    duty = done_run.scheme_obj.duty
    scores.enter_score(branch_a, duty, score="8", reason="述职认真", by=staff)
    scores.enter_score(branch_a2, duty, score="6", reason="述职一般", by=staff)
    card = client.get(card_of(branch_a).get_absolute_url()).content.decode()
    assert "暂定" not in card
    queue = client.get(reverse("assessments:scorecard-list")).content.decode()
    assert "暂定" not in queue
    assert "暂定" not in client.get(done_run.get_absolute_url()).content.decode()


def test_the_profile_marks_a_published_provisional_result(
    client, staff, secretary, done_run, branch_a
):
    review.freeze_run(done_run, by=staff)
    review.publish_run(done_run, by=staff)
    client.force_login(secretary)
    url = reverse("portal:organization-profile", args=[branch_a.pk])
    html = client.get(url).content.decode()
    assert "尚有2项评审打分未录入" in text_of(html, "assessment-provisional")
    assert text_of(html, "assessment-total") == "3.33"


# --- Two decimals ----------------------------------------------------------------------------


def test_scores_show_two_decimals_in_the_queue_the_card_and_exports(
    client, staff, done_run, branch_a, branch_a2
):
    scores.enter_score(branch_a, done_run.scheme_obj.duty, score="7.5", reason="较好", by=staff)
    client.force_login(staff)
    queue = client.get(reverse("assessments:scorecard-list")).content.decode()
    table = queue[queue.index('data-testid="scorecard-list"') :]
    table = table[: table.index("</table>")]
    # 3.33 + 20 × 7.5 / 10 = 18.33; SQLite returns subquery decimals as 18.3300000000000.
    assert ">18.33<" in table and ">0.00<" in table
    assert not re.search(r"\d\.\d{3,}", table)
    card = client.get(card_of(branch_a).get_absolute_url()).content.decode()
    assert text_of(card, "card-total") == "18.33"
    lines = card[card.index('data-testid="card-lines"') :]
    assert not re.search(r"\d\.\d{3,}", lines[: lines.index("</table>")])
    assert ">7.50：较好" in card

    export = client.post(
        reverse("ledgers:ledger-export", args=["assessment-results"]),
        {"year": YEAR, "organization": done_run.scope_id},
    )
    sheet = workbook(export).active
    cells = [row[5] for row in sheet.iter_rows() if row[2].value == "甲局第一党支部"]
    assert [(str(c.value), c.number_format) for c in cells] == [("18.33", "0.00")]
    card_sheet = workbook(
        client.post(
            reverse("ledgers:ledger-export", args=["assessment-scorecard"]),
            {"year": YEAR, "organization": branch_a.pk},
        )
    ).active
    duty = next(row for row in card_sheet.iter_rows() if row[0].value == "述职评议")
    assert (duty[4].value, duty[4].number_format, duty[5].value) == (
        15,
        "0.00",
        "7.50：较好",
    )
    one_sheet = workbook(
        client.post(
            reverse("ledgers:ledger-export", args=["assessment-sheet"]),
            {"year": YEAR, "organization": done_run.scope_id},
        )
    ).active
    header = next(row for row in one_sheet.iter_rows() if row[0].value == "党组织")
    column = [cell.value for cell in header].index("得分：总分")
    row = next(row for row in one_sheet.iter_rows() if row[0].value == "甲局第一党支部")
    assert (str(row[column].value), row[column].number_format) == ("18.33", "0.00")
