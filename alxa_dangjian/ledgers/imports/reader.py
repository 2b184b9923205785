"""Reading an uploaded workbook: the file checks (type, size, content sniffed) and the sheet
checks (header row, empty sheet, row limit).  Every refusal is a ``ValidationError`` with a
Chinese message; nothing here touches the database."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

ALLOWED_EXTENSION = ".xlsx"
# A real .xlsx compresses XML roughly 5–10×; far more than this is a zip bomb, not a roster.
MAX_UNCOMPRESSED_RATIO = 20
# The header may sit under a title and a subtitle row, as in the ledgers we export.
HEADER_SCAN_ROWS = 5
# Beyond its data rows a sheet may hold title, header and blank rows up to this many; a
# sheet declared or found longer is refused before (or as soon as) its rows are read.
SPARE_ROWS = 1000
# Columns read beyond the template's own (its headers, alternatives and ignored headers), so
# that a stray extra column is still named in the header check.
SPARE_COLUMNS = 10
_WHITESPACE_RE = re.compile(r"\s+")

MSG_NOT_EXCEL = (
    "文件内容不是 Excel（.xlsx）格式，可能是改了扩展名的其他文件。"
    "请用 Excel 另存为 .xlsx 后再上传。"
)
MSG_UNREADABLE = "无法读取该 Excel 文件，文件可能已损坏。请用 Excel 打开后另存为 .xlsx 再上传。"
MSG_MACROS = (
    "文件含有宏（VBA 代码），可能是改了扩展名的 .xlsm 文件，不予读取。"
    "请在 Excel 中另存为“Excel 工作簿（.xlsx）”后再上传。"
)
# [Content_Types].xml of a real workbook is a few kilobytes; it is read whole, so bounded.
CONTENT_TYPES_MAX_BYTES = 256 * 1024


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def check_upload(upload) -> None:
    """Extension, size and content of an uploaded file, before anything parses it."""
    name = upload.name or ""
    if PurePath(name).suffix.lower() != ALLOWED_EXTENSION:
        raise ValidationError(
            "只能上传 Excel 文件（.xlsx）。如为 .xls、.csv 或 WPS 文件，请先另存为 .xlsx。",
            code="extension",
        )
    limit = settings.LEDGER_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            "文件过大（{size} MB），不能超过 {limit} MB；请分批导入。".format(
                size=_megabytes(upload.size), limit=_megabytes(limit)
            ),
            code="size",
        )
    sniff(upload, limit=limit)


def sniff(fileobj, *, limit: int) -> None:
    """A workbook is a zip holding xl/workbook.xml; anything else is refused unread."""
    fileobj.seek(0)
    try:
        if not zipfile.is_zipfile(fileobj):
            raise ValidationError(MSG_NOT_EXCEL, code="content")
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(MSG_NOT_EXCEL, code="content") from None
    finally:
        fileobj.seek(0)
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        raise ValidationError(MSG_NOT_EXCEL, code="content")
    if sum(entry.file_size for entry in entries) > limit * MAX_UNCOMPRESSED_RATIO:
        raise ValidationError(
            "文件解压后体积异常，疑似非正常 Excel 文件，不予读取。", code="content"
        )
    if _holds_macros(fileobj, entries):
        raise ValidationError(MSG_MACROS, code="macros")


def _holds_macros(fileobj, entries) -> bool:
    """A macro-enabled workbook (.xlsm, .xltm) renamed .xlsx: its package declares a
    macro-enabled content type or carries a VBA project."""
    if any(entry.filename.lower().endswith("vbaproject.bin") for entry in entries):
        return True
    types = next((e for e in entries if e.filename == "[Content_Types].xml"), None)
    if types is None or types.file_size > CONTENT_TYPES_MAX_BYTES:
        return types is not None
    try:
        with zipfile.ZipFile(fileobj) as archive:
            declared = archive.read(types).lower()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(MSG_NOT_EXCEL, code="content") from None
    finally:
        fileobj.seek(0)
    return b"macroenabled" in declared or b"vbaproject" in declared


def normalize_header(value) -> str:
    if value is None:
        return ""
    return _WHITESPACE_RE.sub("", str(value))


@dataclass
class Table:
    header_row: int
    positions: dict[str, int]  # header → index of the cell in a row
    rows: list[tuple[int, tuple]]  # (Excel row number, cell values), blank rows left out


@contextmanager
def _opened(fileobj):
    fileobj.seek(0)
    try:
        # data_only=False: a formula cell must show its formula (and be refused), not hide
        # behind a cached value.  read_only streams the sheet instead of building it in memory.
        workbook = load_workbook(fileobj, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many types on a malformed package
        raise ValidationError(MSG_UNREADABLE, code="content") from None
    try:
        yield workbook
    finally:
        workbook.close()


def _is_blank(cells: Sequence) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def read_table(
    fileobj,
    *,
    columns: Sequence[Sequence[str]],
    ignored: frozenset[str] = frozenset(),
    max_rows: int,
) -> Table:
    """Read the first worksheet: find the header row, check it against ``columns`` and return
    the data rows.

    Each item of ``columns`` lists the headers one column may have: its own first, then
    alternatives (e.g. the header an exported ledger uses); exactly one must be present.
    ``ignored`` headers (columns of an exported ledger the import does not use) are skipped.
    """
    known = {header for headers in columns for header in headers}
    width = len(known | ignored) + SPARE_COLUMNS
    last_row = max_rows + SPARE_ROWS
    with _opened(fileobj) as workbook:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None or not hasattr(sheet, "iter_rows"):
            raise ValidationError("文件中没有工作表。", code="empty")
        _check_declared_size(sheet, width=width, last_row=last_row, max_rows=max_rows)
        # Files from some tools declare a wrong sheet size, so the rows are read to their real
        # end, but never wider than the template: read-only openpyxl pads every row to the
        # sheet's widest, so one cell in column XFD would make each row 16,384 cells.
        sheet.reset_dimensions()
        try:
            rows = sheet.iter_rows(max_col=width, values_only=True)
            header_row, header_cells, first_filled = None, None, None
            for number, cells in enumerate(rows, 1):
                if _is_blank(cells):
                    continue
                if first_filled is None:
                    first_filled = (number, cells)
                if any(normalize_header(cell) in known for cell in cells):
                    header_row, header_cells = number, cells
                    break
                if number - first_filled[0] + 1 >= HEADER_SCAN_ROWS:
                    break
            if first_filled is None:
                raise ValidationError(
                    "工作表是空的：第一个工作表中没有表头，也没有数据。", code="empty"
                )
            if header_row is None:
                header_row, header_cells = first_filled
            positions = _match_headers(header_row, header_cells, columns, known, ignored)
            data = []
            for number, cells in enumerate(rows, header_row + 1):
                if number > last_row:
                    raise _sheet_too_long(number, max_rows)
                if _is_blank(cells):
                    continue
                if len(data) >= max_rows:
                    raise _too_many_rows(max_rows)
                data.append((number, cells))
        except ValidationError:
            raise
        except Exception:  # malformed XML inside an otherwise valid package
            raise ValidationError(MSG_UNREADABLE, code="content") from None
    if not data:
        raise ValidationError(
            "第{row}行是表头，但表中没有数据行。".format(row=header_row), code="empty"
        )
    return Table(header_row=header_row, positions=positions, rows=data)


def _too_many_rows(max_rows: int) -> ValidationError:
    return ValidationError(
        "数据超过 {limit} 行，请分成多个文件导入。".format(limit=max_rows), code="rows"
    )


def _sheet_too_long(rows: int, max_rows: int) -> ValidationError:
    return ValidationError(
        "工作表有 {rows} 行以上，超出导入上限（{limit} 行数据）。请分成多个文件导入；"
        "如表末有大量空行，请删除这些行后另存再上传。".format(rows=rows, limit=max_rows),
        code="rows",
    )


def _check_declared_size(sheet, *, width: int, last_row: int, max_rows: int) -> None:
    """Refuse a sheet by the size it declares (its <dimension>) before reading a row."""
    columns, rows = sheet.max_column, sheet.max_row
    if columns and columns > width:
        raise ValidationError(
            "工作表的内容一直延伸到第 {column} 列（{letter} 列），远超导入模板的列数。"
            "请删除模板以外各列中的内容（包括远处误填的单元格），"
            "或把数据复制到新下载的导入模板后再上传。".format(
                column=columns, letter=get_column_letter(min(columns, 16384))
            ),
            code="columns",
        )
    if rows and rows > last_row:
        raise _sheet_too_long(rows, max_rows)


def _match_headers(number: int, cells, columns, known: set[str], ignored) -> dict[str, int]:
    positions: dict[str, int] = {}
    unknown, duplicated = [], []
    for index, cell in enumerate(cells):
        header = normalize_header(cell)
        if not header or header in ignored:
            continue
        if header not in known:
            unknown.append(header)
        elif header in positions:
            duplicated.append(f"「{header}」")
        else:
            positions[header] = index
    missing = []
    for headers in columns:
        present = [header for header in headers if header in positions]
        if not present:
            missing.append(f"「{headers[0]}」")
        elif len(present) > 1:
            duplicated.append("与".join(f"「{header}」" for header in present))
    if missing or unknown or duplicated:
        problems = []
        if missing:
            problems.append("缺少列" + "、".join(missing))
        if unknown:
            problems.append("无法识别的列" + "、".join(f"「{h}」" for h in unknown))
        if duplicated:
            problems.append("重复的列" + "、".join(dict.fromkeys(duplicated)))
        raise ValidationError(
            "第{row}行的表头与导入模板不一致：{problems}。请下载导入模板，按模板的表头填写。".format(
                row=number, problems="；".join(problems)
            ),
            code="headers",
        )
    return positions
