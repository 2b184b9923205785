"""The checks a payment must pass, as one pure function over data loaded beforehand, so the
entry form, the monthly grid and the sheet import refuse the same things with the same
Chinese messages (the import loads the data for a whole file in a few queries)."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from alxa_dangjian.core.periods import month_label, month_start, shift_month
from branches.models import Member

from .models import DuesAssessment, DuesSetting

# A single payment above this is a typing error, whatever the member's due.
MAX_PAYMENT = Decimal("100000.00")
# …and so is one more than this many times the dues it covers (voluntary extra included).
MAX_PAYMENT_FACTOR = 10
MIN_CAP = Decimal("1000.00")
# A base above this (yuan a month) is a typing error.
MAX_BASE = Decimal("1000000.00")


def assessment_for(assessments: Sequence[DuesAssessment], month: datetime.date):
    """The assessment in force in `month`: the latest that took effect by then, or None.
    `assessments` are one member's, in any order."""
    found = None
    for assessment in assessments:
        if assessment.effective_from <= month and (
            found is None or assessment.effective_from > found.effective_from
        ):
            found = assessment
    return found


@dataclass
class PlannedMonth:
    month: datetime.date
    due: Decimal
    amount: Decimal = Decimal("0.00")


@dataclass
class PaymentCheck:
    """The outcome of `check_payment`: problems by field, or the months with their split."""

    problems: list[tuple[str, str]] = field(default_factory=list)
    months: list[PlannedMonth] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, field_name: str, message: str) -> None:
        self.problems.append((field_name, message))


def check_payment(
    *,
    member: Member,
    months: Iterable[datetime.date],
    paid_on: datetime.date | None,
    amount: Decimal | None,
    receipt_number: str,
    assessments: Sequence[DuesAssessment],
    paid_months: set[datetime.date],
    receipt_taken: bool,
    setting: DuesSetting,
    today: datetime.date,
) -> PaymentCheck:
    result = PaymentCheck()
    months = sorted({month_start(m) for m in months})
    name = member.name
    if member.organization.is_temporary:
        result.add("member", "临时党支部不收缴党费，党员应在其组织关系所在的正式党支部交纳。")
        return result
    if member.standing != Member.Standing.NORMAL:
        message = "{name}的党籍状态为“{standing}”，不能登记党费。"
        result.add("member", message.format(name=name, standing=member.get_standing_display()))
        return result
    if not months:
        result.add("months", "请选择所交纳的月份。")
    if paid_on is None:
        result.add("paid_on", "请填写交纳日期。")
    elif paid_on > today:
        result.add("paid_on", "交纳日期不能晚于今天。")
    if amount is None:
        result.add("amount", "请填写金额。")
    elif amount <= 0:
        result.add("amount", "金额须大于0元。")
    elif amount > MAX_PAYMENT:
        message = "金额{amount}元明显不合理（单笔不超过{limit}元），请核对。"
        result.add("amount", message.format(amount=amount, limit=MAX_PAYMENT))
    elif amount != amount.quantize(Decimal("0.01")):
        result.add("amount", "金额最多保留两位小数（精确到分）。")
    if receipt_taken:
        message = "收据编号“{number}”在本党支部已经使用，不能重复。"
        result.add("receipt_number", message.format(number=receipt_number))
    if result.problems and (not months or paid_on is None):
        return result

    joined = month_start(member.joined_on)
    earliest = shift_month(month_start(paid_on), -setting.back_payment_months)
    upcoming = [m for m in months if m >= month_start(paid_on)]
    if len(upcoming) > setting.advance_months:
        message = "一次最多预交当月及以后{n}个月（按季交纳），所选为{count}个月。"
        result.add("months", message.format(n=setting.advance_months, count=len(upcoming)))
    for month in months:
        label = month_label(month)
        if month < joined:
            message = "{name}于{joined}入党，不能交纳入党前{month}的党费。"
            result.add(
                "months",
                message.format(name=name, joined=month_label(joined), month=label),
            )
        elif month < earliest:
            message = (
                "补交最多追溯{n}个月：{paid}交纳时最早可补交{earliest}，{month}已超出，"
                "请按规定另行处理。"
            )
            result.add(
                "months",
                message.format(
                    n=setting.back_payment_months,
                    paid=month_label(month_start(paid_on)),
                    earliest=month_label(earliest),
                    month=label,
                ),
            )
        elif month in paid_months:
            result.add("months", f"{name}{label}的党费已经交纳，不能重复登记。")
        else:
            assessment = assessment_for(assessments, month)
            if assessment is None:
                message = "{name}{month}尚未核定党费，请先核定交纳基数。"
                result.add("months", message.format(name=name, month=label))
            else:
                result.months.append(PlannedMonth(month, assessment.due, assessment.monthly_due))
    if result.problems or amount is None or amount <= 0:
        return result
    due = sum((m.due for m in result.months), Decimal("0.00"))
    expected = sum((m.amount for m in result.months), Decimal("0.00"))
    if amount < due:
        message = "金额{amount}元少于所交{count}个月的应交合计{due}元，党费应足额交纳。"
        result.add("amount", message.format(amount=amount, count=len(result.months), due=due))
        return result
    cap = max(expected * MAX_PAYMENT_FACTOR, MIN_CAP)
    if amount > cap:
        message = (
            "金额{amount}元远超所交月份的应交合计{due}元，请核对（自愿多交请先在核定中登记）。"
        )
        result.add("amount", message.format(amount=amount, due=expected))
        return result
    # Each month is booked at its due; whatever is paid beyond goes to the last month.
    for planned in result.months:
        planned.amount = planned.due
    result.months[-1].amount += amount - due
    return result
