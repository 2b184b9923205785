"""Writes of the dues ledger: assessments, payments (one, or a month for a whole branch),
remittances, expenses and their review. Each checks who may act and the rules, and writes
everything or nothing; a broken rule is a Chinese ValidationError."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching
from alxa_dangjian.core.files import check_upload, store_files
from alxa_dangjian.core.periods import month_label, month_start
from branches.models import Member, Organization

from .models import (
    KINDS_WITH_BASE,
    BaseKind,
    DuesAssessment,
    DuesExpense,
    DuesMonth,
    DuesPayment,
    DuesRateTable,
    DuesRemittance,
    DuesSetting,
    DuesVoucher,
)
from .rules import MAX_BASE, MAX_PAYMENT, PaymentCheck, assessment_for, check_payment

NOT_IN_SCOPE = "该党员不在您的管理范围内。"
ORGANIZATION_NOT_IN_SCOPE = "该党组织不在您的管理范围内。"
MAX_EXTRA = Decimal("10000.00")


def may_record(user: User, organization: Organization) -> bool:
    """Secretaries record their own branch's dues; editors above them may record too."""
    return user.may(roles.EDIT_RECORDS) and scoping.contains(user, organization)


def _require_member(user: User, member: Member) -> None:
    if not user.may(roles.EDIT_RECORDS):
        raise PermissionDenied("您的角色无权登记党费。")
    if not scoping.contains(user, member.organization):
        raise ValidationError({"member": NOT_IN_SCOPE})


def _require_formal_branch(member: Member) -> None:
    if member.organization.is_temporary:
        raise ValidationError(
            {"member": "临时党支部不收缴党费，党员应在其组织关系所在的正式党支部交纳。"}
        )


# --- assessments -----------------------------------------------------------------------------


def compute_due(
    base_kind: str, base_amount: Decimal, month: datetime.date, setting: DuesSetting | None = None
) -> tuple[DuesRateTable, Decimal]:
    """The rate table in force in `month` and the monthly due it gives for this base."""
    table = DuesRateTable.in_force(month_start(month))
    if table is None:
        raise ValidationError(
            {"effective_from": f"{month_label(month)}尚无生效的党费标准，请联系工委设置。"}
        )
    setting = setting or DuesSetting.load()
    return table, table.monthly_due(base_kind, base_amount, rounding=setting.rounding_unit)


@transaction.atomic
def assess_member(
    member: Member,
    *,
    effective_from: datetime.date,
    base_kind: str,
    base_amount: Decimal = Decimal("0.00"),
    voluntary_extra: Decimal = Decimal("0.00"),
    reduction: str = "",
    reduced_due: Decimal | None = None,
    approval_number: str = "",
    reduction_reason: str = "",
    by: User,
    reason: str = "",
) -> DuesAssessment:
    """Assess a member's monthly due from a month on (re-assessing that month replaces it;
    the change is kept in history)."""
    caching.changed(caching.DUES)
    _require_member(by, member)
    _require_formal_branch(member)
    if member.standing != Member.Standing.NORMAL:
        raise ValidationError(
            {"member": f"该党员党籍状态为“{member.get_standing_display()}”，不能核定党费。"}
        )
    month = month_start(effective_from)
    errors = {}
    if month < month_start(member.joined_on):
        errors["effective_from"] = "起始月份不能早于入党（支部大会通过）的月份{joined}。".format(
            joined=month_label(member.joined_on)
        )
    base_amount = Decimal(base_amount or 0)
    voluntary_extra = Decimal(voluntary_extra or 0)
    if base_kind not in BaseKind.values:
        errors["base_kind"] = "请选择基数类别。"
    elif base_kind in KINDS_WITH_BASE and base_amount <= 0:
        errors["base_amount"] = "在职和离退休党员须填写大于0的计算基数。"
    if base_amount < 0:
        errors["base_amount"] = "计算基数不能为负数。"
    elif base_amount > MAX_BASE:
        errors["base_amount"] = f"计算基数{base_amount}元明显不合理，请核对。"
    if voluntary_extra < 0:
        errors["voluntary_extra"] = "自愿多交的金额不能为负数。"
    elif voluntary_extra > MAX_EXTRA:
        errors["voluntary_extra"] = f"自愿多交每月不超过{MAX_EXTRA}元，请核对。"
    if reduction not in DuesAssessment.Reduction.values:
        errors["reduction"] = "请选择减免类型。"
    elif reduction and not approval_number.strip():
        errors["approval_number"] = "减交、免交或缓交须经批准，请填写批准文号。"
    if errors:
        raise ValidationError(errors)
    table, computed = compute_due(base_kind, base_amount, month)
    if reduction == DuesAssessment.Reduction.REDUCED:
        if reduced_due is None or reduced_due < 0 or reduced_due >= computed:
            raise ValidationError(
                {"reduced_due": f"减交后的金额须不少于0元且少于按标准应交的{computed}元。"}
            )
    else:
        reduced_due = None
    assessment = (
        DuesAssessment.objects.select_for_update()
        .filter(member=member, effective_from=month)
        .first()
    ) or DuesAssessment(member=member, effective_from=month, created_by=by)
    assessment.base_kind = base_kind
    assessment.base_amount = base_amount if base_kind in KINDS_WITH_BASE else Decimal("0.00")
    assessment.rate_table = table
    assessment.computed_due = computed
    assessment.reduction = reduction
    assessment.reduced_due = reduced_due
    assessment.approval_number = approval_number.strip() if reduction else ""
    assessment.reduction_reason = reduction_reason.strip() if reduction else ""
    assessment.voluntary_extra = voluntary_extra
    assessment._history_user = by
    assessment._change_reason = reason
    assessment.save()
    _mark_runs(member)
    assessment.refresh_from_db(fields=["owed_since"])
    return assessment


def _mark_runs(member: Member) -> None:
    """Set `owed_since` on each of the member's assessments: the start of its run without
    exemption. An assessment may be added before others, so the whole sequence is redone."""
    changed, since = [], None
    for assessment in member.dues_assessments.order_by("effective_from"):
        if assessment.reduction == DuesAssessment.Reduction.EXEMPT:
            since = None
            value = None
        else:
            since = since or assessment.effective_from
            value = since
        if assessment.owed_since != value:
            assessment.owed_since = value
            changed.append(assessment)
    DuesAssessment.objects.bulk_update(changed, ["owed_since"])


# --- payments --------------------------------------------------------------------------------


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
    _require_member(by, member)
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


# --- remittances and expenses ----------------------------------------------------------------


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
