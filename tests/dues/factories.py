"""Dues fixtures: assessments made through the service (so the due is the rate table's) and
payments written directly where a test only needs paid months to exist."""

import datetime
from decimal import Decimal

from alxa_dangjian.core.periods import shift_month
from dues.models import DuesMonth, DuesPayment
from dues.services import assessments as services


def assess(member, by, *, month=datetime.date(2020, 1, 1), kind="salary", base="4000", **extra):
    return services.assess_member(
        member,
        effective_from=month,
        base_kind=kind,
        base_amount=Decimal(base),
        by=by,
        **extra,
    )


def paid(member, by, *months, paid_on=None, amount=None):
    """Mark months paid (each on its own payment, on time unless `paid_on` says otherwise)."""
    for month in months:
        payment = DuesPayment.objects.create(
            member=member,
            organization=member.organization,
            paid_on=paid_on or month,
            amount=amount or Decimal("40.00"),
            method=DuesPayment.Method.CASH,
            recorded_by=by,
        )
        DuesMonth.objects.create(
            payment=payment,
            member=member,
            month=month,
            due=payment.amount,
            amount=payment.amount,
            paid_on=payment.paid_on,
        )


def month_range(first: datetime.date, count: int) -> list[datetime.date]:
    return [shift_month(first, n) for n in range(count)]
