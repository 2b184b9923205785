"""Money summaries: the yearly disclosure (党费收缴使用情况公开) of one organisation and the
remittance-and-use summary of a scope, each from a fixed number of GROUP BY queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.scoping import scope_path
from branches.models import Organization

from .models import DuesExpense, DuesPayment, DuesRemittance

ZERO = Decimal("0.00")


def disclosure_organizations(user):
    """Whose disclosure a user may read: their subtree, and the organisations above them —
    members see how the dues they hand up are used. Everyone else: nothing (404)."""
    path = scope_path(user)
    if path is None:
        return Organization.objects.none()
    ancestors = [int(part) for part in path.strip("/").split("/") if part]
    return Organization.objects.filter(scoping.subtree_q(path, "") | Q(pk__in=ancestors))


@dataclass
class Funds:
    organization: Organization
    collected: Decimal = ZERO  # paid to this organisation by its own members
    received: Decimal = ZERO  # remitted to it by the organisations below
    remitted: Decimal = ZERO  # handed up by it
    used: Decimal = ZERO  # approved expenses
    used_by_category: dict = field(default_factory=dict)
    pending: Decimal = ZERO  # expenses awaiting approval

    @property
    def balance(self) -> Decimal:
        return self.collected + self.received - self.remitted - self.used


def funds(organizations, year: int) -> list[Funds]:
    """Each organisation's dues in `year`: five queries, whatever the number of rows."""
    organizations = list(organizations)
    rows = {o.pk: Funds(o) for o in organizations}
    ids = list(rows)

    def totals(queryset, key):
        return (
            queryset.order_by().values(key).annotate(total=Sum("amount")).values_list(key, "total")
        )

    for pk, total in totals(
        DuesPayment.objects.filter(organization_id__in=ids, paid_on__year=year), "organization_id"
    ):
        rows[pk].collected = total
    remittances = DuesRemittance.objects.filter(remitted_on__year=year)
    for pk, total in totals(remittances.filter(to_organization_id__in=ids), "to_organization_id"):
        rows[pk].received = total
    for pk, total in totals(remittances.filter(organization_id__in=ids), "organization_id"):
        rows[pk].remitted = total
    expenses = DuesExpense.objects.filter(organization_id__in=ids, spent_on__year=year)
    by_category = defaultdict(dict)
    for pk, category, total in (
        expenses.filter(status=DuesExpense.Status.APPROVED)
        .order_by()
        .values("organization_id", "category")
        .annotate(total=Sum("amount"))
        .values_list("organization_id", "category", "total")
    ):
        by_category[pk][category] = total
        rows[pk].used += total
    for pk, total in totals(
        expenses.filter(status=DuesExpense.Status.SUBMITTED), "organization_id"
    ):
        rows[pk].pending = total
    labels = DuesExpense.Category.choices
    for pk, row in rows.items():
        row.used_by_category = {label: by_category[pk].get(value, ZERO) for value, label in labels}
    return [rows[o.pk] for o in organizations]
