import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import caching, params
from alxa_dangjian.core.forms import call_service, fields_of
from alxa_dangjian.core.params import date_param

from ..forms.organizations import (
    CommitteeSeatForm,
    ElectionForm,
    PartyGroupForm,
    SeatEndForm,
    ServedUnitForm,
    TermForm,
)
from ..models import CommitteeSeat, Member, Organization, PartyGroup, ServedUnit, Term
from ..models.terms import APPOINTED_NO_ELECTION
from ..services import organizations as organization_services

ALL_BRANCHES = "branches"
TYPE_FILTERS = {ALL_BRANCHES, *Organization.Type.values}


@require_GET
def organization_list(request):
    """The user's subtree as an indented tree; a search or filter turns it into a flat list."""
    organizations = Organization.objects.visible_to(request.user).select_related("parent")
    query = params.text(request, "q")
    type_ = request.GET.get("type", "")
    category = request.GET.get("category", "")
    as_of = date_param(request, "as_of")
    filtered = bool(
        query or type_ in TYPE_FILTERS or category in Organization.Category.values or as_of
    )
    # ?organization=<pk>: that organisation's subtree (the cockpit's figures link here),
    # looked up before the type filter: a committee anchors its branches.
    within = params.pk(request, "organization")
    anchor = within and organizations.filter(pk=within).first()
    if anchor:
        organizations = scoping.within(organizations, anchor, "")
    if type_ == ALL_BRANCHES:
        organizations = organizations.branches()
    elif type_ in Organization.Type.values:
        organizations = organizations.filter(type=type_)
    if category in Organization.Category.values:
        organizations = organizations.filter(category=category)
    if as_of:
        organizations = organizations.existing_on(as_of)
    organizations = organizations.search(query).annotate(
        branch_count=Count("children", filter=Q(children__type__in=Organization.BRANCH_TYPES))
    )
    # The tree is paginated in depth-first order, so a league of any size stays one page away.
    page = Paginator(organizations.order_by("path"), 200).get_page(request.GET.get("page"))
    base_depth = request.user.organization.depth if request.user.organization else 0
    rows = [(org, max(org.depth - base_depth, 0)) for org in page]
    return render(
        request,
        "branches/organization_list.html",
        {
            "rows": rows,
            "page": page,
            "query": query,
            "type": type_,
            "category": category,
            "filtered": filtered,
            "anchor": anchor or None,
            "as_of": as_of,
            "types": [(ALL_BRANCHES, "全部党支部（含联合、临时）"), *Organization.Type.choices],
            "categories": Organization.Category.choices,
        },
    )


@require_GET
def organization_detail(request, pk):
    """The organisation page; for a branch, the branch page with its set-up warnings."""
    organization = get_visible_or_404(
        Organization.objects.select_related("parent").with_roster_counts(), request.user, pk=pk
    )
    today = datetime.date.today()
    children = organization.children.order_by("path")
    # Ancestors are named by the path itself; only those inside the user's subtree are links.
    ancestor_ids = [int(part) for part in organization.path.strip("/").split("/")[:-1]]
    visible_ancestors = Organization.objects.visible_to(request.user).filter(pk__in=ancestor_ids)
    terms = list(organization.terms.order_by("-number"))
    current_term = next((term for term in terms if term.is_current), None)
    seats = list(
        CommitteeSeat.objects.filter(organization=organization)
        .select_related("member")
        .in_post_order()
    )
    days_to_expiry = current_term.days_to_expiry(today) if current_term else None
    if organization.is_branch:
        counts = {
            "full": organization.full_count,
            "probationary": organization.probationary_count,
        }
    else:
        counts = Member.objects.in_good_standing().in_subtree(organization).status_counts()
    return render(
        request,
        "branches/organization_detail.html",
        {
            "organization": organization,
            "children": children,
            "ancestors": visible_ancestors.order_by("path"),
            "subtree_counts": [
                (Organization.Type(row["type"]).label, row["n"])
                for row in Organization.objects.subtree(organization)
                .exclude(pk=organization.pk)
                .values("type")
                .annotate(n=Count("id"))
                .order_by("type")
            ],
            "counts": counts,
            "member_total": counts["full"] + counts["probationary"],
            "warnings": organization.setup_warnings(current_term=current_term, today=today),
            "current_term": current_term,
            "days_to_expiry": days_to_expiry,
            "days_overdue": -days_to_expiry if days_to_expiry is not None else None,
            "past_terms": [term for term in terms if not term.is_current],
            "current_seats": [seat for seat in seats if seat.is_current],
            # Distinct members holding a current seat: the profile's 支委会委员 count
            # (`committee_size`) links here and reads this as its stated total.
            "committee_members": len({seat.member_id for seat in seats if seat.is_current}),
            "past_seats": [seat for seat in seats if not seat.is_current],
            "party_groups": organization.party_groups.select_related("leader")
            .with_member_counts()
            .order_by("name"),
            "units": organization.units.order_by("name"),
            "can_edit": request.user.may(roles.EDIT_RECORDS),
        },
    )


def _form_page(request, form, *, title, organization, intro="", blocked=""):
    return render(
        request,
        "branches/form_page.html",
        {
            "form": form,
            "title": title,
            "organization": organization,
            "intro": intro,
            "blocked": blocked,
        },
    )


