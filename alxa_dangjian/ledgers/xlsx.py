"""Streaming Excel (.xlsx) writer used by every ledger export.

All ledger workbooks go through :func:`write_workbook` so that the backend (currently openpyxl in
write-only mode) can be swapped for a faster one without touching the callers.

Design notes:

* Rows are streamed: the ``rows`` iterable is consumed one row at a time and never materialised.
* Data cells are written as plain values (openpyxl's fastest path).  Only date, datetime and
  decimal columns use a pre-built ``WriteOnlyCell`` carrying a number format; one cell object per
  such column is created up front and re-used for every row, so there is no per-cell styling cost.
* Strings are neutralised against spreadsheet formula injection (see :func:`safe_text`) and
  characters that are illegal in XML are stripped instead of crashing the export.
* Print layout (Excel, WPS and LibreOffice alike): thin borders on every cell, long text
  wrapped, column widths from the content of the first rows (capped), the header row as tall
  as its wrapped text, the title in the page header and "第 N 页，共 M 页" in the footer,
  the header row repeated on every page, one page wide.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

__all__ = [
    "Column",
    "FORMULA_PREFIXES",
    "Sheet",
    "safe_text",
    "sheet_title_from",
    "write_sheets",
    "write_workbook",
]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

#: Leading characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection),
#: including their full-width forms, which some spreadsheet applications also accept.
FORMULA_PREFIXES = frozenset("=+-@\t\r＝＋－＠")

COLUMN_KINDS = frozenset({"text", "int", "decimal", "date", "datetime"})

_DEFAULT_NUMBER_FORMATS = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "decimal": "#,##0.00",
}

# Characters Excel does not allow in worksheet names.
_SHEET_TITLE_ILLEGAL_RE = re.compile(r"[\\/?*\[\]:]")
_SHEET_TITLE_MAX = 31

# Types a formatted column accepts; other values (e.g. "不详" in a date column) are written plain.
_FORMATTED_TYPES = {
    "date": (dt.date,),
    "datetime": (dt.date,),
    "decimal": (int, float, Decimal),
}

# First characters that send a str value down the slow path: formula triggers and "#" (a str
# equal to an Excel error code such as "#N/A" would otherwise be stored as an error cell).
_SLOW_FIRST_CHARS = FORMULA_PREFIXES | {"#"}

# Types whose binding makes openpyxl set the cell's number format.
_BOUND_FORMAT_TYPES = (dt.date, dt.time, dt.timedelta)

# Types openpyxl writes natively; anything else is converted with str().
_NATIVE_TYPES = (int, float, Decimal, dt.date, dt.timedelta)

_THIN = Side(style="thin", color="FF808080")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_HEADER_FONT = Font(bold=True)
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TITLE_FONT = Font(bold=True, size=16)
_TITLE_ALIGNMENT = Alignment(horizontal="center", vertical="center")
_SUBTITLE_FONT = Font(size=10, color="FF595959")
_SUBTITLE_ALIGNMENT = Alignment(horizontal="center", vertical="center")

_BODY_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BODY_ALIGNMENT = Alignment(vertical="center", wrap_text=True)

_PAPER_A4 = 9

#: Rows read ahead to size the columns; the rest streams as before.
WIDTH_SAMPLE_ROWS = 200
#: Column widths (Excel character units) a content-sized column stays within; longer text wraps.
MIN_WIDTH, MAX_WIDTH = 6, 40
_LINE_HEIGHT_POINTS = 14


@dataclass(frozen=True)
class Column:
    """One ledger column."""

    header: str  # Chinese header text
    width: float = 14  # column width in Excel character units
    kind: str = "text"  # "text" | "int" | "decimal" | "date" | "datetime"
    number_format: str | None = None  # overrides the default format of the kind

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r}")

    @property
    def effective_number_format(self) -> str | None:
        return self.number_format or _DEFAULT_NUMBER_FORMATS.get(self.kind)


def safe_text(value: str) -> str:
    """Return ``value`` made safe for a spreadsheet cell.

    Characters illegal in XML are removed, and a value starting with a formula trigger
    (``=``, ``+``, ``-``, ``@``, tab, carriage return or a full-width ``＝＋－＠``) is prefixed
    with a single quote so that no spreadsheet application evaluates it as a formula.
    """
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value[:1] in FORMULA_PREFIXES:
        value = "'" + value
    return value


def sheet_title_from(title: str) -> str:
    """Derive a valid worksheet name: illegal characters removed, at most 31 characters."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", _SHEET_TITLE_ILLEGAL_RE.sub("", title))
    cleaned = cleaned.strip().strip("'")[:_SHEET_TITLE_MAX].strip().strip("'")
    return cleaned or "Sheet1"


