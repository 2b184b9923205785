"""Photos and files of a record: judged by content, stored unchanged, served only to those
who may see the record."""

import hashlib
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activities.models import Activity, Attachment
from activities.services import records as services
from alxa_dangjian.core.files import sniff
from tests.activities.test_records import form_data, make_roster
from tests.factories import ActivityFactory

Status = Activity.Status
CREATE = reverse("activities:activity-create")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ACTIVITY_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    return Path(settings.MEDIA_ROOT)


def stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# Sample files ---------------------------------------------------------------------------------


def png_bytes():
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xcc\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def ooxml_bytes(main_type):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/main.xml" '
            f'ContentType="{main_type}"/></Types>',
        )
        package.writestr("main.xml", "<x/>")
    return buffer.getvalue()


WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
POWERPOINT = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
WORD_MACROS = "application/vnd.ms-word.document.macroEnabled.main+xml"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def upload(name, content):
    return SimpleUploadedFile(name, content)


# The sniffer --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (JPEG, "jpeg"),
        (png_bytes(), "png"),
        (GIF, "gif"),
        (WEBP, "webp"),
        (PDF, "pdf"),
        (ooxml_bytes(WORD), "docx"),
        (ooxml_bytes(EXCEL), "xlsx"),
        (ooxml_bytes(POWERPOINT), "pptx"),
        (OLE2, "ole2"),
        (EXE, None),
        (HTML, None),
        (b"", None),
        (b"PK\x03\x04 not really a zip", None),
        (ooxml_bytes(WORD_MACROS), None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
    ],
)
def test_sniff_reads_the_content_not_the_name(content, expected):
    handle = io.BytesIO(content)
    assert sniff(handle) == expected
    assert handle.tell() == 0


def test_a_zip_without_content_types_is_not_office():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<x/>")
    assert sniff(buffer) is None


# Uploading from the record page -----------------------------------------------------------------


@pytest.fixture
def draft(secretary, branch_a):
    return ActivityFactory(organization=branch_a, created_by=secretary, status=Status.DRAFT)


def upload_url(activity):
    return reverse("activities:activity-upload", args=[activity.pk])


def test_a_photo_is_stored_unchanged_with_its_hash(client, secretary, draft, media, settings):
    content = png_bytes()
    client.force_login(secretary)
    response = client.post(
        upload_url(draft), {"files": upload("支部活动.png", content)}, follow=True
    )
    assert "已上传1个文件" in response.content.decode()
    attachment = Attachment.objects.get()
    assert attachment.original_name == "支部活动.png"
    assert attachment.content_type == "image/png" and attachment.kind == "photo"
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.uploaded_by == secretary and attachment.activity == draft
    assert re.fullmatch(rf"activities/{draft.held_on.year}/[0-9a-f]{{32}}", attachment.file.name)
    (path,) = stored_files(media)
    assert path.read_bytes() == content
    assert not str(path).startswith(str(settings.STATIC_ROOT))


@pytest.mark.parametrize(
    ("name", "content", "content_type", "kind"),
    [
        ("照片.jpg", JPEG, "image/jpeg", "photo"),
        ("照片.JPEG", JPEG, "image/jpeg", "photo"),
        ("动图.gif", GIF, "image/gif", "photo"),
        ("照片.webp", WEBP, "image/webp", "photo"),
        ("通知.pdf", PDF, "application/pdf", "document"),
        (
            "会议记录.docx",
            ooxml_bytes(WORD),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "document",
        ),
        (
            "签到表.xlsx",
            ooxml_bytes(EXCEL),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "document",
        ),
        (
            "课件.pptx",
            ooxml_bytes(POWERPOINT),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "document",
        ),
        ("旧文档.doc", OLE2, "application/msword", "document"),
        ("旧表格.xls", OLE2, "application/vnd.ms-excel", "document"),
        ("旧课件.ppt", OLE2, "application/vnd.ms-powerpoint", "document"),
    ],
)
def test_accepted_types(client, secretary, draft, name, content, content_type, kind):
    client.force_login(secretary)
    client.post(upload_url(draft), {"files": upload(name, content)})
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.kind) == (content_type, kind)


