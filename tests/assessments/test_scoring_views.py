"""Pages of the year-end assessment: who may do what, outsiders, bad input, query guards."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import (
    AssessmentRun,
    DemocraticVote,
    DutyReport,
    ScoreCard,
    ScoreEntry,
    Target,
)
from assessments.services import review, runs, scores
from tests.assessments.scoring_fixtures import YEAR, make_scheme
from tests.factories import ActivityFactory, OrganizationFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def done_run(committee_a, branch_a, branch_a2, staff, django_capture_on_commit_callbacks):
    scheme = make_scheme()
    ActivityFactory(organization=branch_a, kind="theme-day", held_on=datetime.date(YEAR, 3, 3))
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    run.refresh_from_db()
    run.scheme_obj = scheme
    return run


def card_of(org):
    return ScoreCard.objects.get(organization=org, year=YEAR)


def test_staff_start_a_run_from_the_page(client, staff, committee_a, branch_a):
    make_scheme()
    client.force_login(staff)
    response = client.post(
        reverse("assessments:assessmentrun-create"),
        {"year": YEAR, "target": "branch", "scope": committee_a.pk},
    )
    run = AssessmentRun.objects.get()
    assert response.status_code == 302 and response.url == run.get_absolute_url()


def test_a_run_without_scheme_is_refused_on_the_page(client, staff, committee_a, branch_a):
    client.force_login(staff)
    response = client.post(
        reverse("assessments:assessmentrun-create"),
        {"year": 2030, "target": "branch", "scope": committee_a.pk},
    )
    assert response.status_code == 400
    assert "2030年尚无党支部考核方案" in response.content.decode()
    assert not AssessmentRun.objects.exists()


def test_the_run_page_polls_while_running_and_shows_results_when_done(client, staff, done_run):
    client.force_login(staff)
    partial = client.get(done_run.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert 'data-testid="run-status"' in partial.content.decode()
    assert "hx-trigger" not in partial.content.decode()  # done: polling stops
    page = client.get(done_run.get_absolute_url()).content.decode()
    assert "甲局第一党支部" in page
    AssessmentRun.objects.filter(pk=done_run.pk).update(status="running")
    partial = client.get(done_run.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in partial.content.decode()


def test_secretaries_may_not_open_runs(client, secretary, done_run):
    client.force_login(secretary)
    assert client.get(reverse("assessments:assessmentrun-list")).status_code == 403
    assert client.get(done_run.get_absolute_url()).status_code == 403


def test_staff_score_with_a_reason_and_the_card_shows_it_with_history(
    client, staff, done_run, branch_a
):
    card = card_of(branch_a)
    client.force_login(staff)
    duty = done_run.scheme_obj.duty
    url = reverse("assessments:scorecard-score", args=[card.pk])
    refused = client.post(url, {"indicator": duty.pk, "score": "12", "reason": "好"})
    assert refused.status_code == 400
    assert "得分须在0至10之间" in refused.content.decode()
    assert client.post(url, {"indicator": duty.pk, "score": "9", "reason": ""}).status_code == 400
    assert not ScoreEntry.objects.exists()
    response = client.post(url, {"indicator": duty.pk, "score": "9", "reason": "述职材料扎实"})
    assert response.status_code == 302
    page = client.get(card.get_absolute_url()).content.decode()
    assert "述职材料扎实" in page
    assert 'data-testid="history"' in page
    assert "drilldown" in page


def test_an_indicator_of_another_scheme_is_404(client, staff, done_run, branch_a):
    other = make_scheme(year=YEAR + 1)
    client.force_login(staff)
    url = reverse("assessments:scorecard-score", args=[card_of(branch_a).pk])
    response = client.post(url, {"indicator": other.duty.pk, "score": "5", "reason": "x"})
    assert response.status_code == 404


def test_votes_are_recorded_and_bad_counts_refused(client, staff, done_run, branch_a):
    client.force_login(staff)
    url = reverse("assessments:scorecard-votes", args=[card_of(branch_a).pk])
    bad = client.post(url, {"excellent": "-1", "good": "0", "fair": "0", "poor": "0"})
    assert bad.status_code == 400
    assert "票数不能为负数" in bad.content.decode()
    assert not DemocraticVote.objects.exists()
    ok = client.post(url, {"excellent": "8", "good": "2", "fair": "0", "poor": "0"})
    assert ok.status_code == 302
    # 40 (theme day 1/12 → 3.33) … the democratic part: 40 × (800 + 160)/1000 = 38.4
    total = card_of(branch_a)
    assert ScoreCard.objects.filter(pk=total.pk).with_current_result().get().total == Decimal(
        "41.73"
    )


def test_unpublished_cards_are_404_for_secretaries_and_committee_admins(
    client, secretary, committee_admin, staff, done_run, branch_a
):
    card = card_of(branch_a)
    for user in (secretary, committee_admin):
        client.force_login(user)
        assert client.get(card.get_absolute_url()).status_code == 404
    review.freeze_run(done_run, by=staff)
    review.publish_run(done_run, by=staff)
    for user in (secretary, committee_admin):
        client.force_login(user)
        page = client.get(card.get_absolute_url())
        assert page.status_code == 200
        assert 'data-testid="score-form' not in page.content.decode()
        listing = client.get(reverse("assessments:scorecard-list")).content.decode()
        assert "甲局第一党支部" in listing


def test_frozen_cards_refuse_scores(client, staff, done_run, branch_a):
    review.freeze_run(done_run, by=staff)
    with pytest.raises(Exception, match="已冻结"):
        scores.enter_score(branch_a, done_run.scheme_obj.duty, score="5", reason="晚了", by=staff)


def test_outsider_gets_404_for_cards_runs_and_reports(
    client, outsider, outsiders, done_run, staff, branch_a, secretary
):
    review.freeze_run(done_run, by=staff)
    review.publish_run(done_run, by=staff)
    report = scores.upload_duty_report(
        branch_a, year=YEAR, upload=SimpleUploadedFile("述职.pdf", PDF), by=secretary
    )
    for user in outsiders:
        client.force_login(user)
        assert client.get(card_of(branch_a).get_absolute_url()).status_code == 404
        assert client.get(report.get_absolute_url()).status_code == 404
        assert "甲局" not in client.get(reverse("assessments:scorecard-list")).content.decode()
    client.force_login(outsiders[0])  # a system admin of the other subtree
    assert client.get(done_run.get_absolute_url()).status_code == 404


def test_a_secretary_uploads_the_duty_report_and_a_bad_file_is_refused(client, secretary, branch_a):
    client.force_login(secretary)
    url = reverse("assessments:dutyreport-list")
    bad = client.post(
        url,
        {"organization": branch_a.pk, "year": YEAR, "file": SimpleUploadedFile("述职.pdf", b"MZ")},
    )
    assert bad.status_code == 400
    assert "内容与扩展名" in bad.content.decode()
    assert not DutyReport.objects.exists()
    ok = client.post(
        url,
        {"organization": branch_a.pk, "year": YEAR, "file": SimpleUploadedFile("述职.pdf", PDF)},
    )
    assert ok.status_code == 302
    report = DutyReport.objects.get()
    download = client.get(report.get_absolute_url())
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_scheme_pages_are_readable_and_only_staff_change_weights(
    client, secretary, staff, branch_a
):
    scheme = make_scheme()
    client.force_login(secretary)
    assert client.get(scheme.get_absolute_url()).status_code == 200
    url = reverse("assessments:assessmentscheme-weights", args=[scheme.pk])
    assert client.post(url, {f"weight-{scheme.theme.pk}": "10"}).status_code == 403
    client.force_login(staff)
    response = client.post(url, {f"weight-{scheme.theme.pk}": "10"}, follow=True)
    assert "一级指标的分值合计应为100分，现为70分" in response.content.decode()
    scheme.theme.refresh_from_db()
    assert scheme.theme.weight == Decimal(40)
    grading = reverse("assessments:assessmentscheme-grading", args=[scheme.pk])
    bad = client.post(grading, {"excellent": "70", "good": "80", "fair": "60", "poor": "0"})
    assert bad.status_code == 400
    assert "好 &gt; 较好 &gt; 一般 &gt; 差" in bad.content.decode()


def _many_cards(staff, committee_a, count, capture):
    for n in range(count):
        OrganizationFactory(parent=committee_a, name=f"甲局批量党支部{n}")
    make_scheme()
    with capture(execute=True):
        run = runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    return run


def test_queue_card_and_run_pages_do_not_grow_with_rows(
    client, staff, committee_a, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    run = _many_cards(staff, committee_a, 30, django_capture_on_commit_callbacks)
    card = ScoreCard.objects.order_by("pk").first()
    scores.enter_score(
        card.organization,
        run.scheme.indicators.get(name="述职评议"),
        score="5",
        reason="一般",
        by=staff,
    )
    client.force_login(staff)
    # session, user, counts, list page, paginator count, year … (no per-card query)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("assessments:scorecard-list")).status_code == 200
    # card, run, result, measures, entries, votes, reports, 3 histories, drill-down kind …
    with django_assert_max_num_queries(20):
        assert client.get(card.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(run.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("assessments:assessmentrun-list")).status_code == 200
