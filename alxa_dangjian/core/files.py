"""Uploaded photos and files, for every app: what may be uploaded, how it is kept, how it is served.

Uploads are judged by their content, not by the name a browser sends: the first bytes (and,
for Office files, the package's [Content_Types].xml) say what a file is, and the extension
must agree (`check_upload`). Files are stored unchanged under MEDIA_ROOT with a random name
and no extension (`store_files` into a model built on `StoredFile`), and are only ever
streamed by a view that has fetched the row through the access rule (`serve`).
"""

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, Http404

JPEG, PNG, GIF, WEBP, PDF, DOCX, XLSX, PPTX, OLE2 = (
    "jpeg",
    "png",
    "gif",
    "webp",
    "pdf",
    "docx",
    "xlsx",
    "pptx",
    "ole2",
)
IMAGE_FORMATS = {JPEG, PNG, GIF, WEBP}

FORMAT_LABELS = {
    JPEG: "JPEG 图片",
    PNG: "PNG 图片",
    GIF: "GIF 图片",
    WEBP: "WebP 图片",
    PDF: "PDF 文档",
    DOCX: "Word 文档",
    XLSX: "Excel 表格",
    PPTX: "PowerPoint 演示文稿",
    OLE2: "旧版 Office 文件",
}


@dataclass(frozen=True)
class Extension:
    format: str
    content_type: str


# The extensions accepted, each with the content its file must have and the type it is served as.
EXTENSIONS = {
    "jpg": Extension(JPEG, "image/jpeg"),
    "jpeg": Extension(JPEG, "image/jpeg"),
    "png": Extension(PNG, "image/png"),
    "gif": Extension(GIF, "image/gif"),
    "webp": Extension(WEBP, "image/webp"),
    "pdf": Extension(PDF, "application/pdf"),
    "docx": Extension(
        DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "xlsx": Extension(XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": Extension(
        PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
    "doc": Extension(OLE2, "application/msword"),
    "xls": Extension(OLE2, "application/vnd.ms-excel"),
    "ppt": Extension(OLE2, "application/vnd.ms-powerpoint"),
}

# The main part an OOXML package declares; macro-enabled variants (docm, xlsm, …) declare
# other types and are therefore refused.
OOXML_MAIN_PARTS = {
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# [Content_Types].xml is a few kilobytes; anything much larger is not an Office file.
CONTENT_TYPES_MAX_BYTES = 1024 * 1024


def sniff(fileobj) -> str | None:
    """The format of a file from its content (one of EXTENSIONS' formats), or None.

    Reads the first bytes; for a ZIP it opens the package and reads only its
    [Content_Types].xml. The file position is restored to the start.
    """
    fileobj.seek(0)
    head = fileobj.read(16)
    fileobj.seek(0)
    found = None
    if head.startswith(b"\xff\xd8\xff"):
        found = JPEG
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = PNG
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        found = GIF
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = WEBP
    elif head.startswith(b"%PDF-"):
        found = PDF
    elif head.startswith(OLE2_SIGNATURE):
        found = OLE2
    elif head.startswith(b"PK\x03\x04"):
        found = _ooxml_format(fileobj)
    fileobj.seek(0)
    return found


def _ooxml_format(fileobj) -> str | None:
    try:
        with zipfile.ZipFile(fileobj) as package:
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > CONTENT_TYPES_MAX_BYTES:
                return None
            declared = package.read(info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, EOFError):
        return None
    for fmt, main_part in OOXML_MAIN_PARTS.items():
        if f'ContentType="{main_part}"' in declared:
            return fmt
    return None


def sha256_of(fileobj) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


ACCEPTED_TYPES = "图片（JPG、PNG、GIF、WebP）、PDF 和 Office 文件（Word、Excel、PowerPoint）"


class StoredFile(models.Model):
    """A photo or file kept exactly as uploaded, with what the sniffer found and its hash."""

    class Kind(models.TextChoices):
        PHOTO = "photo", "照片"
        DOCUMENT = "document", "文件"

    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    uploaded_by = models.ForeignKey(
        "accounts.User", verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    @property
    def is_photo(self) -> bool:
        return self.kind == self.Kind.PHOTO


def store_files(model, checked, *, by, **owner) -> list:
    """Save checked uploads as `model` rows belonging to `owner` (e.g. activity=…).

    Call it last inside the write's transaction: if anything fails, the bytes already
    written are removed again, so a rolled-back write leaves no file on disk.
    """
    created, stored = [], []
    try:
        for item in checked:
            row = model(
                **owner,
                original_name=item.name,
                content_type=item.content_type,
                size=item.upload.size,
                sha256=item.sha256,
                kind=item.kind,
                uploaded_by=by,
            )
            row._history_user = by  # the upload's history event names the uploader
            # The bytes are written as received: the original is what is kept.
            row.file.save(item.name, item.upload, save=False)
            stored.append(row.file.name)
            row.save()
            created.append(row)
    except Exception:
        for name in stored:
            model.file.field.storage.delete(name)
        raise
    return created


@dataclass(frozen=True)
class CheckedUpload:
    upload: object
    name: str
    content_type: str
    kind: str
    sha256: str


def _size_label(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def check_upload(upload) -> CheckedUpload:
    """Refuse anything but images, PDF and Office files within the size limit, judged by content."""
    name = PurePath(upload.name or "").name[-255:] or "未命名"
    extension = PurePath(name).suffix.lower().lstrip(".")
    expected = EXTENSIONS.get(extension)
    if expected is None:
        message = "只能上传{accepted}，“{name}”不是这类文件。"
        raise ValidationError({"files": message.format(accepted=ACCEPTED_TYPES, name=name)})
    limit = settings.ACTIVITY_UPLOAD_MAX_BYTES
    if upload.size > limit:
        message = "“{name}”大小为{size}，超过了单个文件{limit}的上限。"
        size = _size_label(upload.size)
        raise ValidationError(
            {"files": message.format(name=name, size=size, limit=_size_label(limit))}
        )
    if upload.size == 0:
        raise ValidationError({"files": f"“{name}”是空文件。"})
    found = sniff(upload)
    if found != expected.format:
        actual = (
            f"实际是{FORMAT_LABELS[found]}" if found else "不是可识别的图片、PDF 或 Office 文件"
        )
        message = "“{name}”的内容与扩展名 .{extension} 不符（{actual}），已拒绝上传。"
        raise ValidationError(
            {"files": message.format(name=name, extension=extension, actual=actual)}
        )
    kind = StoredFile.Kind.PHOTO if found in IMAGE_FORMATS else StoredFile.Kind.DOCUMENT
    return CheckedUpload(upload, name, expected.content_type, kind, sha256_of(upload))


def serve(stored: StoredFile) -> FileResponse:
    """Stream a stored file the caller has already fetched through the access rule.

    Photos open in the page (they are shown on the record); everything else downloads. Either
    way the browser is told not to guess the type, and the response may not run anything, so
    a file that slipped past the sniffer still cannot act as a page.
    """
    try:
        handle = stored.file.storage.open(stored.file.name, "rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(
        handle,
        as_attachment=not stored.is_photo,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
