"""The 组织生活合规情况表: each branch's standing against the frequency rules in a month."""

from django import forms
from django.utils import timezone

from alxa_dangjian.ledgers.params import YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models import Organization

from ..compliance import JUDGED_TYPES, Status, compute

MONTH_ERROR = "月份须为 1 至 12 的整数。"


class ComplianceLedgerForm(YearLedgerForm):
    month = forms.IntegerField(
        label="月份",
        min_value=1,
        max_value=12,
        required=False,
        help_text="列出包含该月的各周期（当月、当季、当年）的完成情况；不填则为本月。",
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), MONTH_ERROR),
    )

    def clean_month(self):
        return self.cleaned_data.get("month") or timezone.localdate().month


def compliance_branches(user, options):
    return in_chosen_subtree(Organization.objects.visible_to(user), options, "path").filter(
        type__in=JUDGED_TYPES, is_active=True
    )


def compliance_queryset(user, options):
    return (
        compliance_branches(user, options)
        .order_by("path")
        .values_list("pk", "name", "parent__name")
    )


def compliance_report(user, options):
    """Compute every branch's compliance once; rows then only look it up."""
    report = compute(compliance_branches(user, options), options["year"])
    month = options["month"]
    kinds = []
    cells = {}
    for cell in report.cells:
        if month not in cell.period.months:
            continue
        key = (cell.rule.kind.sort_order, cell.rule.kind.name, cell.period.kind)
        if key not in kinds:
            kinds.append(key)
        cells[(cell.organization_id, key)] = cell
    return {"kinds": sorted(kinds), "cells": cells}


PERIOD_WORDS = {"month": "当月", "quarter": "当季", "year": "当年"}


def compliance_columns(context):
    return (
        Column("党支部", 28),
        Column("上级党组织", 22),
        *(
            Column(f"{name}（{PERIOD_WORDS[period]}）", 14)
            for _, name, period in context.data["kinds"]
        ),
        Column("未完成项", 8, "int"),
    )


def compliance_row(item, context):
    pk, name, parent = item
    values, missing = [], 0
    for key in context.data["kinds"]:
        cell = context.data["cells"].get((pk, key))
        if cell is None:
            values.append("不适用")
            continue
        values.append(f"{cell.held}/{cell.required} {Status.LABELS[cell.status]}")
        # Not held: still due, overdue, or closed by an explanation (已说明 is never held).
        missing += cell.status in (Status.DUE, *Status.UNMET)
    return (name, parent, *values, missing)


register(
    Ledger(
        code="compliance",
        title="组织生活合规情况表",
        description="各党支部在所选月份所在周期（当月、当季、当年）内，各类组织生活已开展/应开展次数及状态。",
        columns=compliance_columns,
        queryset=compliance_queryset,
        row=compliance_row,
        params_form=ComplianceLedgerForm,
        prepare=compliance_report,
    )
)
