"""The 服务台账 export: service records of the chosen year and subtree."""

from django import forms

from alxa_dangjian.ledgers.params import YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column

from ..models import ServiceLedgerType, ServiceRecord


class ServiceLedgerForm(YearLedgerForm):
    type = forms.ModelChoiceField(
        label="台账类型",
        queryset=ServiceLedgerType.objects.filter(is_active=True),
        required=False,
        empty_label="全部类型",
        error_messages={"invalid_choice": "所选台账类型不存在。"},
    )


def service_queryset(user, options):
    records = in_chosen_subtree(ServiceRecord.objects.visible_to(user), options).in_year(
        options["year"]
    )
    if options.get("type"):
        records = records.filter(type=options["type"])
    return records.order_by("type__sort_order", "organization__path", "started_on").values_list(
        "type__name",
        "title",
        "organization__name",
        "people",
        "partner",
        "started_on",
        "ended_on",
        "status",
        "quantity",
    )


_SERVICE_STATUS = dict(ServiceRecord.Status.choices)


def service_row(item, context):
    *head, status, quantity = item
    return (*head, _SERVICE_STATUS.get(status, status), quantity)


register(
    Ledger(
        code="service-records",
        title="服务台账",
        description="我为群众办实事、承诺践诺、志愿服务、结对共建等服务台账，可按类型筛选。",
        columns=(
            Column("台账类型", 16),
            Column("名称", 30),
            Column("责任党组织", 26),
            Column("参与人员", 20),
            Column("服务对象", 18),
            Column("开始日期", 12, "date"),
            Column("结束日期", 12, "date"),
            Column("状态", 8),
            Column("数量", 8, "decimal"),
        ),
        queryset=service_queryset,
        row=service_row,
        params_form=ServiceLedgerForm,
    )
)
