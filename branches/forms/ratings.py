"""Forms of the 最强党支部 pages. Rules stay in branches/rules/ratings.py and the
writes in branches/services/; these only read input."""

from django import forms

from alxa_dangjian.core.forms import DATE_WIDGET, MultipleFileField

from ..models import Level, RatingRound, RatingStandard


class _YearInRange:
    """A model form's `year` between 2000 and 2100 (rounds and standards alike)."""

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError("请填写2000至2100之间的年度。")
        return year


class RatingRoundForm(_YearInRange, forms.ModelForm):
    class Meta:
        model = RatingRound
        fields = [
            "year",
            "scope",
            "title",
            "apply_opens_on",
            "apply_closes_on",
            "recommend_closes_on",
            "review_closes_on",
            "publicity_starts_on",
            "publicity_ends_on",
            "target_share",
            "status",
        ]
        widgets = {
            name: DATE_WIDGET
            for name in (
                "apply_opens_on",
                "apply_closes_on",
                "recommend_closes_on",
                "review_closes_on",
                "publicity_starts_on",
                "publicity_ends_on",
            )
        }
        help_texts = {
            "title": "留空则显示为“某年度某范围‘最强党支部’评定”。",
            "target_share": "“最强党支部”占在册党支部（不含临时党支部）的目标比例。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs.update(min=2000, max=2100)
        self.fields["target_share"].widget.attrs.update(min=0, max=100)

    def clean_target_share(self):
        share = self.cleaned_data["target_share"]
        if not 0 <= share <= 100:
            raise forms.ValidationError("目标占比应在0至100之间。")
        return share


class RatingStandardForm(_YearInRange, forms.ModelForm):
    class Meta:
        model = RatingStandard
        fields = [
            "year",
            "code",
            "category",
            "aspect",
            "five_strong",
            "text",
            "method",
            "max_score",
            "evidence_required",
            "sort_order",
            "is_sample",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "evidence_required": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_max_score(self):
        score = self.cleaned_data["max_score"]
        if score <= 0:
            raise forms.ValidationError("分值须大于0（扣分制填写最多扣分）。")
        return score


class ApplyForm(forms.Form):
    round = forms.ModelChoiceField(
        label="评定轮次", queryset=RatingRound.objects.filter(status=RatingRound.Status.OPEN)
    )
    level = forms.ChoiceField(label="申报等次", choices=Level.choices)


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label="意见", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label="摘牌日期", widget=DATE_WIDGET)
    withdrawal_reason = forms.CharField(
        label="摘牌理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceForm(forms.Form):
    files = MultipleFileField(label="佐证材料")