def _to_naive_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return value.replace(tzinfo=None)


def _text_cell(ws, value: str):
    """Slow path for str values: sanitised, and never stored as a formula or an error code."""
    value = safe_text(value)
    if value in ERROR_CODES:
        cell = _body_cell(ws)
        cell.value = value
        cell.data_type = "s"
        return cell
    return value


def _convert_other(ws, value, kind: str):
    """Slow path for values that are not None, str, int or float."""
    if isinstance(value, dt.datetime):
        value = _to_naive_local(value)
        return value.date() if kind == "date" else value
    if isinstance(value, str):  # str subclasses, e.g. Django's SafeString
        return _text_cell(ws, str(value))
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    if isinstance(value, _NATIVE_TYPES):  # bool is an int subclass
        return value
    return _text_cell(ws, str(value))  # e.g. lazy translation strings, UUIDs, enums


def display_width(value) -> int:
    """Width of ``value`` as shown in a cell, in Excel character units (CJK counts double)."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, Decimal | float):
        return len(f"{value:,.2f}")
    text = str(value)
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _content_widths(columns: Sequence[Column], sample: list[Sequence]) -> list[float]:
    """Each column as wide as its longest sampled value (capped), never narrower than half
    its header, so a header wraps onto two lines at most unless the header is very long."""
    if not sample:
        return [column.width for column in columns]
    widths = []
    for index, column in enumerate(columns):
        content = max((display_width(row[index]) for row in sample if index < len(row)), default=0)
        header = math.ceil(display_width(column.header) / 2)
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, content + 2, header + 2))))
    return widths


def _header_height(columns: Sequence[Column], widths: Sequence[float]) -> float:
    lines = max(
        math.ceil(display_width(column.header) / max(width - 1, 1))
        for column, width in zip(columns, widths, strict=True)
    )
    return float(_LINE_HEIGHT_POINTS * max(lines, 1) + 8)


def _header_footer_text(text: str) -> str:
    """Header/footer codes start with '&'; a literal ampersand is written twice."""
    return ILLEGAL_CHARACTERS_RE.sub("", text).replace("&", "&&")


def _body_cell(ws) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    cell.border = _BODY_BORDER
    cell.alignment = _BODY_ALIGNMENT
    return cell


def _styled_cell(ws, value, *, font, alignment, border=None, fill=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    cell.alignment = alignment
    if border is not None:
        cell.border = border
    if fill is not None:
        cell.fill = fill
    return cell


@dataclass(frozen=True)
class Sheet:
    """One worksheet of a workbook of several (a report with a sheet per table)."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    sheet_title: str | None = None
    subtitle: str | None = None


def write_workbook(
    target: str | os.PathLike | IO[bytes],
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    sheet_title: str | None = None,
    subtitle: str | None = None,
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
) -> int:
    """Write a ledger workbook to ``target`` (a path or a binary file object).

    Layout: row 1 is ``title`` merged across all columns, row 2 the optional ``subtitle``, then
    the styled header row (frozen, repeated on every printed page), then one row per item of
    ``rows``.  ``on_progress`` is called with the number of data rows written every
    ``progress_every`` rows and once at the end.  Returns the number of data rows written.
    """
    sheet = Sheet(title, columns, rows, sheet_title=sheet_title, subtitle=subtitle)
    return write_sheets(target, [sheet], on_progress=on_progress, progress_every=progress_every)


def write_sheets(
    target: str | os.PathLike | IO[bytes],
    sheets: Iterable[Sheet],
    *,
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
) -> int:
    """Write a workbook of one sheet per item of ``sheets``, each laid out as
    :func:`write_workbook` lays out its one; returns the data rows written in all."""
    wb = Workbook(write_only=True)
    count = 0
    used: set[str] = set()
    for sheet in sheets:
        name = sheet_title_from(sheet.sheet_title if sheet.sheet_title is not None else sheet.title)
        base, number = name, 2
        while name in used:  # Excel refuses two sheets of one name
            suffix = f"({number})"
            name, number = base[: _SHEET_TITLE_MAX - len(suffix)] + suffix, number + 1
        used.add(name)
        count = _write_sheet(
            wb, name, sheet, count, on_progress=on_progress, progress_every=progress_every
        )
    reported = progress_every > 0 and count > 0 and count % progress_every == 0
    if on_progress is not None and not reported:
        on_progress(count)
    wb.save(target)
    return count


