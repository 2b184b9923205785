"""The import mechanism every app uses: an importer is declared once (columns, row checks,
database checks, the write) and this module does the rest — template, reading, per-cell
parsing, error collection by row and column, preview summary.

Flow: ``importer.check(file, user=…)`` reads and validates everything without writing and
returns an :class:`ImportResult`; ``importer.write(result, user=…)`` writes a clean result
(called by ``services.commit_batch`` inside one transaction, after a fresh ``check``).

A subclass declares ``code``, ``title``, ``columns`` and implements :meth:`Importer.validate`
(cross-row and database checks, returning the planned changes) and :meth:`Importer.write`.
Database checks must be done in bulk — one query per kind of lookup, never one per row — so
the preview runs the same number of queries for 20 rows as for 20,000.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from alxa_dangjian.accounts import roles

from . import cells
from .reader import read_table

#: Errors kept (and shown) per batch; the total is always counted.  Beyond this the file is
#: more wrong than right and the first thousand problems say what to fix.
MAX_STORED_ERRORS = 1000
#: Rows listed by name in the preview summary.
MAX_SAMPLES = 50
INSTRUCTIONS_SHEET = "填写说明"
OPTIONS_SHEET = "可选值"
TEMPLATE_ROWS = 2000  # rows pre-formatted (text cells, drop-down lists) in a template
#: The answer for an organisation that does not exist and for one outside the importer's
#: subtree alike, so that an import never confirms what the user may not see.
MSG_NOT_IN_SCOPE = "未找到党组织“{name}”，或该党组织不在您的管理范围内"
MSG_WITHHELD = (
    "文件中有人员信息不能在您的管理范围内登记（如身份证号码），请联系上级党组织核实。"
    "未导入任何数据。"
)

_THIN = Side(style="thin", color="FF808080")
_HEADER_STYLE = {
    "font": Font(bold=True),
    "fill": PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7"),
    "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "border": Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN),
}
_REQUIRED_FONT = Font(bold=True, color="FFC00000")


@dataclass(frozen=True)
class ImportColumn:
    header: str  # Chinese header, exactly as in the template and the matching export
    field: str  # key of the parsed value in Row.values
    parse: cells.Parser
    required: bool = False
    default: object = None  # value of an empty optional cell
    help: str = ""  # shown in the template's 填写说明 sheet
    example: str = ""
    width: float = 14
    text_format: bool = False  # template cells formatted as text (ID numbers, phones)
    # Columns that may stand in for this one under another header, e.g. the header and the
    # form of the value an exported ledger uses; their own ``field`` says what they hold.
    alternatives: tuple[ImportColumn, ...] = ()

    @property
    def options(self) -> list[str]:
        return list(getattr(self.parse, "labels", []))

    def read(self, raw):
        value = cells.clean_raw(raw)
        if value is None:
            if self.required:
                raise cells.CellError("不能为空")
            return self.default
        return self.parse(value)


@dataclass
class Row:
    number: int  # the Excel row number the user sees
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # header, or "" for a problem of the whole row
    message: str

    @property
    def text(self) -> str:
        if self.column:
            return f"第{self.row}行「{self.column}」列：{self.message}"
        return f"第{self.row}行：{self.message}"

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class ErrorList:
    """Every problem found, by row and column; rows with a problem are not checked further."""

    def __init__(self, column_order: Sequence[str], headers_by_field: dict[str, str]):
        self._items: list[RowError] = []
        self._order = {header: index for index, header in enumerate(column_order)}
        self._headers_by_field = headers_by_field
        self.failed_rows: set[int] = set()

    def header_of(self, field_name: str) -> str:
        """The header under which the file holds ``field_name`` ("" if none)."""
        return self._headers_by_field.get(field_name, "")

    def __len__(self):
        return len(self._items)

    def __bool__(self):
        return bool(self._items)

    def add(self, row: int, column: str, message: str) -> None:
        self._items.append(RowError(row, column, message.rstrip("。")))
        self.failed_rows.add(row)

    def sorted(self) -> list[RowError]:
        return sorted(self._items, key=lambda e: (e.row, self._order.get(e.column, -1)))

    def as_json(self) -> list[dict]:
        return [error.as_json() for error in self.sorted()[:MAX_STORED_ERRORS]]


@dataclass
class Change:
    """What committing will do with one row."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    LABELS = {CREATE: "新增", UPDATE: "更新", UNCHANGED: "无变化"}

    row: int
    action: str
    instance: object
    label: str
    changed_fields: tuple[str, ...] = ()
    # The row cannot be written for a reason the user may not see (e.g. its ID number is held
    # in another subtree): the preview shows it like any other row, the commit refuses the
    # whole file with MSG_WITHHELD and names no row.
    withheld: bool = False


