"""最强党支部 ledgers: the 名单 of a round's titles and the scoring sheet of one application
(alxa_dangjian.ledgers). Imported by branches/ledgers/__init__.py so the registry finds
them."""

from django import forms
from django.db.models import Count

from alxa_dangjian.core.numbers import SCORE_FORMAT, as_score
from alxa_dangjian.ledgers.params import LedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column

from ..models import (
    Level,
    Organization,
    RatingApplication,
    RatingItemScore,
    RatingRound,
    RatingStandard,
    RatingTitle,
    Scope,
)
from ..rating_stats import rank_of

# --- 最强党支部名单 ----------------------------------------------------------------------------


class RoundChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class TitleListForm(LedgerForm):
    """A round (its year and scope), or a year and scope given directly; one level or all."""

    round = RoundChoiceField(
        label="评定轮次",
        queryset=RatingRound.objects.order_by("-year", "scope", "pk"),
        required=False,
        empty_label="按下方年度和范围",
        error_messages={"invalid_choice": "所选评定轮次不存在。"},
    )
    year = forms.IntegerField(
        label="命名年度",
        min_value=2000,
        max_value=2100,
        required=False,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value"), "年度须为2000至2100之间的整数。"
        ),
    )
    scope = forms.ChoiceField(
        label="层级范围", choices=[("", "全部范围"), *Scope.choices], required=False
    )
    level = forms.ChoiceField(
        label="等次", choices=[("", "全部等次"), *Level.choices], required=False
    )

    def clean(self):
        cleaned = super().clean()
        round = cleaned.get("round")
        if round is not None:
            cleaned["year"], cleaned["scope"] = round.year, round.scope
        elif not cleaned.get("year") and not self.has_error("year"):
            raise forms.ValidationError("请选择评定轮次，或填写命名年度。")
        return cleaned


def title_queryset(user, options):
    titles = in_chosen_subtree(RatingTitle.objects.visible_to(user), options).filter(
        year=options["year"]
    )
    if options.get("scope"):
        titles = titles.filter(scope=options["scope"])
    if options.get("level"):
        titles = titles.filter(level=options["level"])
    # Up the ladder: 示范基地 first, then 示范点, then 最强党支部; in the order of the tree.
    return (
        titles.annotate(rank=rank_of())
        .order_by("scope", "-rank", "organization__path", "pk")
        .values_list(
            "organization__name",
            "organization__parent__name",
            "organization__category",
            "level",
            "scope",
            "year",
            "awarded_on",
            "withdrawn_on",
            "withdrawal_reason",
        )
    )


_CATEGORY = dict(Organization.Category.choices)
_LEVEL = dict(Level.choices)
_SCOPE = dict(Scope.choices)


def title_row(item, context):
    name, parent, category, level, scope, year, awarded, withdrawn, reason = item
    return (
        name,
        parent or "",
        _CATEGORY.get(category, category),
        _LEVEL.get(level, level),
        _SCOPE.get(scope, scope),
        year,
        awarded,
        "已摘牌" if withdrawn else "有效",
        withdrawn,
        reason,
    )


title_list = register(
    Ledger(
        code="rating-titles",
        title="“最强党支部”名单",
        description="某一评定轮次（年度和范围）命名的党支部，可按等次筛选；已摘牌的注明日期和理由。",
        columns=(
            Column("党支部", 30),
            Column("上级党组织", 26),
            Column("分类指导类别", 16),
            Column("等次", 12),
            Column("层级范围", 10),
            Column("命名年度", 8, "int"),
            Column("命名日期", 12, "date"),
            Column("状态", 8),
            Column("摘牌日期", 12, "date"),
            Column("摘牌理由", 30),
        ),
        queryset=title_queryset,
        row=title_row,
        params_form=TitleListForm,
    )
)


# --- 评分表 ------------------------------------------------------------------------------------


class ApplicationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.round.year}年 {obj.organization.display_name} {obj.get_level_display()}"


class ScoreSheetForm(LedgerForm):
    application = ApplicationChoiceField(
        label="申报",
        queryset=RatingApplication.objects.none(),
        error_messages={
            "required": "请选择申报。",
            "invalid_choice": "所选申报不存在或不在您的管理范围内。",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = (
            RatingApplication.objects.visible_to(self.user)
            .select_related("round", "organization")
            .order_by("-round__year", "organization__path", "level", "pk")
        )

    @property
    def names_foreign_organization(self) -> bool:
        # An application of another subtree is answered like an organisation of one: 404.
        return super().names_foreign_organization or self.has_error("application", "invalid_choice")


_ASPECT = dict(RatingStandard.Aspect.choices)
_FIVE_STRONG = dict(RatingStandard.FiveStrong.choices)
_METHOD = dict(RatingStandard.Method.choices)


def score_queryset(user, options):
    items = RatingItemScore.objects.visible_to(user).filter(application=options["application"])
    return (
        in_chosen_subtree(items, options, "application__organization__path")
        .annotate(evidence_count=Count("evidence"))
        .order_by("standard__aspect", "standard__sort_order", "standard__code", "pk")
        .values_list(
            "standard__code",
            "standard__aspect",
            "standard__five_strong",
            "standard__text",
            "standard__method",
            "standard__max_score",
            "self_score",
            "self_note",
            "review_score",
            "review_comment",
            "evidence_count",
        )
    )


def score_row(item, context):
    code, aspect, five_strong, text, method, max_score, self_score, *notes = item
    self_note, review_score, review_comment, evidence_count = notes
    return (
        code,
        _ASPECT.get(aspect, aspect),
        _FIVE_STRONG.get(five_strong, five_strong),
        text,
        _METHOD.get(method, method),
        as_score(max_score),
        as_score(self_score),
        self_note,
        as_score(review_score),
        review_comment,
        evidence_count,
    )


score_sheet = register(
    Ledger(
        code="rating-score-sheet",
        title="“最强党支部”评分表",
        description="一份申报的逐项自评分、审核得分和意见，以及各项佐证材料数量。",
        columns=(
            Column("编号", 8),
            Column("方面", 10),
            Column("五强", 12),
            Column("标准内容", 44),
            Column("计分方式", 16),
            Column("分值", 8, "decimal", SCORE_FORMAT),
            Column("自评分", 8, "decimal", SCORE_FORMAT),
            Column("自评说明", 24),
            Column("审核得分", 8, "decimal", SCORE_FORMAT),
            Column("审核意见", 24),
            Column("佐证材料数", 8, "int"),
        ),
        queryset=score_queryset,
        row=score_row,
        params_form=ScoreSheetForm,
    )
)
