"""Cell parsers and the sheet reader of the import mechanism (no database)."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from alxa_dangjian.ledgers.imports import cells
from alxa_dangjian.ledgers.imports.reader import read_table, sniff
from tests.ledgers.bad_files.corpus import id_number

HEADERS = [("姓名",), ("出生日期",)]


def sheet_bytes(*rows) -> io.BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2024, 1, 31),
        dt.date(2024, 1, 31),
        "2024-01-31",
        "2024-1-31",
        "2024/1/31",
        "2024.1.31",
        "2024年1月31日",
        " 2024 年 1 月 31 日 ",
        "２０２４－０１－３１",
    ],
)
def test_dates_in_every_accepted_form(value):
    assert cells.date()(cells.clean_raw(value)) == dt.date(2024, 1, 31)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("20240131", "日期格式不正确，应为 2024-01-31"),
        ("31/01/2024", "日期格式不正确，应为 2024-01-31"),
        (45322, "日期格式不正确，应为 2024-01-31"),
        (dt.time(8, 0), "日期格式不正确，应为 2024-01-31"),
        ("2023-02-29", "日期“2023-02-29”不存在，请核对"),
        ("1899-12-31", "日期早于1900年，请核对"),
        ("2999-01-01", "日期晚于今天，请核对"),
    ],
)
def test_bad_dates_say_what_is_wrong(value, message):
    with pytest.raises(cells.CellError) as error:
        cells.date()(value)
    assert error.value.message == message


@pytest.mark.parametrize("text", ["=1+1", "+86", "-", "@x", "＝1", "'=cmd|' /C calc'!A0"])
def test_formula_triggers_are_refused_even_behind_an_apostrophe(text):
    with pytest.raises(cells.CellError, match="可能是公式"):
        cells.clean_raw(text)


def test_blank_text_is_empty_and_plain_text_is_trimmed():
    assert cells.clean_raw("  \u3000 ") is None
    assert cells.clean_raw(" 张伟 ") == "张伟"
    assert cells.clean_raw("'张伟") == "'张伟"


def test_choices_take_labels_and_aliases():
    parse = cells.choice([("a", "甲"), ("b", "乙")], aliases={"甲方": "a"})
    assert parse("甲") == "a" and parse("甲方") == "a"
    assert parse.labels == ["甲", "乙"]
    with pytest.raises(cells.CellError, match="“丙”不是可选值，应为“甲”、“乙”之一"):
        parse("丙")


def test_text_limits_length_and_reads_whole_numbers_as_digits():
    parse = cells.text(5)
    assert parse(13800.0) == "13800"
    with pytest.raises(cells.CellError, match="内容过长（6个字），不能超过5个字"):
        parse("一二三四五六")
    with pytest.raises(cells.CellError, match="应填写文字"):
        parse(True)


def test_id_numbers_are_normalised():
    number = next(id_number(n) for n in range(1, 60) if id_number(n).endswith("X"))
    assert cells.id_number(number.lower()) == number
    assert cells.id_number(" " + number[:6] + " " + number[6:]) == number


def test_yes_no():
    assert cells.yes_no("是") is True and cells.yes_no(False) is False
    with pytest.raises(cells.CellError, match="应为“是”或“否”"):
        cells.yes_no("Y")


def test_header_found_under_title_rows_and_blank_rows_skipped_with_their_numbers():
    source = sheet_bytes(
        ["党员花名册"],
        ["导出时间：2024-01-31"],
        ["出生日期", " 姓 名 "],
        ["张伟", "1985-03-07"],
        [None, "  "],
        ["李娜", "1986-04-01"],
    )
    table = read_table(source, columns=HEADERS, max_rows=10)
    assert table.header_row == 3
    assert table.positions == {"出生日期": 0, "姓名": 1}
    assert [number for number, _ in table.rows] == [4, 6]


def test_alternative_headers_and_ignored_headers():
    source = sheet_bytes(["序号", "全称", "有效"], [1, "甲", "是"])
    table = read_table(
        source,
        columns=[("姓名", "全称"), ("有效", "状态")],
        ignored=frozenset({"序号"}),
        max_rows=10,
    )
    assert table.positions == {"全称": 1, "有效": 2}
    source = sheet_bytes(["姓名", "全称", "有效"], ["甲", "甲", "是"])
    with pytest.raises(ValidationError, match="重复的列「姓名」与「全称」"):
        read_table(source, columns=[("姓名", "全称"), ("有效",)], max_rows=10)


def test_a_workbook_whose_xml_inflates_absurdly_is_refused_unread():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * 3_000_000)
    with pytest.raises(ValidationError, match="文件解压后体积异常"):
        sniff(buffer, limit=100_000)


def test_a_corrupt_workbook_is_a_chinese_message_not_a_crash():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-a-workbook")
    buffer.seek(0)
    with pytest.raises(ValidationError, match="无法读取该 Excel 文件，文件可能已损坏"):
        read_table(buffer, columns=HEADERS, max_rows=10)