def _editable_organization(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    return get_visible_or_404(Organization.objects.select_related("parent"), request.user, pk=pk)


@require_http_methods(["GET", "POST"])
def organization_election(request, pk):
    """换届选举: the current term closes on the election day and the next one starts."""
    organization = _editable_organization(request, pk)
    last_number = organization.terms.aggregate(n=Max("number"))["n"] or 0
    form = ElectionForm(
        request.POST or None, organization=organization, next_number=last_number + 1
    )
    if request.method == "POST" and form.is_valid():
        term = call_service(
            form,
            organization_services.record_election,
            organization,
            **fields_of(
                form,
                "elected_on",
                "number",
                "length_years",
                "adjusted_end",
                "adjustment_approval_no",
                "note",
            ),
            by=request.user,
        )
        if not form.errors:
            messages.success(request, f"已登记第{term.number}届，届满日期{term.due_end:%Y-%m-%d}。")
            return redirect(organization)
    return _form_page(
        request,
        form,
        title=f"登记换届选举：{organization.display_name}",
        organization=organization,
        intro="登记后，现任一届以新一届的选举日期为实际换届日期结束。",
        blocked=(
            organization_services.TEMPORARY_NO_ELECTION
            if organization.is_temporary
            else ""
            if organization.holds_elections
            else APPOINTED_NO_ELECTION
        ),
    )


@require_http_methods(["GET", "POST"])
def term_edit(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    term = get_visible_or_404(Term.objects.select_related("organization"), request.user, pk=pk)
    form = TermForm(request.POST or None, instance=term)
    if request.method == "POST" and form.is_valid():
        form.save()
        caching.changed(caching.ORGANIZATIONS)
        messages.success(request, f"已保存第{term.number}届的信息。")
        return redirect(term.organization)
    return _form_page(request, form, title=f"编辑届次：{term}", organization=term.organization)


@require_http_methods(["GET", "POST"])
def organization_add_seat(request, pk):
    organization = _editable_organization(request, pk)
    form = CommitteeSeatForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        seat = call_service(
            form,
            organization_services.add_committee_seat,
            organization,
            **fields_of(form, "member", "post", "started_on"),
            by=request.user,
        )
        if not form.errors:
            messages.success(request, f"已登记{seat.member.name}任{seat.get_post_display()}。")
            return redirect(organization)
    return _form_page(
        request, form, title=f"添加委员：{organization.display_name}", organization=organization
    )


@require_http_methods(["GET", "POST"])
def committeeseat_end(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    seat = get_visible_or_404(
        CommitteeSeat.objects.select_related("organization", "member"), request.user, pk=pk
    )
    form = SeatEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        call_service(
            form,
            organization_services.end_committee_seat,
            seat,
            on=form.cleaned_data["ended_on"],
            by=request.user,
        )
        if not form.errors:
            messages.success(request, f"已办理{seat.member.name}的离任。")
            return redirect(seat.organization)
    return _form_page(
        request,
        form,
        title=f"委员离任：{seat.get_post_display()} {seat.member.name}",
        organization=seat.organization,
    )


@require_http_methods(["GET", "POST"])
def organization_add_group(request, pk):
    organization = _editable_organization(request, pk)
    return _party_group_form(request, PartyGroup(organization=organization))


@require_http_methods(["GET", "POST"])
def partygroup_edit(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    group = get_visible_or_404(
        PartyGroup.objects.select_related("organization"), request.user, pk=pk
    )
    return _party_group_form(request, group)


def _party_group_form(request, group):
    organization = group.organization
    form = PartyGroupForm(request.POST or None, organization=organization, instance=group)
    blocked = ""
    if organization.is_temporary or not organization.is_branch:
        blocked = "党小组只能在党支部下设立；临时党支部不接收党员组织关系，不设党小组。"
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form, organization_services.save_party_group, form.instance, by=request.user
        )
        if not form.errors:
            messages.success(request, f"已保存党小组“{saved.name}”。")
            return redirect(organization)
    title = f"编辑党小组：{group.name}" if group.pk else f"新建党小组：{organization.display_name}"
    return _form_page(request, form, title=title, organization=organization, blocked=blocked)


@require_POST
def partygroup_delete(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    group = get_visible_or_404(
        PartyGroup.objects.select_related("organization"), request.user, pk=pk
    )
    organization_services.delete_party_group(group, by=request.user)
    messages.success(request, f"已撤销党小组“{group.name}”，其党员仍在本支部。")
    return redirect(group.organization)


@require_POST
def organization_add_unit(request, pk):
    organization = _editable_organization(request, pk)
    form = ServedUnitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写单位名称（不超过100字）。")
        return redirect(organization)
    try:
        unit = organization_services.add_served_unit(
            organization, name=form.cleaned_data["name"], by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"已添加所在单位“{unit.name}”。")
    return redirect(organization)


@require_POST
def servedunit_delete(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    unit = get_visible_or_404(
        ServedUnit.objects.select_related("organization"), request.user, pk=pk
    )
    organization_services.remove_served_unit(unit, by=request.user)
    messages.success(request, f"已移除所在单位“{unit.name}”。")
    return redirect(unit.organization)


urlpatterns = [
    path("", organization_list, name="organization-list"),
    path("<int:pk>/", organization_detail, name="organization-detail"),
    path("<int:pk>/election/", organization_election, name="organization-election"),
    path("<int:pk>/seats/new/", organization_add_seat, name="organization-add-seat"),
    path("<int:pk>/groups/new/", organization_add_group, name="organization-add-group"),
    path("<int:pk>/units/new/", organization_add_unit, name="organization-add-unit"),
    path("terms/<int:pk>/edit/", term_edit, name="term-edit"),
    path("seats/<int:pk>/end/", committeeseat_end, name="committeeseat-end"),
    path("groups/<int:pk>/edit/", partygroup_edit, name="partygroup-edit"),
    path("groups/<int:pk>/delete/", partygroup_delete, name="partygroup-delete"),
    path("units/<int:pk>/delete/", servedunit_delete, name="servedunit-delete"),
]
