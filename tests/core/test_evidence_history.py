"""Every change traced (issue 18 item 8) for uploaded evidence other than activity attachments:
service-ledger evidence, rating evidence, list (checkpoint) evidence, 述职 reports and dues
vouchers record who uploaded them; a deletion needs a reason and leaves a 删除 event naming
the file, who and why; an outsider cannot delete (404)."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activities.models import ServiceLedgerType, ServiceRecord
from activities.services.service_ledgers import add_evidence, remove_evidence
from alxa_dangjian.core import history
from assessments.models import CheckpointEntry, CheckpointEvidence, DutyReport, Stage
from assessments.services import lists
from assessments.services.scores import upload_duty_report
from branches.services import ratings
from dues.models import DuesExpense, DuesVoucher
from dues.services.funds import submit_expense
from tests.activities.test_uploads import png_bytes
from tests.assessments.lists_factories import make_entry, make_item, make_list
from tests.branches.rating_factories import make_application, make_round

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
IN_MID = datetime.date(2026, 6, 20)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name="佐证.png"):
    return SimpleUploadedFile(name, png_bytes())


# How each deletable kind of evidence is uploaded (through its service), removed (service and
# page), and which page form offers its delete.


def service_evidence(secretary, branch_a):
    record = ServiceRecord.objects.create(
        type=ServiceLedgerType.objects.get(code="serve-the-people"),
        organization=branch_a,
        title="为群众办实事",
        started_on=datetime.date.today(),
        created_by=secretary,
    )
    (evidence,) = add_evidence(record, uploads=[upload("现场.png")], by=secretary)
    return evidence


def rating_evidence(secretary, branch_a):
    application = make_application(make_round("apply"), branch_a, by=secretary)
    item = application.scores.first()
    (evidence,) = ratings.add_evidence(item, uploads=[upload("评定.png")], by=secretary)
    return evidence


def checkpoint_evidence(secretary, branch_a):
    item = make_item(make_list(branch_a, year=2026, by=secretary))
    make_entry(item, Stage.PLAN)
    lists.save_checkpoint(
        item,
        Stage.MID,
        progress=CheckpointEntry.Progress.IN_PROGRESS,
        uploads=[upload("清单.png")],
        by=secretary,
        today=IN_MID,
    )
    return CheckpointEvidence.objects.get()


DELETABLE = {
    "service": (service_evidence, remove_evidence, "activities:serviceevidence-delete"),
    "rating": (rating_evidence, ratings.remove_evidence, "branches:ratingevidence-delete"),
    "checkpoint": (
        checkpoint_evidence,
        lists.remove_evidence,
        "assessments:checkpointevidence-delete",
    ),
}


def events(evidence):
    return list(type(evidence).history.filter(id=evidence.pk).order_by("history_date"))


@pytest.mark.parametrize("kind", DELETABLE)
def test_an_upload_records_an_event_naming_the_uploader(kind, secretary, branch_a):
    make, _, _ = DELETABLE[kind]
    evidence = make(secretary, branch_a)
    (created,) = events(evidence)
    assert created.history_type == "+" and created.history_user == secretary
    assert created.original_name == evidence.original_name
    # The stored path is not history (the bytes are gone once deleted).
    assert not hasattr(created, "file")


@pytest.mark.parametrize("kind", DELETABLE)
def test_deleting_needs_a_reason_and_nothing_is_deleted_without_one(kind, secretary, branch_a):
    make, remove, _ = DELETABLE[kind]
    evidence = make(secretary, branch_a)
    with pytest.raises(ValidationError) as error:
        remove(evidence, by=secretary, reason="  ")
    assert error.value.message_dict == {"reason": ["删除佐证材料须填写理由。"]}
    assert type(evidence).objects.filter(pk=evidence.pk).exists()
    assert [e.history_type for e in events(evidence)] == ["+"]


@pytest.mark.parametrize("kind", DELETABLE)
def test_the_page_refuses_a_delete_without_reason_in_chinese(kind, client, secretary, branch_a):
    make, _, url = DELETABLE[kind]
    evidence = make(secretary, branch_a)
    client.force_login(secretary)
    response = client.post(reverse(url, args=[evidence.pk]), {"reason": ""}, follow=True)
    assert "删除佐证材料须填写理由。" in response.content.decode()
    assert type(evidence).objects.filter(pk=evidence.pk).exists()


@pytest.mark.parametrize("kind", DELETABLE)
def test_a_delete_with_reason_leaves_an_event_naming_file_who_and_why(
    kind, client, secretary, branch_a, django_capture_on_commit_callbacks
):
    make, _, url = DELETABLE[kind]
    evidence = make(secretary, branch_a)
    stored = evidence.file.path
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(url, args=[evidence.pk]), {"reason": "上传错了文件"})
    assert response.status_code == 302
    model = type(evidence)
    assert not model.objects.filter(pk=evidence.pk).exists()
    deleted = events(evidence)[-1]
    assert deleted.history_type == "-" and deleted.history_user == secretary
    assert deleted.history_change_reason == "上传错了文件"
    assert deleted.original_name == evidence.original_name
    change = history.changes(model.history.filter(id=evidence.pk))[0]
    assert (change.kind, change.who, change.reason) == (
        "删除",
        secretary.get_full_name(),
        "上传错了文件",
    )
    assert not Path(stored).exists()


@pytest.mark.parametrize("kind", DELETABLE)
def test_an_outsider_cannot_delete(kind, client, secretary, outsider, branch_a):
    make, _, url = DELETABLE[kind]
    evidence = make(secretary, branch_a)
    client.force_login(outsider)
    response = client.post(reverse(url, args=[evidence.pk]), {"reason": "越权删除"})
    assert response.status_code == 404
    assert type(evidence).objects.filter(pk=evidence.pk).exists()
    assert [e.history_type for e in events(evidence)] == ["+"]


@pytest.mark.parametrize("kind", DELETABLE)
def test_the_delete_form_asks_for_the_reason(kind, client, secretary, branch_a):
    make, _, url = DELETABLE[kind]
    evidence = make(secretary, branch_a)
    page = {
        "service": lambda e: e.record.get_absolute_url(),
        "rating": lambda e: e.item.application.get_absolute_url(),
        "checkpoint": lambda e: (
            reverse("assessments:responsibilityitem-checkpoint", args=[e.entry.item_id])
            + f"?stage={e.entry.stage}"
        ),
    }[kind](evidence)
    client.force_login(secretary)
    html = client.get(page).content.decode()
    action = f'action="{reverse(url, args=[evidence.pk])}"'
    assert action in html
    form = html[html.index(action) : html.index("</form>", html.index(action))]
    assert 'name="reason" required' in form


# Kinds with no delete of their own: the upload still names who.


def test_a_duty_report_upload_records_the_uploader(secretary, branch_a):
    report = upload_duty_report(
        branch_a, year=2026, upload=SimpleUploadedFile("述职报告.pdf", PDF), by=secretary
    )
    (created,) = DutyReport.history.filter(id=report.pk)
    assert created.history_type == "+" and created.history_user == secretary
    assert created.original_name == "述职报告.pdf"


def test_dues_voucher_upload_records_the_uploader(secretary, branch_a):
    expense = submit_expense(
        branch_a,
        category=DuesExpense.Category.TRAINING,
        purpose="党员培训教材",
        amount=Decimal("300.00"),
        spent_on=datetime.date.today(),
        uploads=[upload("发票.png")],
        by=secretary,
    )
    voucher = DuesVoucher.objects.get(expense=expense)
    (created,) = DuesVoucher.history.filter(id=voucher.pk)
    assert created.history_type == "+" and created.history_user == secretary
    assert created.original_name == "发票.png"
