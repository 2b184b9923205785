"""Ledgers of cadre training: 培训台账, 学时统计 per branch and per person, the teacher pool and
the course menu, all through the one export mechanism (alxa_dangjian.ledgers).

Every queryset is scoped (`visible_to`) and shaped into `values_list` rows with joins,
annotations and subqueries, so an export runs a fixed number of queries at any size.
"""

from decimal import Decimal

from django import forms
from django.db.models import Count, Q, Sum

from alxa_dangjian.ledgers.params import (
    LedgerForm,
    PersonalDataLedgerForm,
    YearLedgerForm,
    in_chosen_subtree,
)
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models import Member, Organization
from branches.models.members import mask_phone

from . import stats
from .models import (
    Audience,
    Course,
    CourseForm,
    HourRule,
    SchemeComponent,
    Teacher,
    TrainingClass,
)
from .progress import with_progress

_KIND = dict(TrainingClass.Kind.choices)
_UNIT = dict(SchemeComponent.Unit.choices)
_FORM = dict(CourseForm.choices)
_SOURCE = dict(Teacher.Source.choices)
_TEACHER_STATUS = dict(Teacher.Status.choices)
YES, NO = "是", "否"


# --- 培训台账 -------------------------------------------------------------------------------


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


# --- 学时统计（按党支部） -------------------------------------------------------------------


def _rule_text(year: int) -> str:
    minimums = HourRule.objects.minimums_for(year)
    everyone = minimums.get(Audience.ALL_MEMBERS, 0)
    committee = minimums.get(Audience.COMMITTEE, everyone)
    return f"党员{everyone}／支委{committee}"


def branch_hours_prepare(user, options):
    members = in_chosen_subtree(Member.objects.visible_to(user).in_good_standing(), options)
    return {
        "tallies": stats.rollup(stats.hour_tallies(options["year"], members)),
        "rule": _rule_text(options["year"]),
    }


def branch_hours_queryset(user, options):
    branches = in_chosen_subtree(Organization.objects.visible_to(user), options, "path")
    return (
        branches.branches()
        .filter(is_active=True)
        .order_by("path")
        .values_list("path", "name", "parent__name")
    )


def branch_hours_row(item, context):
    path, name, parent = item
    tally = context.data["tallies"].get(path) or stats.Tally()
    return (
        name,
        parent,
        context.data["rule"],
        tally.members,
        tally.met,
        tally.behind,
        tally.percent,
        tally.hours,
        tally.average_hours,
    )


register(
    Ledger(
        code="training-hours-branches",
        title="学时统计（按党支部）",
        description="各党支部党员的年度学时达标情况：人数、已达标、未达标、达标率和人均学时。",
        columns=(
            Column("党支部", 28),
            Column("上级党组织", 24),
            Column("学时要求", 14),
            Column("党员人数", 9, "int"),
            Column("已达标", 8, "int"),
            Column("未达标", 8, "int"),
            Column("达标率（%）", 10, "int"),
            Column("学时合计", 10, "decimal"),
            Column("人均学时", 10, "decimal"),
        ),
        queryset=branch_hours_queryset,
        row=branch_hours_row,
        params_form=YearLedgerForm,
        prepare=branch_hours_prepare,
    )
)


# --- 学时统计（按人员） ---------------------------------------------------------------------


def member_hours_queryset(user, options):
    members = in_chosen_subtree(Member.objects.visible_to(user).in_good_standing(), options)
    return (
        with_progress(options["year"], members)
        .order_by("organization__path", "name", "pk")
        .values_list(
            "name",
            "organization__name",
            "is_committee_member",
            "required_hours",
            "training_hours",
            "hours_short",
        )
    )


def member_hours_row(item, context):
    name, branch, is_committee, required, hours, short = item
    return (
        name,
        branch,
        "书记和支委" if is_committee else "党员",
        required,
        hours,
        short,
        YES if short <= 0 else NO,
    )


register(
    Ledger(
        code="training-hours-members",
        title="学时统计（按人员）",
        description="每名党员的年度学时、适用的学时要求（党员32、书记和支委56）和是否达标。",
        columns=(
            Column("姓名", 10),
            Column("所在党支部", 28),
            Column("身份", 11),
            Column("学时要求", 9, "int"),
            Column("已获学时", 9, "decimal"),
            Column("还差学时", 9, "decimal"),
            Column("是否达标", 9),
        ),
        queryset=member_hours_queryset,
        row=member_hours_row,
        params_form=YearLedgerForm,
    )
)


# --- 师资库 / 课程菜单 (league-wide: every signed-in user sees the whole pool) ---------------


def teacher_queryset(user, options):
    return (
        Teacher.objects.annotate(course_count=Count("courses"))
        .order_by("name", "pk")
        .values_list("name", "unit", "source", "topics", "phone", "status", "course_count", "note")
    )


def teacher_row(item, context):
    name, unit, source, topics, phone, status, course_count, note = item
    return (
        name,
        unit,
        _SOURCE.get(source, source),
        topics,
        phone if context.full_personal_data else mask_phone(phone),
        _TEACHER_STATUS.get(status, status),
        course_count,
        note,
    )


register(
    Ledger(
        code="training-teachers",
        title="师资库",
        description="工委师资库的全部教师：来源、工作单位、擅长专题、状态和授课课程数；电话默认隐去部分数字。",
        columns=(
            Column("姓名", 10),
            Column("工作单位", 24),
            Column("来源", 10),
            Column("擅长专题", 30),
            Column("联系电话", 13),
            Column("状态", 8),
            Column("授课课程数", 10, "int"),
            Column("备注", 20),
        ),
        queryset=teacher_queryset,
        row=teacher_row,
        params_form=PersonalDataLedgerForm,
    )
)


def course_queryset(user, options):
    return (
        Course.objects.annotate(order_count=Count("orders"))
        .order_by("title", "pk")
        .values_list(
            "title",
            "form",
            "hours",
            "teacher__name",
            "teacher__unit",
            "description",
            "is_active",
            "order_count",
        )
    )


def course_row(item, context):
    title, form, hours, teacher, unit, description, is_active, order_count = item
    return (
        title,
        _FORM.get(form, form),
        hours,
        teacher or "",
        unit or "",
        description,
        "上架" if is_active else "下架",
        order_count,
    )


register(
    Ledger(
        code="training-courses",
        title="课程菜单",
        description="可供党支部点菜的课程：课程形式、学时、授课教师、简介和被点单次数。",
        columns=(
            Column("课程名称", 26),
            Column("课程形式", 10),
            Column("学时", 7, "decimal"),
            Column("授课教师", 10),
            Column("教师单位", 20),
            Column("课程简介", 40),
            Column("状态", 7),
            Column("点单次数", 9, "int"),
        ),
        queryset=course_queryset,
        row=course_row,
        params_form=LedgerForm,
    )
)
