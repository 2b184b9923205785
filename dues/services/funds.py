"""Dues funds: remittances handed up to the parent organisation, and expenses with their
vouchers and their review from above."""

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching
from alxa_dangjian.core.files import check_upload, store_files
from alxa_dangjian.core.periods import month_start
from branches.models import Organization

from ..models import DuesExpense, DuesRemittance, DuesVoucher
from ..rules import MAX_PAYMENT
from .access import may_record

ORGANIZATION_NOT_IN_SCOPE = "该党组织不在您的管理范围内。"


@transaction.atomic
def record_remittance(
    organization: Organization,
    *,
    period_from: datetime.date,
    period_to: datetime.date,
    amount: Decimal,
    remitted_on: datetime.date,
    receipt_number: str = "",
    note: str = "",
    by: User,
    today: datetime.date | None = None,
) -> DuesRemittance:
    """Dues handed up to the parent organisation for a period of months."""
    caching.changed(caching.DUES)
    if not may_record(by, organization):
        raise ValidationError({"organization": ORGANIZATION_NOT_IN_SCOPE})
    if organization.is_temporary:
        raise ValidationError({"organization": "临时党支部不收缴党费，也不上缴党费。"})
    if scoping.is_root(organization):
        raise ValidationError({"organization": "工委是最高一级，没有上级党组织可上缴。"})
    today = today or timezone.localdate()
    errors = {}
    if amount is None or amount <= 0:
        errors["amount"] = "上缴金额须大于0元。"
    elif amount > MAX_PAYMENT * 100:
        errors["amount"] = f"上缴金额{amount}元明显不合理，请核对。"
    if period_to < period_from:
        errors["period_to"] = "所属期间的止月不能早于起月。"
    if remitted_on > today:
        errors["remitted_on"] = "上缴日期不能晚于今天。"
    if month_start(period_from) > month_start(today):
        errors["period_from"] = "不能上缴尚未开始的月份。"
    if errors:
        raise ValidationError(errors)
    remittance = DuesRemittance(
        organization=organization,
        to_organization=organization.parent,
        period_from=month_start(period_from),
        period_to=month_start(period_to),
        amount=amount,
        remitted_on=remitted_on,
        receipt_number=receipt_number.strip(),
        note=note,
        recorded_by=by,
    )
    remittance._history_user = by
    remittance.save()
    return remittance


@transaction.atomic
def submit_expense(
    organization: Organization,
    *,
    category: str,
    purpose: str,
    amount: Decimal,
    spent_on: datetime.date,
    uploads: Sequence = (),
    by: User,
    today: datetime.date | None = None,
) -> DuesExpense:
    """An expense of dues in a permitted category, with its vouchers, awaiting approval."""
    caching.changed(caching.DUES)
    if not may_record(by, organization):
        raise ValidationError({"organization": ORGANIZATION_NOT_IN_SCOPE})
    if organization.is_temporary:
        raise ValidationError({"organization": "临时党支部不收缴、不使用党费。"})
    today = today or timezone.localdate()
    errors = {}
    if category not in DuesExpense.Category.values:
        errors["category"] = "党费只能用于规定的五类用途，请选择其一。"
    if not (purpose or "").strip():
        errors["purpose"] = "请填写事由。"
    if amount is None or amount <= 0:
        errors["amount"] = "金额须大于0元。"
    elif amount > MAX_PAYMENT * 10:
        errors["amount"] = f"金额{amount}元明显不合理，请核对。"
    if spent_on > today:
        errors["spent_on"] = "支出日期不能晚于今天。"
    if not uploads:
        errors["files"] = "请上传支出凭证（发票、审批单或照片）。"
    if errors:
        raise ValidationError(errors)
    checked = [check_upload(upload) for upload in uploads]
    expense = DuesExpense(
        organization=organization,
        category=category,
        purpose=purpose.strip(),
        amount=amount,
        spent_on=spent_on,
        recorded_by=by,
    )
    expense._history_user = by
    expense.save()
    store_files(DuesVoucher, checked, by=by, expense=expense)
    return expense


def may_review_expense(user: User, expense: DuesExpense) -> bool:
    """Approval comes from above the spending organisation: the party committee's admin over
    it, or the work committee's staff — never the organisation approving itself."""
    if expense.status != DuesExpense.Status.SUBMITTED or not user.may(roles.REVIEW):
        return False
    if user.may(roles.PUBLISH) and scoping.contains(user, expense.organization):
        return True
    return (
        scoping.contains(user, expense.organization)
        and user.organization_id != expense.organization_id
    )


@transaction.atomic
def review_expense(expense: DuesExpense, *, approve: bool, comment: str = "", by: User):
    caching.changed(caching.DUES)
    expense = DuesExpense.objects.select_for_update().get(pk=expense.pk)
    if not may_review_expense(by, expense):
        raise PermissionDenied("该支出须由上级党委管理员或工委工作人员审批。")
    if not approve and not comment.strip():
        raise ValidationError({"comment": "退回时请填写意见。"})
    expense.status = DuesExpense.Status.APPROVED if approve else DuesExpense.Status.RETURNED
    expense.review_comment = comment.strip()
    expense.reviewed_by = by
    expense.reviewed_at = timezone.now()
    expense._history_user = by
    expense.save()
    return expense
