"""The annual statistics as one workbook: a sheet per table, in the ledger style, plus the
checks; the same numbers as the page (both come from `report.build`)."""

from django import forms
from django.utils import timezone

from alxa_dangjian.ledgers.params import LedgerForm
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column, Sheet
from branches.models import Organization

from . import report as reports
from .models import StatRow, StatTable


class AnnualStatsForm(LedgerForm):
    as_of = forms.DateField(
        label="统计截止日",
        required=False,
        help_text="默认上一年12月31日。",
        error_messages={"invalid": "统计截止日应为 YYYY-MM-DD 格式的有效日期。"},
    )

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        today = timezone.localdate()
        if day is None:
            return reports.default_day(today)
        if day > today:
            raise forms.ValidationError("统计截止日不能晚于今天。")
        if day.year < 2000:
            raise forms.ValidationError("统计截止日须在2000年及以后。")
        return day

    def params(self) -> dict:
        params = super().params()
        params["as_of"] = self.cleaned_data["as_of"].isoformat()
        return params


def _rows(user, options):
    return StatRow.objects.filter(table__is_active=True)


def _sheets(context) -> list[Sheet]:
    user, options = context.user, context.options
    place = options.get("organization") or user.organization
    visible = Organization.objects.visible_to(user).values_list("pk", flat=True)
    result = reports.build(place, options["as_of"], visible=list(visible))
    heading = f"{place.name}　截至{result.day:%Y年%m月%d日}"
    sheets = []
    for table in result.tables:
        unit = "个数" if table.table.kind == StatTable.Kind.ORGANIZATIONS else "人数"
        sheets.append(
            Sheet(
                title=f"{table.table.code} {table.table.title}",
                sheet_title=f"{table.table.code}{table.table.title}",
                subtitle=f"{heading}　{table.table.note}".strip(),
                columns=[Column("行次", 6, "int"), Column("栏目", 36), Column(unit, 10, "int")],
                rows=[
                    (
                        cell.row.position,
                        "　" * cell.row.indent + cell.row.label,
                        cell.value if cell.readable else "口径无法识别",
                    )
                    for cell in table.cells
                ],
            )
        )
    sheets.append(
        Sheet(
            title="数据检查",
            subtitle=heading,
            columns=[Column("检查项目", 40), Column("结果", 8), Column("说明", 40)],
            rows=[
                (check.label, "通过" if check.ok else "未通过", check.detail)
                for check in result.checks
            ],
        )
    )
    return sheets


register(
    Ledger(
        code="annual-stats",
        title="党内统计年报",
        columns=[Column("栏目", 36)],
        queryset=_rows,
        row=lambda item, context: (item.label,),
        params_form=AnnualStatsForm,
        sheets=_sheets,
        description="按统计截止日统计的党员、党组织和党员增减情况，每张表一个工作表。",
    )
)
