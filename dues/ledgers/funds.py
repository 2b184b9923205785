"""党费上缴和使用汇总: each organisation's year of dues collected, received, remitted and used."""

from alxa_dangjian.ledgers.params import YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models import Organization

from ..models import DuesExpense
from ..reports import funds


def funds_queryset(user, options):
    return (
        in_chosen_subtree(Organization.objects.visible_to(user), options, "path")
        .active()
        .exclude(type=Organization.Type.TEMPORARY_BRANCH)
        .order_by("path")
        .values_list("pk", flat=True)
    )


def funds_prepare(user, options):
    organizations = Organization.objects.filter(pk__in=funds_queryset(user, options))
    return {row.organization.pk: row for row in funds(organizations, options["year"])}


def funds_row(pk, context):
    row = context.data[pk]
    return (
        row.organization.name,
        row.collected,
        row.received,
        row.remitted,
        *row.used_by_category.values(),
        row.used,
        row.pending,
        row.balance,
    )


register(
    Ledger(
        code="dues-funds",
        title="党费上缴和使用汇总",
        description="各党组织一年的本级收缴、下级上缴、向上级上缴、按五类用途经批准的使用和结余。",
        columns=(
            Column("党组织", 28),
            Column("本级收缴", 11, "decimal"),
            Column("下级上缴", 11, "decimal"),
            Column("向上级上缴", 11, "decimal"),
            *(Column(label, 12, "decimal") for _, label in DuesExpense.Category.choices),
            Column("使用合计", 11, "decimal"),
            Column("待批准", 10, "decimal"),
            Column("结余", 11, "decimal"),
        ),
        queryset=funds_queryset,
        row=funds_row,
        params_form=YearLedgerForm,
        prepare=funds_prepare,
    )
)
