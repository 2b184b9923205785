"""The responsibility list pages, the review and carry-over actions, evidence files, settings
and the 责任清单台账 export."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import (
    CheckpointEntry,
    CheckpointEvidence,
    CheckpointWindow,
    ResponsibilityList,
    Stage,
)
from tests.assessments.lists_factories import closed, make_entry, make_item, make_list
from tests.factories import OrganizationFactory

Progress = CheckpointEntry.Progress
Review = CheckpointEntry.Review
TODAY = timezone.localdate()
YEAR = TODAY.year
INDEX = reverse("assessments:index")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def window(db):
    """This year's window around today: the plan is closed, the mid-year report is closed,
    the year-end report is open."""
    day = datetime.timedelta(days=1)
    return CheckpointWindow.objects.create(
        year=YEAR,
        plan_opens_on=TODAY - 60 * day,
        plan_closes_on=TODAY - 30 * day,
        mid_opens_on=TODAY - 20 * day,
        mid_closes_on=TODAY - 10 * day,
        final_opens_on=TODAY - 5 * day,
        final_closes_on=TODAY + 30 * day,
    )


@pytest.fixture
def branch_list(branch_a, secretary):
    return make_list(branch_a, year=YEAR, by=secretary)


@pytest.fixture
def item(branch_list):
    item = make_item(branch_list, content="规范党员发展程序", deadline=TODAY)
    make_entry(item, Stage.PLAN)
    return item


def checkpoint_url(item, stage):
    return f"{reverse('assessments:responsibilityitem-checkpoint', args=[item.pk])}?stage={stage}"


# Index and detail ----------------------------------------------------------------------------


def test_index_shows_the_lists_of_the_scope_only(client, secretary, branch_list, branch_b):
    make_list(branch_b, year=YEAR, by=secretary)
    client.force_login(secretary)
    body = client.get(INDEX).content.decode()
    assert branch_list.owner_label in body
    assert branch_b.name not in body
    assert "责任与考核" in body


def test_index_queries_do_not_grow_with_lists(client, staff, committee_a, secretary):
    client.force_login(staff)
    counts = []
    for batch in (3, 30):
        for branch in OrganizationFactory.create_batch(batch, parent=committee_a):
            item = make_item(make_list(branch, year=YEAR, by=secretary))
            closed(item, on=TODAY)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INDEX, {"year": YEAR}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 12  # session, user, org, types, page count, page, window, create form…


def test_index_filtered_to_an_organisation_is_the_indicators_drilldown(
    client, staff, branch_list, branch_a2, secretary
):
    make_list(branch_a2, year=YEAR, by=secretary, code="dual-duty", person="赵敏")
    client.force_login(staff)
    body = client.get(INDEX, {"organization": branch_list.owner_organization.pk}).content.decode()
    assert branch_list.owner_label in body and "赵敏" not in body


def test_a_foreign_organisation_filter_is_a_404(client, outsider, branch_a):
    client.force_login(outsider)
    assert client.get(INDEX, {"organization": branch_a.pk}).status_code == 404
    assert client.get(INDEX, {"organization": "x"}).status_code == 404


def test_detail_queries_do_not_grow_with_items(client, committee_admin, branch_list, secretary):
    client.force_login(committee_admin)
    counts = []
    for batch in (2, 20):
        for _ in range(batch):
            item = make_item(branch_list)
            make_entry(item, Stage.PLAN)
            entry = make_entry(item, Stage.MID, review=Review.SUBMITTED, progress="in_progress")
            CheckpointEvidence.objects.create(
                entry=entry, file="assessments/lists/x", original_name="佐证.pdf",
                content_type="application/pdf", size=1, sha256="0" * 64, kind="document",
                uploaded_by=secretary,
            )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            response = client.get(branch_list.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert response.content.decode().count('data-testid="review-form"') == 22


def test_outsider_gets_404_for_the_list(client, outsider, branch_list):
    client.force_login(outsider)
    assert client.get(branch_list.get_absolute_url()).status_code == 404


# Filling and windows -------------------------------------------------------------------------


def test_a_closed_window_is_refused_in_chinese_and_nothing_saved(client, secretary, item):
    client.force_login(secretary)
    response = client.post(
        checkpoint_url(item, Stage.MID), {"stage": "mid", "progress": "in_progress", "note": "x"}
    )
    assert response.status_code == 200
    assert "半年小结已于" in response.content.decode()
    assert not item.entries.filter(stage=Stage.MID).exists()
    response = client.post(
        reverse("assessments:responsibilitylist-additem", args=[item.list.pk]),
        {"content": "新增事项", "deadline": TODAY.isoformat()},
    )
    assert "年初定单已于" in response.content.decode()
    assert item.list.items.count() == 1


def test_the_year_end_report_is_filled_with_evidence_and_submitted(client, secretary, item):
    client.force_login(secretary)
    photo = SimpleUploadedFile("对账.png", PNG, content_type="image/png")
    response = client.post(
        checkpoint_url(item, Stage.FINAL),
        {"stage": "final", "progress": "done", "completed_on": TODAY.isoformat(),
         "note": "已全部完成", "files": [photo], "submit": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    entry = item.entries.get(stage=Stage.FINAL)
    assert (entry.review, entry.progress, entry.completed_on) == (
        Review.SUBMITTED,
        Progress.DONE,
        TODAY,
    )
    evidence = entry.evidence.get()
    download = client.get(evidence.get_absolute_url())
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG


def test_a_bad_upload_is_refused_on_the_form(client, secretary, item):
    client.force_login(secretary)
    fake = SimpleUploadedFile("对账.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client.post(
        checkpoint_url(item, Stage.FINAL),
        {"stage": "final", "progress": "in_progress", "files": [fake]},
    )
    assert response.status_code == 200
    assert "内容与扩展名 .pdf 不符" in response.content.decode()
    assert not CheckpointEvidence.objects.exists()
    assert not item.entries.filter(stage=Stage.FINAL).exclude(progress="").exists()


def test_an_unknown_stage_is_a_404(client, secretary, item):
    client.force_login(secretary)
    assert client.get(checkpoint_url(item, "quarterly")).status_code == 404


# Review -----------------------------------------------------------------------------------------


@pytest.fixture
def submitted(item):
    return make_entry(
        item, Stage.FINAL, review=Review.SUBMITTED, progress=Progress.DONE, completed_on=TODAY
    )


def review(client, entry, decision, comment=""):
    url = reverse("assessments:checkpointentry-review", args=[entry.pk])
    return client.post(url, {"decision": decision, "comment": comment})


def test_the_secretary_cannot_review(client, secretary, submitted):
    client.force_login(secretary)
    assert review(client, submitted, "confirm").status_code == 403
    submitted.refresh_from_db()
    assert submitted.review == Review.SUBMITTED


def test_the_committee_admin_confirms_and_the_history_shows_it(
    client, committee_admin, submitted, branch_list
):
    client.force_login(committee_admin)
    assert review(client, submitted, "confirm", "材料齐全").status_code == 302
    submitted.refresh_from_db()
    assert submitted.review == Review.CONFIRMED
    body = client.get(branch_list.get_absolute_url()).content.decode()
    assert "材料齐全" in body and 'data-testid="history"' in body


def test_a_return_without_comment_is_refused(client, staff, submitted):
    client.force_login(staff)
    response = review(client, submitted, "return")
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.review == Review.SUBMITTED
    response = client.get(response.url)
    assert "请填写退回意见" in response.content.decode()
    review(client, submitted, "return", "缺少佐证材料")
    submitted.refresh_from_db()
    assert submitted.review == Review.RETURNED


def test_the_committee_admin_does_not_confirm_its_own_list(client, committee_admin, committee_a):
    own = make_list(committee_a, year=YEAR, by=committee_admin)
    entry = make_entry(make_item(own), Stage.PLAN, review=Review.SUBMITTED)
    client.force_login(committee_admin)
    assert review(client, entry, "confirm").status_code == 403
    assert 'data-testid="review-form"' not in client.get(own.get_absolute_url()).content.decode()


# Carry-over ------------------------------------------------------------------------------------


def test_carry_over_creates_next_years_list_once(client, secretary, item, branch_list):
    client.force_login(secretary)
    url = reverse("assessments:responsibilitylist-carryover", args=[branch_list.pk])
    response = client.post(url)
    target = ResponsibilityList.objects.get(year=YEAR + 1)
    assert response.url == target.get_absolute_url()
    assert target.items.get().carried_from == item
    client.post(url)
    assert target.items.count() == 1
    assert f"结转自{YEAR}年" in client.get(target.get_absolute_url()).content.decode()


# Creating lists and settings -----------------------------------------------------------------


def test_a_secretary_creates_a_list_for_the_own_branch(client, secretary, branch_a):
    client.force_login(secretary)
    response = client.post(
        reverse("assessments:responsibilitylist-create"),
        {"year": YEAR, "type": _type_pk("principal"), "owner_organization": branch_a.pk},
    )
    created = ResponsibilityList.objects.get()
    assert response.url == created.get_absolute_url()
    assert created.created_by == secretary


def test_a_list_cannot_be_created_for_another_subtree(client, secretary, branch_b):
    client.force_login(secretary)
    response = client.post(
        reverse("assessments:responsibilitylist-create"),
        {"year": YEAR, "type": _type_pk("principal"), "owner_organization": branch_b.pk},
    )
    assert response.status_code == 200
    assert not ResponsibilityList.objects.exists()


def _type_pk(code):
    from assessments.models import ResponsibilityListType

    return ResponsibilityListType.objects.get(code=code).pk


def test_only_the_work_committee_edits_windows(client, committee_admin, staff, window):
    url = reverse("assessments:checkpointwindow-edit", args=[window.pk])
    client.force_login(committee_admin)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    data = {
        "year": YEAR,
        "plan_opens_on": f"{YEAR}-01-01",
        "plan_closes_on": f"{YEAR}-03-31",
        "mid_opens_on": f"{YEAR}-06-01",
        "mid_closes_on": f"{YEAR}-05-01",
        "final_opens_on": f"{YEAR}-11-01",
        "final_closes_on": f"{YEAR + 1}-01-31",
    }
    response = client.post(url, data)
    assert "开始日期不能晚于截止日期" in response.content.decode()
    data["mid_closes_on"] = f"{YEAR}-07-31"
    assert client.post(url, data).status_code == 302
    window.refresh_from_db()
    assert window.plan_closes_on == datetime.date(YEAR, 3, 31)
    assert "清单类型" in client.get(reverse("assessments:checkpointwindow-list")).content.decode()


# Ledger ---------------------------------------------------------------------------------------


def export(client, **params):
    response = client.post(reverse("ledgers:ledger-export", args=["responsibility-lists"]), params)
    assert response.status_code == 200, response.content.decode()[:500]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    headers = list(rows[0])
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def test_the_ledger_lists_the_items_of_the_scope_with_their_checkpoints(
    client, committee_admin, item, branch_b, secretary
):
    closed(item, on=TODAY)
    make_item(make_list(branch_b, year=YEAR, by=secretary), content="乙局事项")
    client.force_login(committee_admin)
    rows = export(client)
    assert [r["责任事项"] for r in rows] == ["规范党员发展程序"]
    row = rows[0]
    assert (row["年初定单"], row["年底对账进展"], row["年底对账审核"], row["按时办结"]) == (
        "已确认",
        "已完成",
        "已确认",
        "是",
    )


def test_the_ledger_queries_do_not_grow(client, staff, branch_list):
    client.force_login(staff)
    counts = []
    for batch in (3, 30):
        for _ in range(batch):
            item = make_item(branch_list)
            make_entry(item, Stage.PLAN)
            closed(item, on=TODAY)
        with CaptureQueriesContext(connection) as queries:
            rows = export(client)
        counts.append(len(queries))
    assert len(rows) == 33
    assert counts[0] == counts[1]


@pytest.mark.parametrize("raw", ["²", "١", "9" * 40, "1\x00"])
def test_item_list_ignores_a_bad_list_parameter(client, staff, raw):
    client.force_login(staff)
    response = client.get(reverse("assessments:responsibilityitem-list"), {"list": raw})
    assert response.status_code == 200
