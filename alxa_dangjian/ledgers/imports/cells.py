"""Cell parsers of the import mechanism: each turns one raw cell into a Python value or raises
:class:`CellError` with the Chinese problem, which the importer reports by row and column.

A parser receives a value that is never empty (empty cells are handled by the column: an error
when required, the column's default otherwise) and never a text with a formula trigger (refused
before any parser sees it).  Raw values are what openpyxl reads: ``str``, ``int``, ``float``,
``bool``, ``datetime.datetime`` (dates typed into Excel) or ``datetime.time``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable

from alxa_dangjian.core.idnumber import InvalidIdNumber, normalize_id_number, parse_id_number

from ..xlsx import FORMULA_PREFIXES

Parser = Callable[[object], object]

DATE_EXAMPLE = "2024-01-31"
MSG_DATE_FORMAT = f"日期格式不正确，应为 {DATE_EXAMPLE}"
_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)
_MIN_YEAR = 1900
_YES = {"是": True, "否": False}


class CellError(ValueError):
    """One cell's problem, in Chinese, without the row and column (the importer adds them)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean_raw(value: object) -> object:
    """Trim text, turn blank text into None, and refuse anything a spreadsheet would execute.

    openpyxl is opened with ``data_only=False``, so a formula cell arrives as its formula text
    (``=cmd|' /C calc'!A0``) rather than as a cached result that would hide it.
    """
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        # A leading apostrophe is how our exports defuse such text: the text under it counts.
        first = value[1:2] if value[0] == "'" else value[0]
        if first and first in FORMULA_PREFIXES:
            raise CellError(
                "内容以“{char}”开头，可能是公式，为安全起见不予导入；"
                "请删除开头的“{char}”或改为文字内容".format(char=first)
            )
    return value


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise CellError("应填写文字，不能是逻辑值")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    raise CellError("应填写文字")


def text(max_length: int) -> Parser:
    def parse(value):
        value = _as_text(value)
        if len(value) > max_length:
            raise CellError(
                "内容过长（{length}个字），不能超过{limit}个字".format(
                    length=len(value), limit=max_length
                )
            )
        return value

    return parse


def choice(options: Iterable[tuple[object, str]], *, aliases: dict[str, object] | None = None):
    """Accept the Chinese label of one of ``options`` ((value, label) pairs)."""
    by_label = {str(label): value for value, label in options}
    by_label.update(aliases or {})
    labels = [label for label in by_label if not aliases or label not in aliases]

    def parse(value):
        value = _as_text(value)
        if value in by_label:
            return by_label[value]
        if len(labels) <= 8:
            allowed = "、".join(f"“{label}”" for label in labels)
            raise CellError(f"“{value}”不是可选值，应为{allowed}之一")
        raise CellError(f"“{value}”不是可选值，请按「填写说明」中的可选值填写")

    parse.labels = labels
    return parse


def date(*, not_after_today: bool = True) -> Parser:
    """Real Excel dates, or text as 2024-01-31, 2024/1/31, 2024.1.31 or 2024年1月31日."""

    def parse(value):
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        elif isinstance(value, str):
            normalized = unicodedata.normalize("NFKC", value).replace(" ", "")
            match = next((m for m in (p.fullmatch(normalized) for p in _DATE_PATTERNS) if m), None)
            if match is None:
                raise CellError(MSG_DATE_FORMAT)
            try:
                day = dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise CellError(f"日期“{value}”不存在，请核对") from None
        else:
            raise CellError(MSG_DATE_FORMAT)
        if day.year < _MIN_YEAR:
            raise CellError(f"日期早于{_MIN_YEAR}年，请核对")
        if not_after_today and day > dt.date.today():
            raise CellError("日期晚于今天，请核对")
        return day

    return parse


def yes_no(value):
    if isinstance(value, bool):
        return value
    value = _as_text(value)
    if value in _YES:
        return _YES[value]
    raise CellError(f"“{value}”不是可选值，应为“是”或“否”")


yes_no.labels = list(_YES)


def id_number(value):
    """A full 18-character number; masked ones (from a default export) cannot be matched."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(
            "公民身份号码被 Excel 存成了数字（会丢失末几位），请把该列设置为“文本”格式后重新填写"
        )
    value = _as_text(value)
    if "*" in value or "＊" in value:
        raise CellError(
            "公民身份号码已打码（含“*”），无法识别；请使用含完整身份证号的导出文件或填写完整号码"
        )
    try:
        parse_id_number(value)
    except InvalidIdNumber as error:
        raise CellError(error.message.rstrip("。")) from None
    return normalize_id_number(value)
