"""The teacher pool (师资库) and the course menu: everyone reads, the work committee edits."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from alxa_dangjian.accounts import scoping
from alxa_dangjian.core import params

from ..forms.teachers import CourseForm, TeacherForm
from ..models import Course, Teacher
from ..models import CourseForm as Form
from . import require_league_editor

PAGE_SIZE = 30


@require_GET
def teacher_list(request):
    teachers = (
        Teacher.objects.search(params.text(request, "q"))
        .annotate(course_count=Count("courses"))
        .order_by("name", "pk")
    )
    status = request.GET.get("status", "")
    if status in Teacher.Status.values:
        teachers = teachers.filter(status=status)
    elif not scoping.is_work_committee(request.user):
        teachers = teachers.approved()
    page = Paginator(teachers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/teacher_list.html",
        {
            "page": page,
            "q": request.GET.get("q", ""),
            "status": status,
            "statuses": Teacher.Status.choices,
            "may_edit": scoping.is_work_committee(request.user),
        },
    )


@require_GET
def teacher_detail(request, pk):
    teacher = get_object_or_404(Teacher, pk=pk)
    return render(
        request,
        "training/teacher_detail.html",
        {
            "teacher": teacher,
            "courses": teacher.courses.all(),
            "may_edit": scoping.is_work_committee(request.user),
        },
    )


def _teacher_form(request, teacher, title):
    form = TeacherForm(request.POST or None, instance=teacher, user=request.user)
    if request.method == "POST" and form.is_valid():
        teacher = form.save()
        messages.success(request, f"已保存教师“{teacher.name}”。")
        return redirect(teacher)
    return render(
        request,
        "training/form_page.html",
        {"form": form, "title": title, "back": reverse("training:teacher-list")},
    )


@require_http_methods(["GET", "POST"])
def teacher_create(request):
    require_league_editor(request.user)
    return _teacher_form(request, Teacher(), "登记教师")


@require_http_methods(["GET", "POST"])
def teacher_edit(request, pk):
    require_league_editor(request.user)
    return _teacher_form(request, get_object_or_404(Teacher, pk=pk), "修改教师信息")


@require_GET
def course_list(request):
    """The menu (菜单): courses on offer, by form; branches order from here."""
    courses = Course.objects.select_related("teacher")
    if not (may_edit := scoping.is_work_committee(request.user)):
        courses = courses.active()
    form = request.GET.get("form", "")
    if form in Form.values:
        courses = courses.filter(form=form)
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/course_list.html",
        {"page": page, "form_filter": form, "forms": Form.choices, "may_edit": may_edit},
    )


@require_GET
def course_detail(request, pk):
    course = get_object_or_404(Course.objects.select_related("teacher"), pk=pk)
    return render(
        request,
        "training/course_detail.html",
        {"course": course, "may_edit": scoping.is_work_committee(request.user)},
    )


def _course_form(request, course, title):
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        course = form.save()
        messages.success(request, f"已保存课程“{course.title}”。")
        return redirect(course)
    return render(
        request,
        "training/form_page.html",
        {"form": form, "title": title, "back": reverse("training:course-list")},
    )


@require_http_methods(["GET", "POST"])
def course_create(request):
    require_league_editor(request.user)
    return _course_form(request, Course(), "新增课程")


@require_http_methods(["GET", "POST"])
def course_edit(request, pk):
    require_league_editor(request.user)
    return _course_form(request, get_object_or_404(Course, pk=pk), "修改课程")


urlpatterns = [
    path("teachers/", teacher_list, name="teacher-list"),
    path("teachers/new/", teacher_create, name="teacher-create"),
    path("teachers/<int:pk>/", teacher_detail, name="teacher-detail"),
    path("teachers/<int:pk>/edit/", teacher_edit, name="teacher-edit"),
    path("courses/", course_list, name="course-list"),
    path("courses/new/", course_create, name="course-create"),
    path("courses/<int:pk>/", course_detail, name="course-detail"),
    path("courses/<int:pk>/edit/", course_edit, name="course-edit"),
]