def _write_sheet(wb, name: str, sheet: Sheet, count: int, *, on_progress, progress_every) -> int:
    title, columns, rows, subtitle = sheet.title, sheet.columns, sheet.rows, sheet.subtitle
    ncols = len(columns)
    if ncols == 0:
        raise ValueError("write_workbook() needs at least one column")
    ws = wb.create_sheet(name)

    rows = iter(rows)
    sample = [tuple(row) for row in itertools.islice(rows, WIDTH_SAMPLE_ROWS)]
    widths = _content_widths(columns, sample)
    rows = itertools.chain(sample, rows)

    # --- sheet-level settings (must be in place before the first row is appended) ---------
    header_row = 3 if subtitle else 2
    last_col = get_column_letter(ncols)
    for idx, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(idx)].width = width
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[header_row].height = _header_height(columns, widths)
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = _PAPER_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.oddHeader.center.text = _header_footer_text(title)
    ws.oddHeader.center.size = 9
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9

    # --- title, subtitle, header ---------------------------------------------------------
    ws.append([_styled_cell(ws, safe_text(title), font=_TITLE_FONT, alignment=_TITLE_ALIGNMENT)])
    ws.merged_cells.add(f"A1:{last_col}1")
    if subtitle:
        ws.append(
            [
                _styled_cell(
                    ws, safe_text(subtitle), font=_SUBTITLE_FONT, alignment=_SUBTITLE_ALIGNMENT
                )
            ]
        )
        ws.merged_cells.add(f"A2:{last_col}2")
    ws.append(
        [
            _styled_cell(
                ws,
                safe_text(column.header),
                font=_HEADER_FONT,
                alignment=_HEADER_ALIGNMENT,
                border=_HEADER_BORDER,
                fill=_HEADER_FILL,
            )
            for column in columns
        ]
    )

    # --- data rows -------------------------------------------------------------------------
    kinds = [column.kind for column in columns]
    # Re-usable bordered cells, one per column (plus one carrying the number format where the
    # column has one).  ws.append() writes the row synchronously, so the same cell object can
    # safely carry the next row's value.
    plain: list[WriteOnlyCell] = []
    formatted: dict[int, tuple[WriteOnlyCell, tuple[type, ...]]] = {}
    for idx, column in enumerate(columns):
        plain.append(_body_cell(ws))
        fmt = column.effective_number_format
        if fmt:
            cell = _body_cell(ws)
            cell.number_format = fmt
            formatted[idx] = (cell, _FORMATTED_TYPES.get(column.kind, (object,)))

    illegal_search = ILLEGAL_CHARACTERS_RE.search
    slow_first = _SLOW_FIRST_CHARS
    append = ws.append
    every = progress_every if on_progress is not None and progress_every > 0 else 0
    for row in rows:
        values = list(row)
        for i, value in enumerate(values):
            cls = value.__class__
            if cls is str:
                if value and (value[0] in slow_first or illegal_search(value)):
                    values[i] = _text_cell(ws, value)
            elif value is None or cls is int or cls is float:
                continue
            else:
                values[i] = _convert_other(ws, value, kinds[i] if i < ncols else "text")
        for i in range(min(len(values), ncols)):
            value = values[i]
            if value.__class__ is Cell:
                continue
            special = formatted.get(i)
            if (
                special is not None
                and value is not None
                and isinstance(value, special[1])
                and value.__class__ is not bool
            ):
                cell = special[0]
            elif isinstance(value, _BOUND_FORMAT_TYPES):
                # openpyxl gives a cell a date format when a date is bound to it; a shared
                # cell would keep that format for the next row's value.
                cell = _body_cell(ws)
            else:
                cell = plain[i]
            cell.value = value
            values[i] = cell
        append(values)
        count += 1
        if every and count % every == 0:
            on_progress(count)
    return count