BAD_UPLOADS = [
    (
        "setup.jpg",
        EXE,
        "“setup.jpg”的内容与扩展名 .jpg 不符（不是可识别的图片、PDF 或 Office 文件）",
    ),
    ("通知.pdf", HTML, "“通知.pdf”的内容与扩展名 .pdf 不符"),
    ("照片.png", JPEG, "“照片.png”的内容与扩展名 .png 不符（实际是JPEG 图片）"),
    ("表格.docx", ooxml_bytes(EXCEL), "实际是Excel 表格"),
    ("宏.docx", ooxml_bytes(WORD_MACROS), "“宏.docx”的内容与扩展名 .docx 不符"),
    ("旧文档.doc", EXE, "“旧文档.doc”的内容与扩展名 .doc 不符"),
    ("setup.exe", EXE, "只能上传图片（JPG、PNG、GIF、WebP）、PDF 和 Office 文件"),
    ("页面.html", HTML, "“页面.html”不是这类文件"),
    ("图标.svg", b"<svg xmlns='x'/>", "“图标.svg”不是这类文件"),
    ("宏.docm", ooxml_bytes(WORD_MACROS), "“宏.docm”不是这类文件"),
    ("无扩展名", PDF, "“无扩展名”不是这类文件"),
    ("空.pdf", b"", "“空.pdf”是空文件"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_UPLOADS)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    client, secretary, draft, media, name, content, message
):
    client.force_login(secretary)
    response = client.post(upload_url(draft), {"files": upload(name, content)}, follow=True)
    assert message in response.content.decode()
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []


def test_a_30_mb_photo_is_refused(client, secretary, draft, media):
    content = JPEG + b"\x00" * (30 * 1024 * 1024)
    client.force_login(secretary)
    response = client.post(upload_url(draft), {"files": upload("大照片.jpg", content)}, follow=True)
    assert "“大照片.jpg”大小为30.0 MB，超过了单个文件10.0 MB的上限" in response.content.decode()
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []


def test_the_size_limit_is_a_setting(client, secretary, draft, settings):
    settings.ACTIVITY_UPLOAD_MAX_BYTES = 100
    client.force_login(secretary)
    response = client.post(
        upload_url(draft), {"files": upload("a.pdf", PDF + b" " * 100)}, follow=True
    )
    assert "超过了单个文件" in response.content.decode()
    assert Attachment.objects.count() == 0


def test_one_bad_file_refuses_the_whole_batch(client, secretary, draft, media):
    client.force_login(secretary)
    files = [upload("好照片.png", png_bytes()), upload("坏照片.jpg", EXE)]
    response = client.post(upload_url(draft), {"files": files}, follow=True)
    assert "坏照片.jpg" in response.content.decode()
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_several_files_at_once(client, secretary, draft, media):
    client.force_login(secretary)
    files = [upload("一.png", png_bytes()), upload("二.pdf", PDF)]
    client.post(upload_url(draft), {"files": files})
    assert sorted(Attachment.objects.values_list("original_name", flat=True)) == [
        "一.png",
        "二.pdf",
    ]
    assert len(stored_files(media)) == 2


def test_no_file_chosen(client, secretary, draft):
    client.force_login(secretary)
    response = client.post(upload_url(draft), {}, follow=True)
    assert "请选择要上传的照片或文件" in response.content.decode()


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED])
def test_no_uploads_to_a_locked_record(client, secretary, branch_a, media, status):
    activity = ActivityFactory(organization=branch_a, created_by=secretary, status=status)
    client.force_login(secretary)
    response = client.post(
        upload_url(activity), {"files": upload("a.png", png_bytes())}, follow=True
    )
    assert "不能再修改" in response.content.decode()
    assert Attachment.objects.count() == 0 and stored_files(media) == []
    with pytest.raises(ValidationError):
        services.add_attachments(activity, uploads=[upload("a.png", png_bytes())], by=secretary)
    assert stored_files(media) == []


def test_outsider_cannot_upload(client, outsiders, draft, media):
    for outsider in outsiders:
        client.force_login(outsider)
        response = client.post(upload_url(draft), {"files": upload("a.png", png_bytes())})
        assert response.status_code == 404
    assert Attachment.objects.count() == 0 and stored_files(media) == []


# Uploading with the record ----------------------------------------------------------------------


def test_a_photo_is_saved_with_a_new_record(client, secretary, branch_a, media):
    make_roster(branch_a)
    client.force_login(secretary)
    response = client.post(CREATE, {**form_data(), "files": [upload("合影.png", png_bytes())]})
    assert response.status_code == 302
    assert Activity.objects.get().attachments.get().original_name == "合影.png"


def test_a_bad_file_refuses_the_new_record(client, secretary, branch_a, media):
    make_roster(branch_a)
    client.force_login(secretary)
    response = client.post(CREATE, {**form_data(), "files": [upload("合影.jpg", EXE)]})
    assert response.status_code == 200
    assert "“合影.jpg”的内容与扩展名 .jpg 不符" in response.content.decode()
    assert Activity.objects.count() == 0 and Attachment.objects.count() == 0
    assert stored_files(media) == []


