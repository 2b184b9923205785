"""Payment sheet import (党费交纳记录): one row per payment, members matched by 公民身份号码
inside the importer's subtree. Every rule of a payment entered by hand applies
(`rules.check_payment`), with the data for the whole file loaded in a fixed number of
queries; all rows are written or none."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import scope_path
from alxa_dangjian.core import caching
from alxa_dangjian.core.periods import month_label, shift_month
from alxa_dangjian.ledgers.imports import cells
from alxa_dangjian.ledgers.imports.base import Change, ImportColumn, Importer, ImportResult
from alxa_dangjian.ledgers.imports.registry import register
from branches.models import Member

from ..forms.fields import MONTH_PATTERN
from ..models import DuesAssessment, DuesMonth, DuesPayment, DuesSetting
from ..rules import check_payment

MONTH_RANGE_SEPARATORS = ("至", "~", "－", "—", "到")
MAX_MONTHS_IN_CELL = 12


def _amount(value):
    if isinstance(value, bool):
        raise cells.CellError("应填写金额")
    if isinstance(value, int | float):
        value = repr(value) if isinstance(value, float) else str(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise cells.CellError(f"“{value}”不是金额") from None
    if not amount.is_finite():
        raise cells.CellError(f"“{value}”不是金额")
    return amount


def _month(text: str) -> datetime.date:
    text = text.strip().replace("/", "-").replace(".", "-").replace("年", "-").rstrip("月")
    match = MONTH_PATTERN.match(text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise cells.CellError(f"月份“{text}”格式不正确，应为 2026-03 或 2026-01至2026-03")
    return datetime.date(int(match[1]), int(match[2]), 1)


def _months(value):
    """2026-03, 2026年3月, or a range 2026-01至2026-03 (both ends included)."""
    if isinstance(value, datetime.datetime | datetime.date):
        return [datetime.date(value.year, value.month, 1)]
    text = cells.text(40)(value)
    for separator in MONTH_RANGE_SEPARATORS:
        if separator in text:
            first, last = (_month(part) for part in text.split(separator, 1))
            break
    else:
        first = last = _month(text)
    if last < first:
        raise cells.CellError("月份区间的止月早于起月")
    months = [first]
    while months[-1] < last:
        months.append(shift_month(months[-1], 1))
        if len(months) > MAX_MONTHS_IN_CELL:
            raise cells.CellError(f"一次交纳的月份不能超过{MAX_MONTHS_IN_CELL}个月")
    return months


@register
class DuesPaymentImporter(Importer):
    code = "dues-payments"
    title = "党费交纳记录"
    description = (
        "每行一笔交纳：按公民身份号码匹配您管理范围内的党员，所属月份可填一个月或一个区间"
        "（按季预交最多当月及以后3个月，补交最多追溯6个月）。金额不得少于所交月份的应交合计；"
        "收据编号在党支部内不能重复。任何一行有问题都不会导入。"
    )
    permission = roles.EDIT_RECORDS
    columns = (
        ImportColumn(
            "公民身份号码",
            "id_number",
            cells.id_number,
            required=True,
            help="18位，须是您管理范围内的党员；请将该列设为文本格式。",
            example="152921198503070012",
            width=21,
            text_format=True,
        ),
        ImportColumn(
            "姓名", "name", cells.text(50), required=True, help="须与系统中一致。", example="张伟"
        ),
        ImportColumn(
            "所属月份",
            "months",
            _months,
            required=True,
            help="一个月（2026-03）或区间（2026-01至2026-03）。",
            example="2026-01至2026-03",
            width=20,
            text_format=True,
        ),
        ImportColumn(
            "交纳日期", "paid_on", cells.date(), required=True, example=cells.DATE_EXAMPLE
        ),
        ImportColumn("金额", "amount", _amount, required=True, help="单位：元。", example="120.00"),
        ImportColumn(
            "交纳方式",
            "method",
            cells.choice(DuesPayment.Method.choices),
            default=DuesPayment.Method.CASH,
            help="不填视为现金。",
            example="微信",
        ),
        ImportColumn("收据编号", "receipt_number", cells.text(40), default="", example="2026-001"),
        ImportColumn(
            "代交人",
            "payer_name",
            cells.text(50),
            default="",
            help="他人代交时填写代交人姓名；本人交纳不填。",
        ),
    )

    def validate(self, rows, *, errors, user):
        ids = sorted({r.values["id_number"] for r in rows if r.values.get("id_number")})
        user_path = scope_path(user) or "\0"
        members = {
            m.id_number: m
            for m in Member.objects.filter(
                scoping.subtree_q(user_path), id_number__in=ids
            ).select_related("organization")
        }
        member_ids = [m.pk for m in members.values()]
        assessments = defaultdict(list)
        for assessment in DuesAssessment.objects.filter(member_id__in=member_ids):
            assessments[assessment.member_id].append(assessment)
        paid = defaultdict(set)
        for member_id, month in DuesMonth.objects.filter(member_id__in=member_ids).values_list(
            "member_id", "month"
        ):
            paid[member_id].add(month)
        receipts = {r.values.get("receipt_number") for r in rows} - {None, ""}
        taken = set(
            DuesPayment.objects.filter(
                organization_id__in={m.organization_id for m in members.values()},
                receipt_number__in=receipts,
            ).values_list("organization_id", "receipt_number")
        )
        setting = DuesSetting.load()
        today = timezone.localdate()
        changes = []
        for row in rows:
            if row.number in errors.failed_rows:
                continue
            values = row.values
            member = members.get(values["id_number"])
            if member is None:
                errors.add(
                    row.number, "公民身份号码", "未找到该号码的党员，或该党员不在您的管理范围内"
                )
                continue
            if member.name != values["name"]:
                message = "与系统中该号码党员的姓名“{name}”不一致"
                errors.add(row.number, "姓名", message.format(name=member.name))
                continue
            receipt = values["receipt_number"]
            check = check_payment(
                member=member,
                months=values["months"],
                paid_on=values["paid_on"],
                amount=values["amount"],
                receipt_number=receipt,
                assessments=assessments[member.pk],
                paid_months=paid[member.pk],
                receipt_taken=bool(receipt) and (member.organization_id, receipt) in taken,
                setting=setting,
                today=today,
            )
            for field_name, message in check.problems:
                errors.add(row.number, errors.header_of(field_name), message)
            if not check.ok:
                continue
            # Later rows see this row's months and receipt: duplicates inside the file fail too.
            paid[member.pk].update(m.month for m in check.months)
            if receipt:
                taken.add((member.organization_id, receipt))
            months = "、".join(month_label(m.month) for m in check.months)
            changes.append(
                Change(
                    row.number, Change.CREATE, (member, values, check), f"{member.name} {months}"
                )
            )
        return changes

    def write(self, result: ImportResult, *, user) -> None:
        caching.changed(caching.DUES)
        payments, planned = [], []
        for change in result.changes:
            member, values, check = change.instance
            payer = values["payer_name"]
            payments.append(
                DuesPayment(
                    member=member,
                    organization=member.organization,
                    paid_on=values["paid_on"],
                    amount=values["amount"],
                    method=values["method"],
                    receipt_number=values["receipt_number"],
                    paid_by=DuesPayment.PaidBy.ON_BEHALF if payer else DuesPayment.PaidBy.SELF,
                    payer_name=payer,
                    note="Excel导入",
                    recorded_by=user,
                )
            )
            planned.append(check.months)
        DuesPayment.objects.bulk_create(payments, batch_size=500)
        DuesMonth.objects.bulk_create(
            (
                DuesMonth(
                    payment=payment,
                    member=payment.member,
                    month=month.month,
                    due=month.due,
                    amount=month.amount,
                    paid_on=payment.paid_on,
                )
                for payment, months in zip(payments, planned, strict=True)
                for month in months
            ),
            batch_size=500,
        )
