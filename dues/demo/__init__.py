"""Demo dues: an assessment for every demo member from twelve months ago, monthly (some
quarterly) payments up to last month, a few members behind (three months: 提醒; six or
more: 警示), and a few remittances and expenses.

Deterministic (seeded per member) and idempotent (members already assessed, organisations
that already remitted or spent are left alone); written with bulk_create.
"""

import datetime
import random
import zlib
from decimal import Decimal

from django.db import transaction

from alxa_dangjian.accounts.models import User
from alxa_dangjian.core.periods import month_start, shift_month
from branches.models import Member, Organization

from ..models import (
    KINDS_WITH_BASE,
    DuesAssessment,
    DuesMonth,
    DuesPayment,
    DuesRateTable,
    DuesSetting,
)
from .funds import seed_funds

KIND_FOR_CATEGORY = {
    Member.Category.RETIRED: "pension",
    Member.Category.STUDENT: "student",
    Member.Category.HERDER: "farmer",
}


def _rng(member_id: int) -> random.Random:
    return random.Random(zlib.crc32(f"dues:{member_id}".encode()))


def seed_dues(today: datetime.date | None = None) -> dict[str, int]:
    today = today or datetime.date.today()
    counts = {"assessments": 0, "payments": 0, "remittances": 0, "expenses": 0}
    recorder = User.objects.filter(role=User.Role.SYSTEM_ADMIN).order_by("pk").first()
    table = DuesRateTable.in_force(today)
    if recorder is None or table is None:
        return counts
    setting = DuesSetting.load()
    start = shift_month(month_start(today), -12)
    last = shift_month(month_start(today), -1)
    members = list(
        Member.objects.in_good_standing()
        .filter(organization__type__in=(Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH))
        .exclude(dues_assessments__isnull=False)
        .order_by("pk")
    )
    brackets = list(table.brackets.all())
    positions, seen = {}, {}
    for member in members:
        positions[member.pk] = seen.get(member.organization_id, 0)
        seen[member.organization_id] = positions[member.pk] + 1
    with transaction.atomic():
        assessments, payments, plans = [], [], []
        for member in members:
            rng = _rng(member.pk)
            kind = KIND_FOR_CATEGORY.get(member.category, "salary")
            base = Decimal(rng.randrange(2600, 14000, 50)) if kind == "salary" else Decimal(0)
            if kind == "pension":
                base = Decimal(rng.randrange(3500, 7500, 50))
            due = _due(brackets, kind, base, setting.rounding_unit)
            first = max(start, month_start(member.joined_on))
            assessments.append(
                DuesAssessment(
                    member=member,
                    effective_from=first,
                    base_kind=kind,
                    base_amount=base,
                    rate_table=table,
                    computed_due=due,
                    owed_since=first,
                    created_by=recorder,
                )
            )
            # Most pay every month; some stopped three months ago, a few seven months ago.
            # Every branch has its second member three months behind and, when it has more
            # than six, its fifth seven months behind; others fall behind by chance.
            roll, position = rng.random(), positions[member.pk]
            stop = last
            if position == 4 or roll < 0.03:
                stop = shift_month(last, -7)
            elif position == 1 or roll < 0.1:
                stop = shift_month(last, -3)
            quarterly = rng.random() < 0.3
            month = first
            while month <= stop:
                count = 3 if quarterly and month.month % 3 == 1 else 1
                covered = [shift_month(month, n) for n in range(count)]
                covered = [m for m in covered if m <= stop] or [month]
                paid_on = min(covered[0] + datetime.timedelta(days=rng.randrange(0, 25)), today)
                payments.append(
                    DuesPayment(
                        member=member,
                        organization_id=member.organization_id,
                        paid_on=paid_on,
                        amount=due * len(covered),
                        method=rng.choice(["cash", "wechat", "transfer", "payroll"]),
                        recorded_by=recorder,
                    )
                )
                plans.append((member, covered, due, paid_on))
                month = shift_month(covered[-1], 1)
        DuesAssessment.objects.bulk_create(assessments, batch_size=1000)
        # Fixed amounts of 0.20 yuan are below a sensible payment: skip nothing, they pay too.
        DuesPayment.objects.bulk_create([p for p in payments if p.amount > 0], batch_size=1000)
        DuesMonth.objects.bulk_create(
            (
                DuesMonth(
                    payment=payment,
                    member=member,
                    month=month,
                    due=due,
                    amount=due,
                    paid_on=paid_on,
                )
                for payment, (member, covered, due, paid_on) in zip(payments, plans, strict=True)
                if payment.amount > 0
                for month in covered
            ),
            batch_size=2000,
        )
        counts["assessments"] = len(assessments)
        counts["payments"] = sum(1 for p in payments if p.amount > 0)
        counts.update(seed_funds(today, recorder))
    return counts


def _due(brackets, kind, base, rounding) -> Decimal:
    for bracket in brackets:
        if bracket.base_kind != kind:
            continue
        if kind in KINDS_WITH_BASE and not (
            (bracket.lower is None or base > bracket.lower)
            and (bracket.upper is None or base <= bracket.upper)
        ):
            continue
        return bracket.due_on(base, rounding=rounding)
    return Decimal("0.20")
