"""Forms of the year-end assessment pages. They only parse input; the rules are in services."""

from decimal import Decimal

from django import forms

from alxa_dangjian.ledgers.params import OrganizationChoiceField
from branches.models import Organization

from .. import indicators as registry
from ..models import Grade, Indicator, Target

YEAR_ERRORS = {
    "invalid": "年份须为整数，例如 2025。",
    "min_value": "年份须在 2000 至 2100 之间。",
    "max_value": "年份须在 2000 至 2100 之间。",
    "required": "请填写年度。",
}


def _year_field(**kwargs):
    return forms.IntegerField(
        label="年度", min_value=2000, max_value=2100, error_messages=YEAR_ERRORS, **kwargs
    )


def _scoped_organizations(field, user, queryset=None):
    queryset = queryset if queryset is not None else Organization.objects.all()
    field.queryset = queryset.visible_to(user).active().order_by("path")
    field.base_depth = user.organization.depth if user.organization_id else 0


class StartRunForm(forms.Form):
    year = _year_field()
    target = forms.ChoiceField(label="考核对象", choices=Target.choices)
    scope = OrganizationChoiceField(
        label="范围",
        queryset=Organization.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "所选党组织不存在或不在您的管理范围内。"},
    )
    current_rules = forms.BooleanField(
        label="按现行规则重新计算",
        required=False,
        help_text=(
            "已结束的年度再次计算时，默认沿用该年度上次计算所用的规则版本，以重现其结果；"
            "勾选后改按今天的规则计算，结果可能与上次不同。"
        ),
    )
    # Set by the confirmation step that states what applying today's rules means.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _scoped_organizations(
            self.fields["scope"],
            user,
            Organization.objects.exclude(type__in=Organization.BRANCH_TYPES),
        )


class ScoreForm(forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.CharField(label="得分", max_length=12)
    reason = forms.CharField(label="理由", max_length=300)


class VoteForm(forms.Form):
    excellent = forms.IntegerField(label="好", min_value=0, initial=0)
    good = forms.IntegerField(label="较好", min_value=0, initial=0)
    fair = forms.IntegerField(label="一般", min_value=0, initial=0)
    poor = forms.IntegerField(label="差", min_value=0, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["min_value"] = "票数不能为负数。"
            field.error_messages["invalid"] = "票数须为整数。"
            field.error_messages["required"] = "请填写票数（没有则填0）。"


class GradingForm(forms.Form):
    excellent = forms.DecimalField(label="“好”最低分", max_digits=6, decimal_places=2)
    good = forms.DecimalField(label="“较好”最低分", max_digits=6, decimal_places=2)
    fair = forms.DecimalField(label="“一般”最低分", max_digits=6, decimal_places=2)
    poor = forms.DecimalField(label="“差”最低分", max_digits=6, decimal_places=2)
    quota_share = forms.DecimalField(
        label="“好”等次比例上限",
        max_digits=4,
        decimal_places=3,
        required=False,
        help_text="0至1之间，如0.3表示不超过30%；不限则留空。",
    )
    quota_count = forms.IntegerField(label="“好”等次名额上限", min_value=0, required=False)

    def thresholds(self) -> dict[str, Decimal]:
        return {grade: self.cleaned_data[grade] for grade in Grade.values}


class IndicatorForm(forms.ModelForm):
    auto_code = forms.ChoiceField(label="自动指标", required=False)

    class Meta:
        model = Indicator
        fields = ["parent", "name", "kind", "auto_code", "weight", "max_score", "cap", "sort_order"]

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = scheme.indicators.filter(kind=Indicator.Kind.GROUP)
        self.fields["auto_code"].choices = [("", "（非自动指标）"), *registry.choices()]


class DutyReportForm(forms.Form):
    organization = OrganizationChoiceField(
        label="党组织",
        queryset=Organization.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "所选党组织不存在或不在您的管理范围内。"},
    )
    year = _year_field()
    file = forms.FileField(label="述职报告", error_messages={"required": "请选择述职报告文件。"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _scoped_organizations(self.fields["organization"], user)


class QueueFilterForm(forms.Form):
    year = _year_field(required=False)
    status = forms.CharField(required=False)


class PublicationConfirmForm(forms.Form):
    """The explicit "I have read the counts" of a freeze or publish confirmation."""

    confirm = forms.BooleanField(required=True)

    def __init__(self, *args, label: str, refusal: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = label
        self.fields["confirm"].error_messages["required"] = refusal


class QuotaTieForm(forms.Form):
    """Which of the organisations tied at the 好 quota line get the remaining places."""

    chosen = forms.TypedMultipleChoiceField(
        label="评为“好”的党组织",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "请选定评为“好”的党组织。",
            "invalid_choice": "所选党组织不在并列名单中。",
        },
    )
    reason = forms.CharField(
        label="决定理由",
        max_length=300,
        error_messages={"required": "请填写决定理由。"},
    )

    def __init__(self, *args, tied, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chosen"].choices = [(o.pk, o.name) for o in tied]
