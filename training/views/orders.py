"""点菜 / 配菜: the order list, ordering, the order page with its history, and the work
committee's actions (accept, reschedule, decline, schedule, assign)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from alxa_dangjian.core.forms import call_service, fields_of
from alxa_dangjian.core.history import changes

from ..forms.orders import AssignForm, OrderForm, ReasonForm, RescheduleForm, ScheduleForm
from ..models import Course, CourseOrder, TrainingClass
from ..services.orders import (
    accept_order,
    assign_course,
    decline_order,
    may_handle_orders,
    order_course,
    ordering_organizations,
    reschedule_order,
    schedule_class,
)

PAGE_SIZE = 30


ORDER_RELATED = ("organization", "course", "training_class")


@require_GET
def courseorder_list(request):
    orders = CourseOrder.objects.visible_to(request.user).select_related(*ORDER_RELATED)
    status = request.GET.get("status", "")
    if status in CourseOrder.Status.values:
        orders = orders.filter(status=status)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/courseorder_list.html",
        {
            "page": page,
            "status": status,
            "statuses": CourseOrder.Status.choices,
            "may_order": request.user.may(roles.EDIT_RECORDS),
            "may_handle": may_handle_orders(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def courseorder_create(request):
    roles.require(request.user, roles.EDIT_RECORDS)
    organizations = ordering_organizations(request.user).order_by("path")
    initial = {}
    if len(organizations) == 1:
        initial["organization"] = organizations[0]
    course_id = params.pk(request, "course")
    if course_id:
        initial["course"] = Course.objects.active().filter(pk=course_id).first()
    form = OrderForm(request.POST or None, initial=initial, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        order = call_service(
            form,
            order_course,
            **fields_of(form, "organization", "course", "wished_on", "audience", "note"),
            by=request.user,
        )
        if not form.errors:
            messages.success(request, "已提交点单，等待工委受理。")
            return redirect(order)
    return render(
        request,
        "training/form_page.html",
        {"form": form, "title": "点菜：预约课程", "back": reverse("training:courseorder-list")},
    )


@require_GET
def courseorder_detail(request, pk):
    order = get_visible_or_404(
        CourseOrder.objects.select_related(*ORDER_RELATED), request.user, pk=pk
    )
    history = changes(
        order.history.select_related("history_user"),
        fields=["status", "wished_on", "scheduled_on", "reason", "training_class"],
    )
    may_handle = may_handle_orders(request.user) and order.is_open
    classes = TrainingClass.objects.none()
    if may_handle:
        classes = _classes_for(order, request.user)
    return render(
        request,
        "training/courseorder_detail.html",
        {
            "order": order,
            "changes": history,
            "may_handle": may_handle,
            "reason_form": ReasonForm(),
            "reschedule_form": RescheduleForm(initial={"scheduled_on": order.planned_on}),
            "schedule_form": ScheduleForm(classes=classes),
        },
    )


def _classes_for(order, user):
    """Classes an order may join: in scope, covering the ordering branch, not yet over."""
    ancestors = [
        order.organization.path[:end] for end in range(7, len(order.organization.path) + 1, 7)
    ]
    return (
        TrainingClass.objects.visible_to(user)
        .filter(organization__path__in=ancestors, ends_on__gte=order.planned_on)
        .order_by("starts_on", "pk")
    )


def _handled_order(request, pk):
    roles.require(request.user, roles.PUBLISH)
    return get_visible_or_404(
        CourseOrder.objects.select_related(*ORDER_RELATED), request.user, pk=pk
    )


def _done(request, order, message, error=None):
    if error is not None:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    return redirect(order)


def _answer_with_reason(request, pk, answer, message):
    """Accept or decline: the service call with the optional reason from a ReasonForm."""
    order = _handled_order(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        answer(order, reason=form.cleaned_data.get("reason", ""), by=request.user)
    except ValidationError as error:
        return _done(request, order, "", error)
    return _done(request, order, message)


@require_POST
def courseorder_accept(request, pk):
    return _answer_with_reason(request, pk, accept_order, "已受理该点单。")


@require_POST
def courseorder_reschedule(request, pk):
    order = _handled_order(request, pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return _done(request, order, "", ValidationError("请填写改期后的日期和理由。"))
    try:
        reschedule_order(
            order,
            scheduled_on=form.cleaned_data["scheduled_on"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except ValidationError as error:
        return _done(request, order, "", error)
    return _done(request, order, "已改期。")


@require_POST
def courseorder_decline(request, pk):
    return _answer_with_reason(request, pk, decline_order, "已拒绝该点单。")


@require_POST
def courseorder_schedule(request, pk):
    order = _handled_order(request, pk)
    form = ScheduleForm(request.POST, classes=_classes_for(order, request.user))
    if not form.is_valid():
        return _done(request, order, "", ValidationError("所选培训班无效。"))
    try:
        training_class = schedule_class(
            order,
            training_class=form.cleaned_data["training_class"],
            location=form.cleaned_data["location"],
            by=request.user,
        )
    except ValidationError as error:
        return _done(request, order, "", error)
    messages.success(request, "已排课，请在培训班页面登记报名和签到。")
    return redirect(training_class)


@require_http_methods(["GET", "POST"])
def courseorder_assign(request):
    """配菜: staff send a course to branches of their choice."""
    roles.require(request.user, roles.PUBLISH)
    organizations = ordering_organizations(request.user).order_by("path")
    form = AssignForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        orders = call_service(
            form,
            assign_course,
            **fields_of(form, "course", "organizations", "scheduled_on", "audience", "note"),
            by=request.user,
        )
        if not form.errors:
            messages.success(request, f"已为{len(orders)}个党支部配送课程。")
            return redirect("training:courseorder-list")
    return render(
        request,
        "training/form_page.html",
        {
            "form": form,
            "title": "配菜：为党支部配送课程",
            "back": reverse("training:courseorder-list"),
        },
    )


urlpatterns = [
    path("orders/", courseorder_list, name="courseorder-list"),
    path("orders/new/", courseorder_create, name="courseorder-create"),
    path("orders/assign/", courseorder_assign, name="courseorder-assign"),
    path("orders/<int:pk>/", courseorder_detail, name="courseorder-detail"),
    path("orders/<int:pk>/accept/", courseorder_accept, name="courseorder-accept"),
    path("orders/<int:pk>/reschedule/", courseorder_reschedule, name="courseorder-reschedule"),
    path("orders/<int:pk>/decline/", courseorder_decline, name="courseorder-decline"),
    path("orders/<int:pk>/schedule/", courseorder_schedule, name="courseorder-schedule"),
]
