"""Declared ledgers: every app says once what a ledger holds, and the one export mechanism
(services.write_ledger) writes it.

An app declares its ledgers in a `<app>.ledgers` module, imported at start-up by
`LedgersConfig.ready()`::

    register(Ledger(
        code="member-roster",
        title="党员花名册",
        columns=[Column("姓名", 10), Column("出生日期", 12, "date"), ...],
        queryset=roster_queryset,   # (user, options) -> QuerySet, scoped with visible_to(user)
        row=roster_row,             # (item, context) -> tuple in column order
        params_form=RosterForm,     # a LedgerForm: the filters, validated for the user
    ))

The queryset must be shaped (select_related, annotations, values_list) so that streaming it
runs a fixed number of queries whatever the row count; the mechanism iterates it with
`.iterator(chunk_size=...)`. `prepare` may compute lookup tables once per export (a fixed
number of queries); its result reaches `row` as `context.data`. A report written as one
workbook with a sheet per table declares `sheets` instead (annual_stats/ledgers.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .params import LedgerForm
from .xlsx import Column, Sheet


@dataclass(frozen=True)
class ExportContext:
    """What a row function may read: fixed for the whole export."""

    user: Any
    options: dict
    today: datetime.date
    full_personal_data: bool
    data: Any = None


@dataclass(frozen=True)
class Ledger:
    code: str
    title: str
    # Fixed columns, or a function of the export context for ledgers whose columns follow
    # rows (e.g. one column per activity kind).
    columns: Sequence[Column] | Callable[[ExportContext], Sequence[Column]]
    queryset: Callable[[Any, dict], Any]
    row: Callable[[Any, ExportContext], Sequence]
    params_form: type[LedgerForm] = LedgerForm
    prepare: Callable[[Any, dict], Any] | None = None
    description: str = ""
    # A workbook of several sheets (a report with a sheet per table): when given, it writes
    # the workbook from the export context instead of `columns`/`queryset`/`row`, which then
    # only size the export (`queryset(...).count()`: small, written at once).
    sheets: Callable[[ExportContext], Sequence[Sheet]] | None = None


_LEDGERS: dict[str, Ledger] = {}


def register(ledger: Ledger) -> Ledger:
    if ledger.code in _LEDGERS and _LEDGERS[ledger.code] is not ledger:
        raise ValueError(f"Ledger code {ledger.code!r} is already registered")
    _LEDGERS[ledger.code] = ledger
    return ledger


def get_ledger(code: str) -> Ledger | None:
    return _LEDGERS.get(code)


def all_ledgers() -> list[Ledger]:
    return list(_LEDGERS.values())
