import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params, rules
from alxa_dangjian.core.forms import add_service_error
from alxa_dangjian.core.params import FIRST_YEAR, LAST_YEAR, date_param

from ..forms.development import (
    CloseForm,
    DevelopmentCaseForm,
    SponsorsForm,
    StepForm,
)
from ..forms.organizations import TermLengthRuleForm
from ..models import (
    DevelopmentCase,
    Organization,
    Stage,
    Step,
    TermLengthRule,
    TimingRule,
)
from ..rules import development as development_rules
from ..rules.votes import entitled_voters
from ..services import development

PAGE_SIZE = 50
OPEN, CLOSED, ALL = "", "closed", "all"
STAGE_FILTERS = [
    (OPEN, "进行中"),
    *Stage.choices,
    (CLOSED, "已终止"),
    (ALL, "全部"),
]


@require_GET
def developmentcase_list(request):
    """Cases of the user's subtree with each one's next step, due date and broken rules."""
    cases = DevelopmentCase.objects.visible_to(request.user).select_related("organization")
    stage = request.GET.get("stage", OPEN)
    if stage in Stage.values:
        cases = cases.filter(stage=stage, is_closed=False)
    elif stage == CLOSED:
        cases = cases.filter(is_closed=True)
    elif stage != ALL:
        stage = OPEN
        cases = cases.open()
    # Committees filter their whole subtree, branches themselves; only organisations that
    # can hold cases or contain them are offered.
    organizations = (
        Organization.objects.visible_to(request.user)
        .filter(Q(type__in=Organization.COMMITTEE_TYPES) | Q(development_cases__isnull=False))
        .distinct()
        .order_by("path")
    )
    organizations = list(organizations)
    # Any organisation of the user's subtree narrows the list (a figure of a branch without
    # cases links here too), not only those offered in the form.
    selected = None
    selected_pk = params.pk(request, "organization")
    if selected_pk:
        selected = Organization.objects.visible_to(request.user).filter(pk=selected_pk).first()
    if selected is not None:
        cases = scoping.within(cases, selected)
        if selected not in organizations:
            organizations = sorted([*organizations, selected], key=lambda org: org.path)
    admitted_from = date_param(request, "admitted_from")
    admitted_to = date_param(request, "admitted_to")
    if admitted_from or admitted_to:
        cases = cases.admitted_between(
            admitted_from or datetime.date(FIRST_YEAR, 1, 1),
            admitted_to or datetime.date(LAST_YEAR, 12, 31),
        )
    query = params.text(request, "q")
    if query:
        cases = cases.filter(name__icontains=query)
    only_broken = request.GET.get("broken") == "1"
    cases = cases.with_steps().order_by("organization__path", "name", "pk")
    rules = development_rules.active_rules()
    if only_broken:
        # Broken rules depend on today's date and on editable rules, so they are evaluated,
        # not stored: every case of the filter in two queries, then paginated in memory.
        statuses = [status for status in development_rules.evaluate(cases, rules) if status.broken]
        page = Paginator(statuses, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = page.object_list
    else:
        page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = development_rules.evaluate(page.object_list, rules)
    return render(
        request,
        "branches/developmentcase_list.html",
        {
            "page": page,
            "rows": rows,
            "stage": stage,
            "stages": STAGE_FILTERS,
            "organizations": organizations,
            "selected": selected,
            "query": query,
            "only_broken": only_broken,
            "admitted_from": admitted_from,
            "admitted_to": admitted_to,
            "may_edit": request.user.may(roles.EDIT_RECORDS),
        },
    )


@require_http_methods(["GET", "POST"])
def developmentcase_create(request):
    roles.require(request.user, roles.EDIT_RECORDS)
    initial = {}
    if chosen := params.pk(request, "organization"):
        initial["organization"] = chosen
    form = DevelopmentCaseForm(request.POST or None, initial=initial, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = development.open_case(**form.cleaned_data, by=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已为“{case.name}”建立发展党员档案。")
            return redirect(case)
    return render(request, "branches/developmentcase_form.html", {"form": form})


def _case_or_404(request, pk):
    return get_visible_or_404(
        DevelopmentCase.objects.select_related("organization", "member")
        .with_steps()
        .prefetch_related("sponsors"),
        request.user,
        pk=pk,
    )


def _render_detail(request, case, *, step_form=None, close_form=None):
    rules = development_rules.active_rules()
    case_status = development_rules.evaluate([case], rules)[0]
    may_edit = request.user.may(roles.EDIT_RECORDS) and not case_status.case.is_closed
    if step_form is None and may_edit and case_status.next_step is not None:
        with_vote = case_status.next_step in development_rules.VOTED_STEPS
        step_form = StepForm(initial={"step": case_status.next_step}, with_vote=with_vote)
        if with_vote:
            today = len(entitled_voters(case.organization, timezone.localdate()))
            step_form.fields["present_voters"].help_text += f"（按今天的名册为{today}人）"
    if step_form is not None:
        step_form.helper.form_action = reverse("branches:developmentcase-step", args=[case.pk])
    if close_form is None and may_edit and case.member_id is None:
        close_form = CloseForm()
    if close_form is not None:
        close_form.helper.form_action = reverse("branches:developmentcase-close", args=[case.pk])
    steps = {record.step: record for record in case.steps.all()}
    timeline = [(Step(code), steps.get(code)) for code in Step.values]
    return render(
        request,
        "branches/developmentcase_detail.html",
        {
            "case": case,
            "status": case_status,
            "timeline": timeline,
            "rules": development_rules.rule_report(case_status, rules),
            "sponsors": list(case.sponsors.all()),
            "may_edit": may_edit,
            "may_set_sponsors": may_edit and case.member_id is None,
            "step_form": step_form,
            "close_form": close_form,
        },
    )


@require_GET
def developmentcase_detail(request, pk):
    return _render_detail(request, _case_or_404(request, pk))


@require_POST
def developmentcase_step(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    case = _case_or_404(request, pk)
    form = StepForm(
        request.POST, with_vote=request.POST.get("step") in development_rules.VOTED_STEPS
    )
    if form.is_valid():
        try:
            record = development.record_step(case, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已登记“{record.get_step_display()}”。")
            for warning in record.warnings:
                messages.warning(request, f"违反时限规则：{warning}")
            return redirect(case)
    return _render_detail(request, case, step_form=form)


@require_POST
def developmentcase_close(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    case = _case_or_404(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            development.close_case(case, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已终止“{case.name}”的发展党员档案。")
            return redirect(case)
    return _render_detail(request, case, close_form=form)


@require_http_methods(["GET", "POST"])
def developmentcase_sponsors(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    case = _case_or_404(request, pk)
    form = SponsorsForm(
        request.POST or None, case=case, initial={"sponsors": list(case.sponsors.all())}
    )
    if request.method == "POST" and form.is_valid():
        try:
            development.set_sponsors(case, form.cleaned_data["sponsors"], by=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "已保存入党介绍人。")
            return redirect(case)
    return render(
        request,
        "branches/developmentcase_sponsors.html",
        {"case": case, "form": form},
    )


@require_GET
def timingrule_list(request):
    """The league-wide timing rules of development and the dated term lengths, with their
    history: set by the work committee (timing rules in the admin, term lengths here), read by
    everyone they bind."""
    types = dict(Organization.Type.choices)
    changes = rules.history_of(
        TimingRule, subject=lambda r: f"发展党员时限规则：{r.description}"
    ) + rules.history_of(
        TermLengthRule,
        subject=lambda r: f"任期规则：{types.get(r.organization_type, r.organization_type)}",
    )
    return render(
        request,
        "branches/timingrule_list.html",
        {
            "timing_rules": TimingRule.objects.all(),
            "term_lengths": TermLengthRule.objects.all(),
            "may_set_rules": scoping.is_work_committee(request.user),
            "history": sorted(changes, key=lambda c: c.when, reverse=True)[: rules.HISTORY_LIMIT],
        },
    )


@require_http_methods(["GET", "POST"])
def termlengthrule_edit(request, pk=None):
    """Add a dated term-length row or change one; the reason goes into its history."""
    if not scoping.is_work_committee(request.user):
        raise PermissionDenied("任期规则由工委统一设置。")
    rule = get_object_or_404(TermLengthRule, pk=pk) if pk else None
    form = TermLengthRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        saved = rules.save_rule(
            form.save(commit=False), by=request.user, reason=form.cleaned_data["change_reason"]
        )
        messages.success(request, f"已保存任期规则：{saved}。")
        return redirect("branches:timingrule-list")
    title = f"修改任期规则：{rule}" if rule else "新增任期规则"
    return render(request, "branches/termlengthrule_form.html", {"form": form, "title": title})


urlpatterns = [
    path("development/rules/terms/new/", termlengthrule_edit, name="termlengthrule-create"),
    path("development/rules/terms/<int:pk>/edit/", termlengthrule_edit, name="termlengthrule-edit"),
    path("development/", developmentcase_list, name="developmentcase-list"),
    path("development/rules/", timingrule_list, name="timingrule-list"),
    path("development/new/", developmentcase_create, name="developmentcase-create"),
    path("development/<int:pk>/", developmentcase_detail, name="developmentcase-detail"),
    path("development/<int:pk>/step/", developmentcase_step, name="developmentcase-step"),
    path("development/<int:pk>/close/", developmentcase_close, name="developmentcase-close"),
    path(
        "development/<int:pk>/sponsors/", developmentcase_sponsors, name="developmentcase-sponsors"
    ),
]
