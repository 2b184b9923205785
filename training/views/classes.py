"""Training classes: the list, the class page (timetable, enrolment, sign-in), and the writes
behind its forms. Sign-in sheets in Excel go through the ledger import
(training/imports/sign_ins.py)."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from alxa_dangjian.core.forms import add_service_error
from alxa_dangjian.core.history import changes
from branches.models import Member, Organization

from ..forms.classes import EnrollForm, SessionForm, TrainingClassForm
from ..hours import parse_duration
from ..imports.sign_ins import SignInImporter
from ..models import ClassSession, Enrollment, HourCounting, TrainingClass
from ..services.classes import (
    SignIn,
    add_session,
    create_class,
    enroll,
    may_manage_class,
    record_sign_ins,
    remove_session,
    update_class,
    withdraw,
)
from .progress import selected_organization

PAGE_SIZE = 30


def _class(request, pk, *, manage=False):
    training_class = get_visible_or_404(
        TrainingClass.objects.select_related("organization", "component__scheme"),
        request.user,
        pk=pk,
    )
    if manage and not may_manage_class(request.user, training_class):
        raise PermissionDenied("您无权管理该培训班。")
    return training_class


def _year(request) -> int | None:
    return params.year(request)


@require_GET
def trainingclass_list(request):
    classes = (
        TrainingClass.objects.visible_to(request.user)
        .select_related("organization", "component")
        .with_counts()
    )
    if request.GET.get("organization"):
        # Classes hosted in an organisation's subtree: the profile's 举办培训班 figure.
        classes = scoping.within(classes, selected_organization(request))
    year = _year(request)
    if year:
        classes = classes.in_year(year)
    kind = request.GET.get("kind", "")
    if kind in TrainingClass.Kind.values:
        classes = classes.filter(kind=kind)
    month = params.integer(request, "month", low=1, high=12)
    if year and month:
        classes = classes.filter(starts_on__month=month)  # the statistics' month links
    page = Paginator(classes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/trainingclass_list.html",
        {
            "page": page,
            "year": year,
            "kind": kind,
            "kinds": TrainingClass.Kind.choices,
            "may_create": request.user.may(roles.EDIT_RECORDS),
        },
    )


def _class_organizations(user):
    return Organization.objects.visible_to(user).active().order_by("path")


@require_http_methods(["GET", "POST"])
def trainingclass_create(request):
    roles.require(request.user, roles.EDIT_RECORDS)
    organizations = _class_organizations(request.user)
    form = TrainingClassForm(
        request.POST or None,
        organizations=organizations,
        initial={"organization": request.user.organization},
    )
    if request.method == "POST" and form.is_valid():
        try:
            training_class = create_class(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "已创建培训班，请添加课程安排。")
            return redirect(training_class)
    return render(
        request,
        "training/form_page.html",
        {"form": form, "title": "新建培训班", "back": reverse("training:trainingclass-list")},
    )


@require_http_methods(["GET", "POST"])
def trainingclass_edit(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    training_class = _class(request, pk, manage=True)
    form = TrainingClassForm(
        request.POST or None,
        instance=training_class,
        organizations=_class_organizations(request.user),
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        training_class.refresh_from_db()
        try:
            update_class(training_class, by=request.user, **fields)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "已保存。")
            return redirect(training_class)
    return render(
        request,
        "training/form_page.html",
        {
            "form": form,
            "title": f"修改培训班：{training_class.title}",
            "back": training_class.get_absolute_url(),
        },
    )


def _branch_choice(request, training_class):
    """Whose members the enrolment form lists: the class's own organisation when it is a
    branch, else a branch of its subtree chosen with ?branch= (404 outside the subtree)."""
    branches = (
        Organization.objects.visible_to(request.user)
        .subtree(training_class.organization)
        .active()
        .branches()
        .order_by("path")
    )
    chosen = params.pk(request, "branch")
    if training_class.organization.is_branch:
        return branches, training_class.organization
    if chosen:
        return branches, get_visible_or_404(branches, request.user, pk=chosen)
    return branches, None


@require_GET
def trainingclass_detail(request, pk):
    training_class = _class(request, pk)
    may_manage = may_manage_class(request.user, training_class)
    enrollments = training_class.enrollments.select_related("member__organization")
    context = {
        "training_class": training_class,
        "sessions": training_class.sessions.select_related("course__teacher"),
        "enrollments": enrollments,
        "orders": training_class.orders.select_related("organization", "course"),
        "may_manage": may_manage,
        "history": _class_history(training_class)[:CLASS_HISTORY_SHOWN],
    }
    if may_manage:
        branches, branch = _branch_choice(request, training_class)
        candidates = Member.objects.none()
        if branch is not None:
            candidates = (
                Member.objects.in_good_standing()
                .filter(organization=branch)
                .exclude(training_enrollments__training_class=training_class)
                .order_by("name", "pk")
            )
        context |= {
            "session_form": SessionForm(
                initial={"held_on": training_class.starts_on, "duration": "full_day"}
            ),
            "enroll_form": EnrollForm(members=candidates),
            "branches": branches if not training_class.organization.is_branch else None,
            "branch": branch,
            "importer": SignInImporter,
        }
    return render(request, "training/trainingclass_detail.html", context)


CLASS_HISTORY_SHOWN = 20
SESSION_FIELDS = ["held_on", "duration", "clock_hours", "topic", "credit_hours"]
ENROLLMENT_FIELDS = ["signed_in", "hours_earned", "source"]


def _class_history(training_class: TrainingClass) -> list:
    """Changes to the class, its timetable and its enrolments (deleted ones included), newest
    first: a constant number of queries."""

    def newest(records):
        return records.select_related("history_user").order_by("-history_date", "-history_id")[:500]

    fields = [f.name for f in TrainingClass._meta.concrete_fields if f.name != "created_by"]
    found = changes(
        newest(TrainingClass.history.filter(id=training_class.pk)),
        fields=fields,
        related_names=True,
    )
    found += changes(
        newest(ClassSession.history.filter(training_class_id=training_class.pk)),
        fields=SESSION_FIELDS,
        subject=lambda r: f"课程安排：{r.held_on:%Y-%m-%d}",
    )
    records = list(newest(Enrollment.history.filter(training_class_id=training_class.pk)))
    names = dict(
        Member.objects.filter(pk__in={r.member_id for r in records}).values_list("pk", "name")
    )
    found += changes(
        records,
        fields=ENROLLMENT_FIELDS,
        subject=lambda r: f"参训记录：{names.get(r.member_id, '—')}",
    )
    return sorted(found, key=lambda c: c.when, reverse=True)


@require_POST
def trainingclass_session(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    training_class = _class(request, pk, manage=True)
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            add_session(training_class, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
    if form.errors:
        messages.error(request, "未添加课程安排：" + " ".join(_messages(form)))
    else:
        messages.success(request, "已添加课程安排。")
    return redirect(training_class)


def _messages(form):
    return [message for errors in form.errors.values() for message in errors]


@require_POST
def classsession_delete(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    session = get_visible_or_404(
        ClassSession.objects.select_related("training_class__organization"), request.user, pk=pk
    )
    training_class = session.training_class
    if not may_manage_class(request.user, training_class):
        raise PermissionDenied("您无权管理该培训班。")
    try:
        remove_session(session, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "已删除课程安排。")
    return redirect(training_class)


@require_POST
def trainingclass_enroll(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    training_class = _class(request, pk, manage=True)
    candidates = Member.objects.visible_to(request.user).in_good_standing()
    form = EnrollForm(request.POST, members=candidates.select_related("organization"))
    if not form.is_valid():
        messages.error(request, "请选择要报名的党员。")
        return redirect(training_class)
    try:
        created = enroll(training_class, form.cleaned_data["members"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"已报名{len(created)}人。")
    return redirect(training_class)


@require_POST
def trainingclass_signin(request, pk):
    """The sign-in table of the class page: a tick and an optional duration per person."""
    roles.require(request.user, roles.EDIT_RECORDS)
    training_class = _class(request, pk, manage=True)
    counting = HourCounting.objects.for_year(training_class.starts_on.year)
    entries, problems = [], []
    for enrollment in training_class.enrollments.select_related("member__organization"):
        signed_in = request.POST.get(f"signed_{enrollment.pk}") == "on"
        hours = None
        if signed_in:
            try:
                hours = parse_duration(request.POST.get(f"hours_{enrollment.pk}", ""), counting)
            except ValidationError as error:
                problems.append(f"{enrollment.member.name}：{error.messages[0]}")
                continue
        entries.append(SignIn(enrollment.member, signed_in=signed_in, hours=hours))
    if not problems:
        try:
            record_sign_ins(training_class, entries, by=request.user)
        except ValidationError as error:
            problems = error.messages
    if problems:
        messages.error(request, "签到未保存：" + " ".join(problems))
    else:
        messages.success(request, "已保存签到和学时。")
    return redirect(training_class)


@require_GET
def trainingclass_template(request, pk):
    """This class's sign-in sheet: the import template with a row per enrolled person."""
    roles.require(request.user, roles.EDIT_RECORDS)
    training_class = _class(request, pk, manage=True)
    enrollments = training_class.enrollments.select_related("member")
    content = SignInImporter.sheet_for(training_class, enrollments)
    return FileResponse(
        content,
        as_attachment=True,
        filename=f"{training_class.title}签到表{datetime.date.today():%Y%m%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_POST
def enrollment_delete(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    enrollment = get_visible_or_404(
        Enrollment.objects.select_related("training_class__organization", "member"),
        request.user,
        pk=pk,
    )
    training_class = enrollment.training_class
    if not may_manage_class(request.user, training_class):
        raise PermissionDenied("您无权管理该培训班。")
    try:
        withdraw(enrollment, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"已取消{enrollment.member.name}的报名。")
    return redirect(training_class)


urlpatterns = [
    path("classes/", trainingclass_list, name="trainingclass-list"),
    path("classes/new/", trainingclass_create, name="trainingclass-create"),
    path("classes/<int:pk>/", trainingclass_detail, name="trainingclass-detail"),
    path("classes/<int:pk>/edit/", trainingclass_edit, name="trainingclass-edit"),
    path("classes/<int:pk>/sessions/", trainingclass_session, name="trainingclass-session"),
    path("classes/<int:pk>/enroll/", trainingclass_enroll, name="trainingclass-enroll"),
    path("classes/<int:pk>/sign-in/", trainingclass_signin, name="trainingclass-signin"),
    path("classes/<int:pk>/sign-in-sheet/", trainingclass_template, name="trainingclass-template"),
    path("sessions/<int:pk>/delete/", classsession_delete, name="classsession-delete"),
    path("enrollments/<int:pk>/delete/", enrollment_delete, name="enrollment-delete"),
]
