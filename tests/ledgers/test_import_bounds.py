"""Imports are bounded before they are read: a workbook is refused by the size it declares
and by the columns and rows it really holds, with memory that does not grow with the width
of its rows, and a macro-enabled workbook renamed .xlsx is refused unread. Each refusal is a
Chinese message and changes nothing."""

import io
import re
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from alxa_dangjian.ledgers.imports.reader import read_table, sniff
from alxa_dangjian.ledgers.models import ImportBatch
from tests.factories import MemberFactory
from tests.ledgers.bad_files.corpus import MEMBER_HEADERS, database_fingerprint

CREATE_URL = reverse("ledgers:importbatch-create", args=["members"])
ROWS = 20_001  # one past the default LEDGER_IMPORT_MAX_ROWS
PEAK_BYTES = 64 * 1024 * 1024  # before the bound: 2.6 GB for this file


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="module")
def wide_rows() -> bytes:
    """The audit's file: the template's header, then 20,001 rows with one cell in column A
    and one in column XFD (16,384), about 200 KB compressed."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(MEMBER_HEADERS)
    for row in range(2, ROWS + 2):
        sheet.cell(row=row, column=1, value=f"党员{row}")
        sheet.cell(row=row, column=16384, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_dimension(content: bytes, ref: str | None) -> bytes:
    """The same workbook with its first sheet's declared size replaced (or removed): what a
    hand-made or hostile file may declare."""
    source, target = io.BytesIO(content), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for entry in old.infolist():
            data = old.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                replacement = f'<dimension ref="{ref}"/>'.encode() if ref else b""
                data = re.sub(rb"<dimension [^>]*/>", replacement, data)
            new.writestr(entry, data)
    return target.getvalue()


def upload(client, content, name="members.xlsx"):
    return client.post(CREATE_URL, {"file": SimpleUploadedFile(name, content)})


def form_error(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(response.context["form"].errors["file"])


def peak_of(action):
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def league(secretary, branch_a, branch_b):
    MemberFactory.create_batch(2, organization=branch_a)


def test_a_sheet_declaring_column_xfd_is_refused_before_any_row(
    client, secretary, league, wide_rows
):
    client.force_login(secretary)
    before = database_fingerprint()
    response, peak = peak_of(lambda: upload(client, wide_rows))
    assert "工作表的内容一直延伸到第 16384 列（XFD 列），远超导入模板的列数" in form_error(response)
    assert peak < PEAK_BYTES
    assert database_fingerprint() == before
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("declared", [None, "A1:T2"], ids=["no-dimension", "forged-dimension"])
def test_wide_rows_read_with_flat_memory_whatever_the_sheet_declares(
    client, secretary, league, wide_rows, declared
):
    client.force_login(secretary)
    before = database_fingerprint()
    content = with_dimension(wide_rows, declared)
    response, peak = peak_of(lambda: upload(client, content))
    assert "数据超过 20000 行，请分成多个文件导入" in form_error(response)
    assert peak < PEAK_BYTES, f"{peak / 2**20:.0f} MB"
    assert database_fingerprint() == before
    assert not ImportBatch.objects.exists()


def test_a_sheet_declaring_more_rows_than_allowed_is_refused_unread(wide_rows):
    content = io.BytesIO(with_dimension(wide_rows, "A1:T1048576"))
    with pytest.raises(ValidationError, match="工作表有 1048576 行以上，超出导入上限（10 行数据）"):
        read_table(content, columns=[(h,) for h in MEMBER_HEADERS], max_rows=10)


def test_rows_far_below_the_data_are_refused_as_the_sheet_runs_past_the_limit():
    workbook = Workbook(write_only=True)  # declares no size: only the rows can tell
    sheet = workbook.create_sheet()
    sheet.append(["姓名"])
    sheet.append(["张伟"])
    for _ in range(1100):
        sheet.append([None])
    sheet.append(["李娜"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ValidationError, match="工作表有 1011 行以上，超出导入上限（10 行数据）"):
        read_table(buffer, columns=[("姓名",)], max_rows=10)


def test_cells_right_of_the_template_are_never_read():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["姓名"])
    sheet.append(["张伟", *([None] * 100), "远处的内容"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer, columns=[("姓名",)], max_rows=10)
    assert [len(cells) for _, cells in table.rows] == [11]  # 1 template column + 10 spare


def macro_workbook(*, vba: bool, content_type: bool) -> bytes:
    """A normal workbook made macro-enabled the two ways Excel marks one."""
    buffer = io.BytesIO()
    Workbook().save(buffer)
    source, target = io.BytesIO(buffer.getvalue()), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for entry in old.infolist():
            data = old.read(entry)
            if content_type and entry.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
                assert b"macroEnabled" in data
            new.writestr(entry, data)
        if vba:
            new.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)
    return target.getvalue()


@pytest.mark.parametrize(("vba", "content_type"), [(True, False), (False, True), (True, True)])
def test_a_macro_enabled_workbook_renamed_xlsx_is_refused(
    client, secretary, league, vba, content_type
):
    client.force_login(secretary)
    before = database_fingerprint()
    response = upload(client, macro_workbook(vba=vba, content_type=content_type))
    assert "文件含有宏（VBA 代码），可能是改了扩展名的 .xlsm 文件，不予读取" in form_error(response)
    assert database_fingerprint() == before
    assert not ImportBatch.objects.exists()


def test_a_plain_workbook_passes_the_macro_check():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    sniff(buffer, limit=10**6)
