"""Payments: one member's (one or more months), a whole branch's month in one form, and
undoing a payment recorded by mistake."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching
from alxa_dangjian.core.periods import month_label, month_start
from branches.models import Member, Organization

from ..models import DuesAssessment, DuesMonth, DuesPayment, DuesSetting
from ..rules import PaymentCheck, assessment_for, check_payment
from .access import may_record, require_member


def _raise(check: PaymentCheck) -> None:
    errors: dict[str, list[str]] = {}
    for field_name, message in check.problems:
        errors.setdefault(field_name, []).append(message)
    raise ValidationError(errors)


def _write_payment(member, check, *, paid_on, amount, method, receipt_number, paid_by,
                   payer_name, note, by) -> DuesPayment:  # fmt: skip
    payment = DuesPayment(
        member=member,
        organization=member.organization,
        paid_on=paid_on,
        amount=amount,
        method=method,
        receipt_number=receipt_number,
        paid_by=paid_by,
        payer_name=payer_name if paid_by == DuesPayment.PaidBy.ON_BEHALF else "",
        note=note,
        recorded_by=by,
    )
    payment._history_user = by
    payment.save()
    DuesMonth.objects.bulk_create(
        DuesMonth(
            payment=payment,
            member=member,
            month=planned.month,
            due=planned.due,
            amount=planned.amount,
            paid_on=paid_on,
        )
        for planned in check.months
    )
    return payment


def _check_common(method, paid_by, payer_name) -> dict:
    errors = {}
    if method not in DuesPayment.Method.values:
        errors["method"] = "请选择交纳方式。"
    if paid_by not in DuesPayment.PaidBy.values:
        errors["paid_by"] = "请选择本人交纳或他人代交。"
    elif paid_by == DuesPayment.PaidBy.ON_BEHALF and not payer_name.strip():
        errors["payer_name"] = "他人代交时请填写代交人姓名。"
    return errors


@transaction.atomic
def record_payment(
    member: Member,
    *,
    months: Sequence[datetime.date],
    paid_on: datetime.date,
    amount: Decimal,
    method: str,
    receipt_number: str = "",
    paid_by: str = DuesPayment.PaidBy.SELF,
    payer_name: str = "",
    note: str = "",
    by: User,
    today: datetime.date | None = None,
) -> DuesPayment:
    """Record one payment covering one or more months (a quarter ahead, or up to the
    back-payment window behind)."""
    caching.changed(caching.DUES)
    require_member(by, member)
    # Lock the member so that two clerks cannot book the same month at once.
    Member.objects.select_for_update().filter(pk=member.pk).first()
    receipt_number = (receipt_number or "").strip()
    errors = _check_common(method, paid_by, payer_name)
    check = check_payment(
        member=member,
        months=months,
        paid_on=paid_on,
        amount=amount,
        receipt_number=receipt_number,
        assessments=list(member.dues_assessments.all()),
        paid_months=set(member.dues_months.values_list("month", flat=True)),
        receipt_taken=bool(receipt_number)
        and DuesPayment.objects.filter(
            organization=member.organization, receipt_number=receipt_number
        ).exists(),
        setting=DuesSetting.load(),
        today=today or timezone.localdate(),
    )
    for field_name, message in errors.items():
        check.add(field_name, message)
    if not check.ok:
        _raise(check)
    return _write_payment(
        member,
        check,
        paid_on=paid_on,
        amount=amount,
        method=method,
        receipt_number=receipt_number,
        paid_by=paid_by,
        payer_name=payer_name.strip(),
        note=note,
        by=by,
    )


@dataclass
class MonthEntry:
    """One line of the monthly grid form: a member paying `month`."""

    member: Member
    amount: Decimal | None = None  # None: the month's due as assessed
    receipt_number: str = ""


@transaction.atomic
def record_month(
    organization: Organization,
    *,
    month: datetime.date,
    entries: Sequence[MonthEntry],
    paid_on: datetime.date,
    method: str,
    by: User,
    today: datetime.date | None = None,
) -> list[DuesPayment]:
    """A secretary's month for several members in one form: all are recorded, or — if any
    line breaks a rule — none, with each problem named by member."""
    caching.changed(caching.DUES)
    if not may_record(by, organization):
        raise PermissionDenied("您无权登记该党支部的党费。")
    if organization.is_temporary:
        raise ValidationError("临时党支部不收缴党费，党员应在其组织关系所在的正式党支部交纳。")
    if not entries:
        raise ValidationError("请至少勾选一名党员。")
    errors = _check_common(method, DuesPayment.PaidBy.SELF, "")
    if errors:
        raise ValidationError(errors)
    month = month_start(month)
    members = [entry.member for entry in entries]
    ids = [m.pk for m in members]
    list(Member.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    assessments: dict[int, list] = {}
    for assessment in DuesAssessment.objects.filter(member_id__in=ids):
        assessments.setdefault(assessment.member_id, []).append(assessment)
    paid: dict[int, set] = {}
    for member_id, paid_month in DuesMonth.objects.filter(member_id__in=ids).values_list(
        "member_id", "month"
    ):
        paid.setdefault(member_id, set()).add(paid_month)
    receipts = {e.receipt_number.strip() for e in entries if e.receipt_number.strip()}
    taken = set(
        DuesPayment.objects.filter(
            organization=organization, receipt_number__in=receipts
        ).values_list("receipt_number", flat=True)
    )
    setting = DuesSetting.load()
    today = today or timezone.localdate()
    problems, planned, seen_receipts = [], [], set()
    for entry in entries:
        member = entry.member
        if member.organization_id != organization.pk:
            problems.append(f"{member.name}：不是本党支部的党员。")
            continue
        receipt = entry.receipt_number.strip()
        amount = entry.amount
        if amount is None:
            current = assessment_for(assessments.get(member.pk, []), month)
            if current is None:
                message = "{name}：{month}尚未核定党费，请先核定交纳基数。"
                problems.append(message.format(name=member.name, month=month_label(month)))
                continue
            amount = current.monthly_due
            if amount <= 0:
                continue  # exempt this month: nothing to record
        check = check_payment(
            member=member,
            months=[month],
            paid_on=paid_on,
            amount=amount,
            receipt_number=receipt,
            assessments=assessments.get(member.pk, []),
            paid_months=paid.get(member.pk, set()),
            receipt_taken=receipt in taken or (bool(receipt) and receipt in seen_receipts),
            setting=setting,
            today=today,
        )
        if receipt:
            seen_receipts.add(receipt)
        problems.extend(f"{member.name}：{message}" for _, message in check.problems)
        planned.append((member, check, amount, receipt))
    if problems:
        raise ValidationError(problems)
    return [
        _write_payment(
            member,
            check,
            paid_on=paid_on,
            amount=amount,
            method=method,
            receipt_number=receipt,
            paid_by=DuesPayment.PaidBy.SELF,
            payer_name="",
            note="",
            by=by,
        )
        for member, check, amount, receipt in planned
    ]


@transaction.atomic
def delete_payment(payment: DuesPayment, *, by: User, reason: str = "") -> None:
    """Undo a payment recorded by mistake; its months become unpaid again (kept in history)."""
    caching.changed(caching.DUES)
    if not may_record(by, payment.organization):
        raise PermissionDenied("您无权撤销该党支部的党费记录。")
    payment._history_user = by
    payment._change_reason = reason
    payment.delete()
