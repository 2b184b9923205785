"""The dues app's part of the URL walk: one object per addressable model in committee_a's
subtree, and the league-wide standard (only the work committee changes it)."""

import datetime
from decimal import Decimal

from dues.models import (
    DuesBracket,
    DuesExpense,
    DuesPayment,
    DuesRateTable,
    DuesRemittance,
    DuesSetting,
    DuesVoucher,
)
from dues.services import assessments as services

MODELS = {"duespayment", "duesassessment", "duesremittance", "duesexpense", "duesvoucher"}

REFERENCE = {
    "duesratetable": lambda: DuesRateTable.objects.order_by("pk").first(),
    "duesbracket": lambda: DuesBracket.objects.order_by("pk").first(),
    "duessetting": DuesSetting.load,
}


def objects(*, root, committee_a, branch_a, secretary, member):
    month = datetime.date(2026, 1, 1)
    assessment = services.assess_member(
        member, effective_from=month, base_kind="salary", base_amount=Decimal("4000"), by=secretary
    )
    expense = DuesExpense.objects.create(
        organization=branch_a,
        category=DuesExpense.Category.TRAINING,
        purpose="甲局党员培训",
        amount=Decimal("300.00"),
        spent_on=month,
        recorded_by=secretary,
    )
    return {
        "duesassessment": assessment,
        "duespayment": DuesPayment.objects.create(
            member=member,
            organization=branch_a,
            paid_on=month,
            amount=Decimal("40.00"),
            method=DuesPayment.Method.CASH,
            receipt_number="甲局收据1",
            recorded_by=secretary,
        ),
        "duesremittance": DuesRemittance.objects.create(
            organization=branch_a,
            to_organization=committee_a,
            period_from=month,
            period_to=month,
            amount=Decimal("40.00"),
            remitted_on=month,
            recorded_by=secretary,
        ),
        "duesexpense": expense,
        "duesvoucher": DuesVoucher.objects.create(
            expense=expense,
            file="dues/2026/walk",
            original_name="甲局培训发票.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            kind="document",
            uploaded_by=secretary,
        ),
    }
