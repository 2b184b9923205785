"""Tests for the streaming ledger workbook writer (no Django, no database)."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from alxa_dangjian.ledgers.xlsx import Column, safe_text, sheet_title_from, write_workbook

COLUMNS = [
    Column("序号", 6, "int"),
    Column("姓名", 12),
    Column("出生日期", 13, "date"),
    Column("党费（元）", 11, "decimal"),
    Column("登记时间", 18, "datetime"),
]


def _write(rows, *, columns=COLUMNS, **kwargs):
    buf = io.BytesIO()
    kwargs.setdefault("title", "党员信息台账")
    count = write_workbook(buf, columns=columns, rows=rows, **kwargs)
    buf.seek(0)
    return count, buf


def _sheet(buf):
    return load_workbook(buf).active


def _all_cells(ws):
    return [cell for row in ws.iter_rows() for cell in row]


def test_layout_with_subtitle():
    rows = [(1, "张伟", dt.date(1985, 3, 7), Decimal("12.50"), None)]
    count, buf = _write(rows, subtitle="导出时间：2024-05-01 10:00 导出人：管理员")
    assert count == 1
    ws = _sheet(buf)

    assert ws.title == "党员信息台账"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:E1", "A2:E2"}
    assert ws["A1"].value == "党员信息台账"
    assert ws["A1"].font.b
    assert ws["A1"].font.sz > 11
    assert ws["A1"].alignment.horizontal == "center"
    assert ws["A2"].value == "导出时间：2024-05-01 10:00 导出人：管理员"

    headers = [cell.value for cell in ws[3]]
    assert headers == [c.header for c in COLUMNS]
    for cell in ws[3]:
        assert cell.font.b
        assert cell.alignment.horizontal == "center"
        assert cell.alignment.wrap_text
        assert cell.border.left.style == "thin"
        assert cell.fill.fill_type == "solid"

    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert ws["A4"].value == 1 and ws["B4"].value == "张伟"


def test_layout_without_subtitle():
    _, buf = _write([(1, "李娜", None, None, None)])
    ws = _sheet(buf)
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:E1"}
    assert [cell.value for cell in ws[2]] == [c.header for c in COLUMNS]
    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows == "$2:$2"
    assert ws["B3"].value == "李娜"


def test_column_widths_and_page_setup():
    _, buf = _write([])
    ws = _sheet(buf)
    for letter, column in zip("ABCDE", COLUMNS, strict=True):
        assert ws.column_dimensions[letter].width == pytest.approx(column.width)
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert int(ws.page_setup.fitToWidth) == 1
    assert int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_returns_row_count_and_accepts_path(tmp_path):
    target = tmp_path / "ledger.xlsx"
    count = write_workbook(
        target, title="台账", columns=COLUMNS, rows=((i, f"党员{i}") for i in range(37))
    )
    assert count == 37
    ws = load_workbook(target).active
    assert ws.max_row == 2 + 37
    assert ws.cell(row=39, column=2).value == "党员36"


def test_empty_rows():
    count, buf = _write(iter(()))
    assert count == 0
    assert _sheet(buf).max_row == 2


def test_dates_decimals_and_datetimes_round_trip():
    aware = dt.datetime(2024, 1, 31, 16, 30, tzinfo=dt.UTC)  # 2024-02-01 00:30 in Beijing
    rows = [
        (1, "王芳", dt.date(1985, 3, 7), Decimal("1234.50"), aware),
        (2, "刘强", dt.datetime(1990, 6, 1, 8, 0), 3, dt.datetime(2024, 5, 1, 9, 15)),
        (3, "陈静", "不详", "", dt.date(2024, 5, 2)),
    ]
    _, buf = _write(rows)
    ws = _sheet(buf)

    birth = ws["C3"]
    assert birth.is_date and birth.value == dt.datetime(1985, 3, 7)
    assert birth.number_format == "yyyy-mm-dd"
    # a datetime in a date column is written as its date
    assert ws["C4"].value == dt.datetime(1990, 6, 1)

    dues = ws["D3"]
    assert dues.data_type == "n" and isinstance(dues.value, float)
    assert Decimal(str(dues.value)) == Decimal("1234.5")
    assert dues.number_format == "#,##0.00"
    assert ws["D4"].value == 3 and ws["D4"].number_format == "#,##0.00"

    registered = ws["E3"]
    assert registered.is_date
    assert registered.value == dt.datetime(2024, 2, 1, 0, 30)
    assert registered.number_format == "yyyy-mm-dd hh:mm"
    assert ws["E4"].value == dt.datetime(2024, 5, 1, 9, 15)

    # non-date values in a date column stay plain text, not a bogus date
    assert ws["C5"].value == "不详" and ws["C5"].data_type == "s"
    assert ws["C5"].number_format == "General"


def test_decimal_written_exactly():
    # no binary-float noise such as 1234567.8899999999 in the stored value
    _, buf = _write([(1, "x", None, Decimal("1234567.89"), None)])
    with zipfile.ZipFile(buf) as zf:
        sheet_xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>1234567.89</v>" in sheet_xml


def test_none_is_an_empty_cell():
    _, buf = _write([(None, None, None, None, None), (1, "x", None, None, None)])
    ws = _sheet(buf)
    assert all(cell.value is None for cell in ws[3])


def test_rows_are_streamed_not_materialised():
    consumed = 0
    progress = []

    def generate():
        nonlocal consumed
        for i in range(5000):
            consumed += 1
            yield (i, f"党员{i}", dt.date(2000, 1, 1), Decimal("1.00"), None)

    def on_progress(written):
        progress.append((written, consumed))

    count, _ = _write(generate(), on_progress=on_progress, progress_every=1000)
    assert count == 5000
    assert progress == [(n, n) for n in (1000, 2000, 3000, 4000, 5000)]


def test_progress_reports_final_partial_count():
    seen = []
    count, _ = _write(((i, "x") for i in range(2500)), on_progress=seen.append)
    assert count == 2500
    assert seen == [1000, 2000, 2500]


@pytest.mark.parametrize(
    "value",
    ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(1)", "＝1+1", "＋1", "－1", "＠A1", "\t=1", "\r=1"],
)
def test_safe_text_prefixes_formula_triggers(value):
    assert safe_text(value) == "'" + value


@pytest.mark.parametrize("value", ["", "张伟", "1+1", "a=b", "'quoted", "#N/A", "100-200"])
def test_safe_text_leaves_ordinary_text(value):
    assert safe_text(value) == value


def test_formula_injection_is_neutralised():
    dangerous = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(1)", "＝1+1"]
    rows = [(i, value, value, value, value) for i, value in enumerate(dangerous)]
    _, buf = _write(rows, subtitle='=HYPERLINK("http://x")')
    ws = _sheet(buf)

    for r, value in enumerate(dangerous, start=3 + 1):
        for col in "BCDE":
            cell = ws[f"{col}{r}"]
            assert cell.data_type == "s"
            assert cell.value == "'" + value
    assert ws["A2"].value.startswith("'=")
    assert not [cell.coordinate for cell in _all_cells(ws) if cell.data_type == "f"]


def test_error_code_text_stays_text():
    _, buf = _write([(1, "#N/A", "#REF!", None, None)])
    ws = _sheet(buf)
    assert ws["B3"].value == "#N/A" and ws["B3"].data_type == "s"
    assert ws["C3"].value == "#REF!" and ws["C3"].data_type == "s"


def test_illegal_control_characters_are_stripped():
    _, buf = _write([(1, "张\x00伟\x07\x1f", None, None, "a\x0bb")], title="台\x01账")
    ws = _sheet(buf)
    assert ws["A1"].value == "台账"
    assert ws["B3"].value == "张伟"
    assert ws["E3"].value == "ab"
    assert safe_text("\x01=1") == "'=1"


def test_other_types_are_stringified():
    class Lazy:
        def __str__(self):
            return "=lazy"

    _, buf = _write([(True, Lazy(), None, 1.25, None)])
    ws = _sheet(buf)
    assert ws["A3"].value is True
    assert ws["B3"].value == "'=lazy"
    assert ws["D3"].value == 1.25


def test_sheet_title():
    assert sheet_title_from("党费/收缴:台账[2024]?*\\") == "党费收缴台账2024"
    assert len(sheet_title_from("很" * 40)) == 31
    assert sheet_title_from("///") == "Sheet1"

    _, buf = _write([], title="阿拉善盟" * 10)
    assert _sheet(buf).title == ("阿拉善盟" * 10)[:31]
    _, buf = _write([], title="长标题", sheet_title="明细:2024")
    assert _sheet(buf).title == "明细2024"


def test_unknown_column_kind_rejected():
    with pytest.raises(ValueError):
        Column("x", kind="money")
