"""Forms of an organisation's own records: terms (and the term-length rule), committee seats,
party groups and served units."""

import datetime

from django import forms
from django.core.exceptions import ValidationError

from alxa_dangjian.accounts import scoping
from alxa_dangjian.core import rules
from alxa_dangjian.core.forms import DATE_WIDGET

from ..models import (
    CommitteeSeat,
    Member,
    Organization,
    PartyGroup,
    Term,
    TermLengthRule,
)
from .layout import submit_helper

TERM_FIELDS = ["elected_on", "length_years", "adjusted_end", "adjustment_approval_no", "note"]
TERM_WIDGETS = {"elected_on": DATE_WIDGET, "adjusted_end": DATE_WIDGET, "actual_end": DATE_WIDGET}
ADJUSTMENT_HELP = (
    "经上级党组织批准提前或延期换届的，填写批准的届满日期（一般不超过1年）及批复文号。"
)


class TermLengthRuleForm(forms.ModelForm):
    """A dated term-length row, set by the work committee (with a reason for the history)."""

    change_reason = rules.reason_field()
    years = forms.IntegerField(label="任期（年）", min_value=1, max_value=10)

    class Meta:
        model = TermLengthRule
        fields = ["organization_type", "effective_from", "years", "basis"]
        widgets = {"effective_from": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization_type"].choices = [
            (t.value, t.label)
            for t in Organization.Type
            if t not in (Organization.Type.WORK_COMMITTEE, Organization.Type.TEMPORARY_BRANCH)
        ]
        self.helper = submit_helper("保存")


class ElectionForm(forms.ModelForm):
    """换届选举: the next term, its length defaulting to the rule for the organisation type."""

    class Meta:
        model = Term
        fields = ["number", *TERM_FIELDS]
        widgets = TERM_WIDGETS

    def __init__(self, *args, organization: Organization, next_number: int, **kwargs):
        kwargs["initial"] = {"number": next_number}
        super().__init__(*args, instance=Term(organization=organization), **kwargs)
        # The rule depends on the election day (党章 2022 修正案), so it is applied on save.
        self.fields["length_years"].required = False
        self.fields["length_years"].help_text = (
            "留空则按选举日期施行的任期规则计算（2022年10月22日及以后选举的为5年）；"
            "应届满日期自动计算。"
        )
        self.fields["adjusted_end"].help_text = ADJUSTMENT_HELP
        self.helper = submit_helper("登记换届")


class TermForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = [*TERM_FIELDS, "actual_end"]
        widgets = TERM_WIDGETS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_current:
            del self.fields["actual_end"]  # a current term ends only by record_election
        else:
            self.fields["actual_end"].required = True
        self.fields["adjusted_end"].help_text = ADJUSTMENT_HELP
        self.helper = submit_helper()


class CommitteeSeatForm(forms.ModelForm):
    class Meta:
        model = CommitteeSeat
        fields = ["member", "post", "started_on"]
        widgets = {"started_on": DATE_WIDGET}

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, instance=CommitteeSeat(organization=organization), **kwargs)
        member = self.fields["member"]
        member.queryset = (
            Member.objects.in_good_standing()
            .filter(scoping.subtree_q(organization.seat_scope_path()))
            .select_related("organization")
            .order_by("organization__path", "name")
        )
        # Probationary members stay listed, marked, so that choosing one gets the model's
        # reason (党章第七条) rather than a bare "invalid choice".
        if organization.takes_members:
            member.label_from_instance = lambda m: m.name + _probationary_mark(m)
        else:
            member.label_from_instance = lambda m: (
                f"{m.name}（{m.organization.display_name}）{_probationary_mark(m)}"
            )
        member.empty_label = "请选择党员"
        self.helper = submit_helper()


def _probationary_mark(member: Member) -> str:
    return "（预备党员）" if member.status == Member.Status.PROBATIONARY else ""


class SeatEndForm(forms.Form):
    ended_on = forms.DateField(label="离任日期", widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = datetime.date.today
        self.helper = submit_helper("办理离任")


class PartyGroupForm(forms.ModelForm):
    class Meta:
        model = PartyGroup
        fields = ["name", "leader"]

    def __init__(self, *args, organization: Organization, **kwargs):
        kwargs.setdefault("instance", PartyGroup(organization=organization))
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = Member.objects.in_good_standing().filter(
            organization=organization
        )
        self.fields["leader"].empty_label = "暂未确定"
        self.helper = submit_helper()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        groups = PartyGroup.objects.filter(organization=self.instance.organization, name=name)
        if groups.exclude(pk=self.instance.pk).exists():
            raise ValidationError("本支部已有同名的党小组。")
        return name


class ServedUnitForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=100)
