"""The 培训台账: every class of the chosen year in the user's scope, with its component, timetable
and attendance totals."""

from decimal import Decimal

from django import forms
from django.db.models import Count, Q, Sum

from alxa_dangjian.ledgers.params import YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column

from ..models import CourseForm, SchemeComponent, TrainingClass

_KIND = dict(TrainingClass.Kind.choices)
_UNIT = dict(SchemeComponent.Unit.choices)
_FORM = dict(CourseForm.choices)


class ClassLedgerForm(YearLedgerForm):
    kind = forms.ChoiceField(
        label="类型", choices=[("", "全部类型"), *TrainingClass.Kind.choices], required=False
    )


def class_queryset(user, options):
    classes = in_chosen_subtree(TrainingClass.objects.visible_to(user), options).filter(
        starts_on__year=options["year"]
    )
    if options.get("kind"):
        classes = classes.filter(kind=options["kind"])
    signed = Q(enrollments__signed_in=True)
    return (
        classes.annotate(
            enrolled=Count("enrollments"),
            person_times=Count("enrollments", filter=signed),
            hours=Sum("enrollments__hours_earned", filter=signed),
        )
        .order_by("starts_on", "pk")
        .values_list(
            "pk",
            "title",
            "kind",
            "organization__name",
            "starts_on",
            "ends_on",
            "component__quantity",
            "component__unit",
            "component__course_form",
            "location",
            "length_hours",
            "enrolled",
            "person_times",
            "hours",
            "cost",
        )
    )


def class_row(item, context):
    (
        pk,
        title,
        kind,
        organization,
        starts_on,
        ends_on,
        quantity,
        unit,
        course_form,
        location,
        length_hours,
        enrolled,
        person_times,
        hours,
        cost,
    ) = item
    component = ""
    if unit:
        component = f"{'N' if quantity is None else quantity}{_UNIT[unit]}{_FORM[course_form]}"
    return (
        pk,
        title,
        _KIND.get(kind, kind),
        organization,
        starts_on,
        ends_on,
        component,
        location,
        length_hours,
        enrolled,
        person_times,
        hours or Decimal(0),
        cost,
    )


register(
    Ledger(
        code="training-classes",
        title="培训台账",
        description="一年内的培训班：日期、计入的培训模式组成、报名与参训人次、学时和经费。",
        columns=(
            Column("编号", 7, "int"),
            Column("培训班", 28),
            Column("类型", 11),
            Column("主办党组织", 24),
            Column("开始日期", 12, "date"),
            Column("结束日期", 12, "date"),
            Column("计入培训模式组成", 18),
            Column("地点", 16),
            Column("班次总学时", 10, "decimal"),
            Column("报名人数", 9, "int"),
            Column("参训人次", 9, "int"),
            Column("累计学时", 10, "decimal"),
            Column("经费（元）", 12, "decimal"),
        ),
        queryset=class_queryset,
        row=class_row,
        params_form=ClassLedgerForm,
    )
)
