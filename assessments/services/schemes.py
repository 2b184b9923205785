"""Writes of the assessment schemes (考核方案): indicators, weights, grade thresholds and the
quota for 好, each change bumping the scheme's version; and the checks that say what is
still missing before a run may use a scheme."""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from alxa_dangjian.core import caching

from .. import indicators as registry
from .. import scoring
from ..models import (
    AssessmentScheme,
    Grade,
    GradeThreshold,
    Indicator,
)
from ..models.scoring import GRADE_ORDER
from .access import require_scheme_setter

Kind = Indicator.Kind


def _bump(scheme: AssessmentScheme, *, by, reason: str) -> None:
    scheme.version += 1
    scheme._history_user = by
    scheme._change_reason = reason
    scheme.save()


def weight_problems(indicators) -> list[str]:
    """Chinese sentences for every place where weights do not add up: the weighted top-level
    indicators must total 100, and a group's weighted children its own weight."""
    indicators = list(indicators)
    children = defaultdict(list)
    for indicator in indicators:
        children[indicator.parent_id].append(indicator)
    problems = []
    top = sum((i.weight for i in children[None] if i.is_weighted), Decimal(0))
    if top != scoring.HUNDRED:
        problems.append(f"一级指标的分值合计应为100分，现为{scoring.number_text(top)}分。")
    for indicator in indicators:
        kids = children.get(indicator.pk, [])
        if indicator.kind == Kind.GROUP:
            total = sum((k.weight for k in kids if k.is_weighted), Decimal(0))
            if not kids:
                problems.append(f"指标组“{indicator.name}”下还没有指标。")
            elif total != indicator.weight:
                problems.append(
                    "“{name}”的下级指标分值合计应为{weight}分，现为{total}分。".format(
                        name=indicator.name,
                        weight=scoring.number_text(indicator.weight),
                        total=scoring.number_text(total),
                    )
                )
        elif kids:
            problems.append(f"只有指标组可以设下级指标，“{indicator.name}”不是指标组。")
    return problems


def indicator_problems(indicator: Indicator) -> dict[str, str]:
    """What is wrong with one indicator's own fields (not the tree's sums)."""
    errors = {}
    if indicator.kind == Kind.AUTO:
        if not indicator.auto_code:
            errors["auto_code"] = "自动指标须选择计算口径。"
        elif indicator.auto_code not in {i.code for i in registry.all_indicators()}:
            errors["auto_code"] = f"自动指标“{indicator.auto_code}”不存在。"
    elif indicator.auto_code:
        errors["auto_code"] = "只有自动指标可以选择计算口径。"
    if indicator.weight < 0:
        errors["weight"] = "分值不能为负数。"
    if indicator.kind in Indicator.CAPPED:
        if indicator.cap is None or indicator.cap <= 0:
            errors["cap"] = "加分项和扣分项须设定大于0的上限。"
        if indicator.weight:
            errors["weight"] = "加分项、扣分项不计入分值，分值应为0。"
    if indicator.kind == Kind.VETO and indicator.weight:
        errors["weight"] = "一票否决项不计入分值，分值应为0。"
    if indicator.max_score is not None and indicator.max_score <= 0:
        errors["max_score"] = "满分须大于0。"
    if indicator.parent_id and indicator.parent.scheme_id != indicator.scheme_id:
        errors["parent"] = "上级指标须属于同一考核方案。"
    return errors


@transaction.atomic
def add_indicator(scheme: AssessmentScheme, *, by, **fields) -> Indicator:
    """Add an indicator to the tree. The sums are checked when weights are saved together
    (`update_weights`) and before a run, so a tree can be built step by step."""
    caching.changed(caching.RULES)
    require_scheme_setter(by)
    indicator = Indicator(scheme=scheme, **fields)
    errors = indicator_problems(indicator)
    if errors:
        raise ValidationError(errors)
    indicator.save()
    _bump(scheme, by=by, reason=f"新增指标“{indicator.name}”")
    return indicator


@transaction.atomic
def update_weights(scheme: AssessmentScheme, weights: dict[int, Decimal], *, by) -> None:
    """Set many indicators' weights at once; refused unless every sum adds up."""
    caching.changed(caching.RULES)
    require_scheme_setter(by)
    indicators = list(scheme.indicators.select_for_update())
    for indicator in indicators:
        if indicator.pk in weights:
            indicator.weight = weights[indicator.pk]
        if indicator.weight < 0:
            raise ValidationError(f"“{indicator.name}”的分值不能为负数。")
    problems = weight_problems(indicators)
    if problems:
        raise ValidationError(problems)
    Indicator.objects.bulk_update(indicators, ["weight"])
    _bump(scheme, by=by, reason="调整指标分值")


@transaction.atomic
def set_grading(
    scheme: AssessmentScheme,
    *,
    thresholds: dict[str, Decimal],
    quota_share: Decimal | None,
    quota_count: int | None,
    by,
) -> None:
    """Set the grade thresholds (好 > 较好 > 一般 > 差, strictly) and the quota for 好."""
    caching.changed(caching.RULES)
    require_scheme_setter(by)
    missing = [str(label) for grade, label in Grade.choices if thresholds.get(grade) is None]
    if missing:
        raise ValidationError("请填写全部等次的分数线（缺：{m}）。".format(m="、".join(missing)))
    values = [Decimal(thresholds[g]) for g in GRADE_ORDER]
    if any(v < 0 for v in values):
        raise ValidationError("分数线不能为负数。")
    if any(higher <= lower for higher, lower in zip(values, values[1:], strict=False)):
        raise ValidationError(
            "等次分数线须从高到低排列：好 > 较好 > 一般 > 差（现为{v}）。".format(
                v="、".join(scoring.number_text(v) for v in values)
            )
        )
    if quota_share is not None and not Decimal(0) <= quota_share <= Decimal(1):
        raise ValidationError("“好”等次比例上限须在0至1之间（例如0.3表示30%）。")
    for grade, value in zip(GRADE_ORDER, values, strict=True):
        GradeThreshold.objects.update_or_create(
            scheme=scheme, grade=grade, defaults={"min_score": value}
        )
    scheme.excellent_quota_share = quota_share
    scheme.excellent_quota_count = quota_count
    _bump(scheme, by=by, reason="调整等次分数线和名额")


def scheme_problems(scheme: AssessmentScheme) -> list[str]:
    """Everything that keeps a scheme from being used for a run (three queries)."""
    indicators = list(scheme.indicators.select_related("parent"))
    problems = weight_problems(indicators)
    for indicator in indicators:
        problems.extend(f"“{indicator.name}”：{m}" for m in indicator_problems(indicator).values())
    thresholds = dict(scheme.thresholds.values_list("grade", "min_score"))
    if set(thresholds) != set(Grade.values):
        problems.append("尚未设定全部等次的分数线。")
    return problems
