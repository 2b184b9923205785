"""Demo remittances and expenses: the first branches remit the first half year, a few
committees spend."""

import datetime
from decimal import Decimal

from alxa_dangjian.core.periods import month_start
from branches.models import Organization

from ..models import DuesExpense, DuesRemittance


def seed_funds(today, recorder) -> dict[str, int]:
    """The first branches remit the first half year; a few committees spend. Only into an
    empty ledger: a second run adds nothing."""
    if DuesRemittance.objects.exists() or DuesExpense.objects.exists():
        return {"remittances": 0, "expenses": 0}
    branches = list(
        Organization.objects.filter(
            is_active=True, type__in=(Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH)
        ).order_by("path")[:40]
    )
    first = datetime.date(today.year, 1, 1)
    june = datetime.date(today.year, 6, 1)
    remitted_on = min(datetime.date(today.year, 7, 10), today)
    remittances = [
        DuesRemittance(
            organization=branch,
            to_organization_id=branch.parent_id,
            period_from=first,
            period_to=min(june, month_start(today)),
            amount=Decimal(300 + 37 * (branch.pk % 11)),
            remitted_on=remitted_on,
            receipt_number=f"SJ-{today.year}-{branch.pk:04d}",
            note="上半年党费",
            recorded_by=recorder,
        )
        for branch in branches
    ]
    DuesRemittance.objects.bulk_create(remittances)
    committees = list(
        Organization.objects.filter(is_active=True, type__in=Organization.COMMITTEE_TYPES).order_by(
            "path"
        )[:6]
    )
    categories = list(DuesExpense.Category)
    expenses = [
        DuesExpense(
            organization=committee,
            category=categories[n % len(categories)],
            purpose=[
                "举办入党积极分子培训班",
                "购买党员教育读本",
                "表彰优秀共产党员",
                "慰问生活困难党员",
                "资助受灾党员",
                "订阅党刊",
            ][n],  # fmt: skip
            amount=Decimal(800 + 150 * n),
            spent_on=min(datetime.date(today.year, 1 + n, 15), today),
            status=DuesExpense.Status.APPROVED if n % 3 else DuesExpense.Status.SUBMITTED,
            recorded_by=recorder,
        )
        for n, committee in enumerate(committees)
    ]
    DuesExpense.objects.bulk_create(expenses)
    return {"remittances": len(remittances), "expenses": len(expenses)}