def test_a_30_mb_photo_refuses_the_new_record(client, secretary, branch_a, media):
    client.force_login(secretary)
    big = upload("大照片.jpg", JPEG + b"\x00" * (30 * 1024 * 1024))
    response = client.post(CREATE, {**form_data(), "files": [big]})
    assert "超过了单个文件10.0 MB的上限" in response.content.decode()
    assert Activity.objects.count() == 0 and stored_files(media) == []


# Serving ------------------------------------------------------------------------------------------


def attach(activity, user, name, content):
    (attachment,) = services.add_attachments(activity, uploads=[upload(name, content)], by=user)
    return attachment


def test_a_photo_is_served_inline_with_its_original_name(client, secretary, draft):
    content = png_bytes()
    attachment = attach(draft, secretary, "支部活动.png", content)
    client.force_login(secretary)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert (
        "filename*=utf-8''%E6%94%AF%E9%83%A8%E6%B4%BB%E5%8A%A8.png"
        in response["Content-Disposition"]
    )


def test_a_document_is_served_as_a_download(client, secretary, draft):
    attachment = attach(draft, secretary, "notice.pdf", PDF)
    client.force_login(secretary)
    response = client.get(attachment.get_absolute_url())
    assert response["Content-Disposition"] == 'attachment; filename="notice.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_reviewers_and_joint_partners_may_download(
    client, secretary, committee_admin, staff, outsider, draft, branch_b
):
    attachment = attach(draft, secretary, "a.pdf", PDF)
    draft.joint_organizations.add(branch_b)
    for user in (committee_admin, staff, outsider):  # outsider is branch_b's secretary
        client.force_login(user)
        assert client.get(attachment.get_absolute_url()).status_code == 200


def test_outsiders_get_404_for_every_uploaded_file(client, outsiders, secretary, draft):
    attachments = [
        attach(draft, secretary, "a.pdf", PDF),
        attach(draft, secretary, "b.png", png_bytes()),
    ]
    for outsider in outsiders:
        client.force_login(outsider)
        for attachment in attachments:
            assert client.get(attachment.get_absolute_url()).status_code == 404
            delete = reverse("activities:attachment-delete", args=[attachment.pk])
            assert client.post(delete).status_code == 404
    client.logout()
    response = client.get(attachments[0].get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert Attachment.objects.count() == 2


def test_a_file_missing_from_storage_is_404(client, secretary, draft, media):
    attachment = attach(draft, secretary, "a.pdf", PDF)
    for path in stored_files(media):
        path.unlink()
    client.force_login(secretary)
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_the_record_page_shows_photos_and_files(client, secretary, draft):
    photo = attach(draft, secretary, "合影.png", png_bytes())
    document = attach(draft, secretary, "通知.pdf", PDF)
    client.force_login(secretary)
    body = client.get(draft.get_absolute_url()).content.decode()
    assert f'<img src="{photo.get_absolute_url()}"' in body
    assert f'href="{document.get_absolute_url()}">通知.pdf' in body


def test_download_wrong_method(client, secretary, draft):
    attachment = attach(draft, secretary, "a.pdf", PDF)
    client.force_login(secretary)
    assert client.post(attachment.get_absolute_url()).status_code == 405


# Deleting -----------------------------------------------------------------------------------------


def test_deleting_a_file_removes_it_from_storage(
    client, secretary, draft, media, django_capture_on_commit_callbacks
):
    attachment = attach(draft, secretary, "a.pdf", PDF)
    client.force_login(secretary)
    delete = reverse("activities:attachment-delete", args=[attachment.pk])
    assert client.get(delete).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete, {"reason": "上传错了"}, follow=True)
    assert "已删除“a.pdf”" in response.content.decode()
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_files_of_an_approved_record_cannot_be_deleted(client, secretary, draft, media):
    attachment = attach(draft, secretary, "a.pdf", PDF)
    Activity.objects.filter(pk=draft.pk).update(status=Status.APPROVED)
    client.force_login(secretary)
    delete = reverse("activities:attachment-delete", args=[attachment.pk])
    response = client.post(delete, follow=True)
    assert "该记录已审核，不能再修改" in response.content.decode()
    assert Attachment.objects.count() == 1 and len(stored_files(media)) == 1


def test_a_joint_partner_cannot_delete_the_hosts_files(
    client, secretary, outsider, draft, branch_b
):
    attachment = attach(draft, secretary, "a.pdf", PDF)
    draft.joint_organizations.add(branch_b)
    client.force_login(outsider)
    delete = reverse("activities:attachment-delete", args=[attachment.pk])
    assert client.post(delete).status_code == 403
    assert Attachment.objects.count() == 1
