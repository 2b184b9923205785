"""The teacher pool (师资库) and the course menu (课程菜单), league-wide: every signed-in user
sees the whole pool."""

from django.db.models import Count

from alxa_dangjian.ledgers.params import LedgerForm, PersonalDataLedgerForm
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models.members import mask_phone

from ..models import Course, CourseForm, Teacher

_FORM = dict(CourseForm.choices)
_SOURCE = dict(Teacher.Source.choices)
_TEACHER_STATUS = dict(Teacher.Status.choices)


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
