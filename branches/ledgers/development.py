"""发展党员台账: every development case with the date of each step, scoped with
`visible_to(user)`."""

from django import forms
from django.db.models import Max, Q

from alxa_dangjian.core.idnumber import mask_id_number
from alxa_dangjian.ledgers.params import (
    PersonalDataLedgerForm,
    in_chosen_subtree,
)
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column

from ..models import STEP_ORDER, DevelopmentCase, Member, Stage, Step


class DevelopmentForm(PersonalDataLedgerForm):
    stage = forms.ChoiceField(
        label="所处阶段", choices=[("", "全部"), *Stage.choices], required=False
    )
    include_closed = forms.BooleanField(label="包括已终止的发展对象", required=False)


_STAGE = dict(Stage.choices)
_GENDER = dict(Member.Gender.choices)
_EDUCATION = dict(Member.Education.choices)


def development_queryset(user, options):
    cases = in_chosen_subtree(DevelopmentCase.objects.visible_to(user), options)
    if options.get("stage"):
        cases = cases.filter(stage=options["stage"])
    if not options.get("include_closed"):
        cases = cases.filter(is_closed=False)
    # One column per step, pivoted by conditional aggregation: one query at any size.
    step_dates = {
        f"step_{step}": Max("steps__done_on", filter=Q(steps__step=step)) for step in STEP_ORDER
    }
    return (
        cases.annotate(**step_dates)
        .order_by("organization__path", "name", "pk")
        .values_list(
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "id_number",
            "education",
            "unit",
            "organization__name",
            "stage",
            "is_closed",
            *step_dates,
        )
    )


def development_row(case, context):
    name, gender, ethnicity, birth_date, id_number, education, unit, branch, stage, closed = case[
        :10
    ]
    return (
        name,
        _GENDER.get(gender, gender),
        ethnicity,
        birth_date,
        id_number if context.full_personal_data else mask_id_number(id_number),
        _EDUCATION.get(education, education),
        unit,
        branch,
        _STAGE.get(stage, stage),
        "已终止" if closed else "进行中",
        *case[10:],
    )


development = register(
    Ledger(
        code="development",
        title="发展党员台账",
        description="每名发展对象的所处阶段和各步骤日期。",
        columns=(
            Column("姓名", 10),
            Column("性别", 6),
            Column("民族", 8),
            Column("出生日期", 12, "date"),
            Column("公民身份号码", 21),
            Column("学历", 10),
            Column("工作单位及职务", 20),
            Column("所在党支部", 24),
            Column("所处阶段", 12),
            Column("状态", 8),
            *(Column(label, 13, "date") for label in Step.labels),
        ),
        queryset=development_queryset,
        row=development_row,
        params_form=DevelopmentForm,
    )
)
