"""Assessing a member's monthly due: the rate table in force, reductions and the run of
months owed since (kept in history)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching
from alxa_dangjian.core.periods import month_label, month_start
from branches.models import Member

from ..models import KINDS_WITH_BASE, BaseKind, DuesAssessment, DuesRateTable, DuesSetting
from ..rules import MAX_BASE
from .access import require_member

MAX_EXTRA = Decimal("10000.00")


def _require_formal_branch(member: Member) -> None:
    if member.organization.is_temporary:
        raise ValidationError(
            {"member": "临时党支部不收缴党费，党员应在其组织关系所在的正式党支部交纳。"}
        )


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
    require_member(by, member)
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
