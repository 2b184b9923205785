"""Writes of what reviewers give an organisation for the year: 民主测评 votes, the 述职
report and manual scores (or overrides of an auto number); the run its card shows is
re-totalled at once."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from alxa_dangjian.accounts import roles
from alxa_dangjian.core import caching
from branches.models import Organization

from .. import scoring
from ..models import (
    DemocraticVote,
    DutyReport,
    Grade,
    Indicator,
    ScoreCard,
    ScoreEntry,
)
from . import results
from .access import require_scope
from .runs import current_run

Kind = Indicator.Kind


@transaction.atomic
def record_votes(organization: Organization, *, year: int, counts: dict[str, int], by):
    """民主测评 counts for an organisation and year (replacing earlier ones, kept in history)."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    require_scope(by, organization)
    _refuse_frozen(organization, year)
    values = {}
    for grade, label in Grade.choices:
        raw = counts.get(grade, 0)
        if raw is None or int(raw) < 0:
            raise ValidationError(f"“{label}”票数须为不小于0的整数。")
        values[grade] = int(raw)
    vote = DemocraticVote.objects.filter(organization=organization, year=year).first()
    vote = vote or DemocraticVote(organization=organization, year=year)
    for grade, n in values.items():
        setattr(vote, grade, n)
    vote.recorded_by = by
    vote._history_user = by
    vote.save()
    _rescore(organization, year)
    return vote


@transaction.atomic
def upload_duty_report(organization: Organization, *, year: int, upload, by) -> DutyReport:
    """The secretary's 述职 report: checked like any upload (type by content, size)."""
    caching.changed(caching.ASSESSMENTS)
    from alxa_dangjian.core.files import check_upload, store_files

    if not by.may(roles.EDIT_RECORDS):
        raise PermissionDenied("您的角色无权上传述职报告。")
    require_scope(by, organization)
    if upload is None:
        raise ValidationError({"files": "请选择述职报告文件。"})
    checked = check_upload(upload)
    (report,) = store_files(DutyReport, [checked], by=by, organization=organization, year=year)
    return report


def _refuse_frozen(organization: Organization, year: int) -> None:
    if ScoreCard.objects.filter(
        organization=organization, year=year, status=ScoreCard.Status.FROZEN
    ).exists():
        raise ValidationError("该党组织本年度考核结果已冻结，不能再修改。")


def _parse_score(raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"score": "得分须为数字。"}) from None
    if not value.is_finite():
        raise ValidationError({"score": "得分须为数字。"})
    return value


@transaction.atomic
def enter_score(
    organization: Organization, indicator: Indicator, *, score, reason: str, by
) -> ScoreEntry:
    """A manual score, bonus/deduction points, a veto (1/0) or an override of an auto
    number, with its reason; the card's total and the run's grades follow at once."""
    caching.changed(caching.ASSESSMENTS)
    roles.require(by, roles.PUBLISH)
    require_scope(by, organization)
    reason = (reason or "").strip()
    errors = {}
    if not indicator.takes_entry:
        raise ValidationError("该指标不能人工评分。")
    value = _parse_score(score)
    maximum = indicator.entry_maximum
    if value < 0 or value > maximum:
        errors["score"] = "“{name}”的得分须在0至{max}之间。".format(
            name=indicator.name, max=scoring.number_text(maximum)
        )
    if indicator.kind == Kind.VETO and value not in (0, 1):
        errors["score"] = "一票否决项填1表示否决，填0表示不否决。"
    if not reason:
        errors["reason"] = "请填写评分理由。"
    if errors:
        raise ValidationError(errors)
    year = indicator.scheme.year
    _refuse_frozen(organization, year)
    entry = ScoreEntry.objects.filter(organization=organization, indicator=indicator).first()
    entry = entry or ScoreEntry(organization=organization, indicator=indicator)
    entry.score = value
    entry.reason = reason[:300]
    entry.entered_by = by
    entry._history_user = by
    entry._change_reason = reason[:100]
    entry.save()
    _rescore(organization, year)
    return entry


def _rescore(organization: Organization, year: int) -> None:
    """Re-total the run the card shows (totals and grades depend on every organisation of
    the run because of the quota), unless its results are frozen."""
    run = current_run(organization, year)
    if run is None or ScoreCard.objects.filter(frozen_run=run).exists():
        return
    results.finalise(run.pk)