@dataclass
class ImportResult:
    row_count: int
    errors: ErrorList
    changes: list[Change]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def withheld(self) -> bool:
        return any(change.withheld for change in self.changes)

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    def summary(self) -> dict:
        shown = [c for c in self.changes if c.action != Change.UNCHANGED][:MAX_SAMPLES]
        return {
            "created": self.count(Change.CREATE),
            "updated": self.count(Change.UPDATE),
            "unchanged": self.count(Change.UNCHANGED),
            "samples": [
                {"row": c.row, "action": Change.LABELS[c.action], "label": c.label} for c in shown
            ],
        }


class Importer:
    code: str = ""  # slug in URLs and ImportBatch.importer
    title: str = ""  # e.g. "党员信息"
    description: str = ""  # one paragraph for the upload page
    columns: tuple[ImportColumn, ...] = ()
    # Headers an exported ledger may carry that the import does not use (e.g. 序号).
    ignored_headers: frozenset[str] = frozenset()
    permission: str = roles.EDIT_RECORDS
    # ValidationError fields of the model that are not columns → the column they belong to.
    field_headers: dict[str, str] = {}

    def __init__(self):
        headers = [column.header for column in self.columns]
        if len(set(headers)) != len(headers):
            raise ValueError(f"{type(self).__name__}: duplicated column headers")

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    @property
    def template_filename(self) -> str:
        return f"{self.title}导入模板.xlsx"

    def require_permission(self, user) -> None:
        """Refuse (403) a user who may not use this importer, before anything is looked up;
        an importer with a narrower rule than a role permission overrides this."""
        roles.require(user, self.permission)

    # --- the pipeline ---------------------------------------------------------------------

    def check(self, fileobj, *, user) -> ImportResult:
        """Read, parse and validate ``fileobj`` for ``user``; writes nothing.

        File-level problems (type, headers, empty sheet, too many rows) raise a
        ``ValidationError``; row problems are collected in the result."""
        table = read_table(
            fileobj,
            columns=[
                (column.header, *(alt.header for alt in column.alternatives))
                for column in self.columns
            ],
            ignored=self.ignored_headers,
            max_rows=settings.LEDGER_IMPORT_MAX_ROWS,
        )
        placed = [
            (variant, table.positions[variant.header])
            for column in self.columns
            for variant in (column, *column.alternatives)
            if variant.header in table.positions
        ]
        errors = ErrorList(
            [variant.header for variant, _ in placed],
            {**self.field_headers, **{variant.field: variant.header for variant, _ in placed}},
        )
        rows = []
        for number, raw_cells in table.rows:
            row = Row(number)
            width = len(raw_cells)
            for column, index in placed:
                try:
                    row.values[column.field] = column.read(
                        raw_cells[index] if index < width else None
                    )
                except cells.CellError as error:
                    errors.add(number, column.header, error.message)
            rows.append(row)
        changes = self.validate(rows, errors=errors, user=user)
        return ImportResult(row_count=len(rows), errors=errors, changes=changes)

    def validate(self, rows: list[Row], *, errors: ErrorList, user) -> list[Change]:
        """Cross-row and database checks; returns the planned change of every clean row.

        ``rows`` includes rows whose cells already failed (``row.number in
        errors.failed_rows``): use their parsed values for duplicate checks, skip them
        otherwise."""
        raise NotImplementedError

    def write(self, result: ImportResult, *, user) -> None:
        """Apply a clean result with bulk writes; called inside a transaction."""
        raise NotImplementedError

    # --- helpers for subclasses --------------------------------------------------------------

    @staticmethod
    def report_validation_error(errors: ErrorList, row: Row, error: ValidationError):
        """Map a model's ValidationError (from ``clean()``) to the columns of the file."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                errors.add(row.number, "", message)
            return
        for field_name, field_errors in error.error_dict.items():
            header = "" if field_name == NON_FIELD_ERRORS else errors.header_of(field_name)
            for message in ValidationError(field_errors).messages:
                errors.add(row.number, header, message)

    @staticmethod
    def report_duplicates(rows: list[Row], errors: ErrorList, *, field_name: str, key=None):
        """Every repeat of a value within the file is an error naming the first row."""
        header = errors.header_of(field_name)
        first_seen: dict[object, int] = {}
        for row in rows:
            value = row.values.get(field_name)
            if value in (None, ""):
                continue
            value = key(value) if key else value
            if value in first_seen:
                errors.add(row.number, header, f"与第{first_seen[value]}行重复")
            else:
                first_seen[value] = row.number

    # --- the template --------------------------------------------------------------------------

    def template_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.write_template(buffer)
        return buffer.getvalue()

    def write_template(self, target) -> None:
        """An empty workbook with the header row, drop-down lists for columns with fixed
        values, text-formatted cells where Excel would mangle digits, and a 填写说明 sheet."""
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = self.title[:31]
        options_sheet = workbook.create_sheet(OPTIONS_SHEET)
        options_sheet.sheet_state = "hidden"
        instructions = workbook.create_sheet(INSTRUCTIONS_SHEET, index=1)

        last_row = TEMPLATE_ROWS + 1
        option_column = 0
        for index, column in enumerate(self.columns, 1):
            letter = get_column_letter(index)
            cell = sheet.cell(row=1, column=index, value=column.header)
            for name, value in _HEADER_STYLE.items():
                setattr(cell, name, value)
            if column.required:
                cell.font = _REQUIRED_FONT
            sheet.column_dimensions[letter].width = column.width
            if column.text_format:
                for row in range(2, last_row + 1):
                    sheet.cell(row=row, column=index).number_format = "@"
            if column.options:
                option_column += 1
                options_letter = get_column_letter(option_column)
                options_sheet.cell(row=1, column=option_column, value=column.header)
                for offset, label in enumerate(column.options, 2):
                    options_sheet.cell(row=offset, column=option_column, value=label)
                source = "{sheet}!${col}$2:${col}${end}".format(
                    sheet=quote_sheetname(OPTIONS_SHEET),
                    col=options_letter,
                    end=len(column.options) + 1,
                )
                validation = DataValidation(
                    type="list",
                    formula1=source,
                    allow_blank=not column.required,
                    showErrorMessage=True,
                    errorTitle="请选择可选值",
                    error="请从下拉列表中选择，可选值见「填写说明」。",
                )
                validation.add(f"{letter}2:{letter}{last_row}")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"

        self._write_instructions(instructions)
        workbook.save(target)

    def _write_instructions(self, sheet) -> None:
        sheet.append([f"{self.title}导入说明"])
        sheet["A1"].font = Font(bold=True, size=14)
        notes = [
            "1. 第一个工作表的第一行是表头，请勿修改、删除或调换列名；从第二行起每行填写一条记录。",
            "2. 红色列名为必填项。日期可填写为 2024-01-31、2024/1/31 或 2024年1月31日，"
            "也可使用 Excel 的日期格式。",
            "3. 单元格不能以 =、+、-、@ 开头，也不能使用公式。",
            "4. 上传后系统会逐行检查并列出全部问题（第几行、哪一列、什么问题）；"
            "没有问题时才能确认导入，且要么全部导入，要么一条也不导入。",
            *self.extra_notes(),
        ]
        for note in notes:
            sheet.append([note])
        sheet.append([])
        header_row = sheet.max_row + 1
        sheet.append(["列名", "是否必填", "填写要求", "示例", "可选值"])
        for cell in sheet[header_row]:
            for name, value in _HEADER_STYLE.items():
                setattr(cell, name, value)
        for column in self.columns:
            sheet.append(
                [
                    column.header,
                    "必填" if column.required else "选填",
                    column.help,
                    column.example,
                    "、".join(column.options),
                ]
            )
        for letter, width in zip("ABCDE", (16, 10, 60, 22, 60), strict=True):
            sheet.column_dimensions[letter].width = width
        for row in sheet.iter_rows(min_row=header_row + 1):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")

    def extra_notes(self) -> list[str]:
        """Importer-specific lines for the 填写说明 sheet."""
        return []
