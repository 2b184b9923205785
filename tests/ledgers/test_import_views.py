"""The import screens: who may use them, who may see a batch, methods, and query counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alxa_dangjian.ledgers.models import ImportBatch
from branches.models import Member
from tests.factories import UserFactory
from tests.ledgers.bad_files.corpus import member_row, workbook_bytes


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def create_url(code="members"):
    return reverse("ledgers:importbatch-create", args=[code])


def detail_url(batch):
    return reverse("ledgers:importbatch-detail", args=[batch.pk])


def commit_url(batch):
    return reverse("ledgers:importbatch-commit", args=[batch.pk])


@pytest.fixture
def batch(client, secretary, branch_a):
    """A clean batch of two members, uploaded by the secretary of branch_a."""
    client.force_login(secretary)
    content = workbook_bytes([member_row(1), member_row(2)])
    client.post(create_url(), {"file": SimpleUploadedFile("甲局党员.xlsx", content)})
    client.logout()
    return ImportBatch.objects.get()


def test_upload_page_offers_the_template_and_the_recent_batches(client, secretary, batch):
    client.force_login(secretary)
    response = client.get(create_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "导入党员信息" in page
    assert reverse("ledgers:importbatch-template", args=["members"]) in page
    assert 'enctype="multipart/form-data"' in page
    assert "甲局党员.xlsx" in page and batch.get_absolute_url() in page


def test_an_unknown_importer_is_a_404(client, staff):
    client.force_login(staff)
    assert client.get(create_url("no-such-import")).status_code == 404
    url = reverse("ledgers:importbatch-template", args=["no-such-import"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("persona", ["secretary", "committee_admin"])
def test_only_publishing_roles_import_organisations(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(create_url("organizations")).status_code == 403
    url = reverse("ledgers:importbatch-template", args=["organizations"])
    assert client.get(url).status_code == 403


def test_staff_may_import_organisations(client, staff):
    client.force_login(staff)
    assert client.get(create_url("organizations")).status_code == 200


def test_a_user_without_an_organisation_cannot_upload(client, db):
    user = UserFactory(organization=None)
    client.force_login(user)
    assert client.get(create_url()).status_code == 404


def test_the_uploader_sees_the_preview(client, secretary, batch):
    client.force_login(secretary)
    response = client.get(detail_url(batch))
    assert response.status_code == 200
    assert "确认导入" in response.content.decode()


def test_outsider_gets_404(client, outsider, batch):
    client.force_login(outsider)
    assert client.get(detail_url(batch)).status_code == 404
    assert client.post(commit_url(batch)).status_code == 404
    assert not Member.objects.exists()


def test_others_of_the_same_subtree_do_not_see_someone_elses_upload(
    client, committee_admin, branch_a, batch
):
    colleague = UserFactory(username="colleague", organization=branch_a)
    for user in (colleague, committee_admin):
        client.force_login(user)
        assert client.get(detail_url(batch)).status_code == 404
        assert client.post(commit_url(batch)).status_code == 404
    assert not Member.objects.exists()


def test_staff_may_review_and_commit_a_batch(client, staff, batch):
    client.force_login(staff)
    assert client.get(detail_url(batch)).status_code == 200
    response = client.post(commit_url(batch))
    assert response.status_code == 302 and response.url == detail_url(batch)
    assert Member.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("ledgers:importbatch-commit", "get"),
        ("ledgers:importbatch-detail", "post"),
    ],
)
def test_wrong_method_is_405(client, secretary, batch, name, method):
    client.force_login(secretary)
    response = getattr(client, method)(reverse(name, args=[batch.pk]))
    assert response.status_code == 405
    assert not Member.objects.exists()


def test_template_is_get_only(client, secretary):
    client.force_login(secretary)
    url = reverse("ledgers:importbatch-template", args=["members"])
    assert client.post(url).status_code == 405
    assert client.put(create_url()).status_code == 405


def test_an_upload_without_a_file_is_a_form_error(client, secretary):
    client.force_login(secretary)
    response = client.post(create_url(), {})
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    assert not ImportBatch.objects.exists()


def queries_of(request) -> int:
    with CaptureQueriesContext(connection) as context:
        response = request()
    assert response.status_code == 200
    return len(context)


def test_preview_page_queries_do_not_grow_with_errors(client, secretary, branch_a):
    client.force_login(secretary)
    counts = []
    for count in (2, 200):
        rows = [member_row(n, 出生日期="不详") for n in range(1, count + 1)]
        content = workbook_bytes(rows)
        client.post(create_url(), {"file": SimpleUploadedFile("m.xlsx", content)})
        batch = ImportBatch.objects.latest("pk")
        assert batch.error_count == count
        page = client.get(detail_url(batch)).content.decode()
        assert page.count("日期格式不正确") == count
        counts.append(queries_of(lambda batch=batch: client.get(detail_url(batch))))
    # session, user, scope path (organisation), batch with its uploader, and what the
    # navigation of base.html reads (unread notifications).
    assert counts[0] == counts[1] <= 6


def test_upload_page_queries_do_not_grow_with_batches(client, secretary, branch_a):
    client.force_login(secretary)
    content = workbook_bytes([member_row(1)])
    for _ in range(3):
        client.post(create_url(), {"file": SimpleUploadedFile("m.xlsx", content)})
    few = queries_of(lambda: client.get(create_url()))
    for _ in range(12):
        client.post(create_url(), {"file": SimpleUploadedFile("m.xlsx", content)})
    many = queries_of(lambda: client.get(create_url()))
    # session, user, scope path (organisation), recent batches, and the navigation's reads.
    assert few == many <= 6
    assert client.get(create_url()).content.decode().count("m.xlsx") == 10


def test_errors_beyond_the_stored_limit_are_counted(client, secretary, branch_a, monkeypatch):
    monkeypatch.setattr("alxa_dangjian.ledgers.imports.base.MAX_STORED_ERRORS", 3)
    client.force_login(secretary)
    rows = [member_row(n, 出生日期="不详") for n in range(1, 6)]
    content = workbook_bytes(rows)
    client.post(create_url(), {"file": SimpleUploadedFile("m.xlsx", content)})
    batch = ImportBatch.objects.get()
    assert batch.error_count == 5
    assert [e["row"] for e in batch.errors] == [2, 3, 4]
    page = client.get(detail_url(batch)).content.decode()
    assert "文件中有 5 个问题" in page and "以下列出前 3 个" in page
    assert page.count("日期格式不正确") == 3


def test_a_batch_whose_file_is_gone_is_not_committed(client, secretary, batch):
    batch.file.delete(save=False)
    client.force_login(secretary)
    response = client.post(commit_url(batch), follow=True)
    assert "上传的文件已不存在，请重新上传" in response.content.decode()
    assert not Member.objects.exists()
