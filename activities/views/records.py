"""Activity records: the record page, logging and the review flow (the lists and the
reviewers' queue are in record_lists.py)."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from alxa_dangjian.core.forms import add_service_error
from branches.models import CommitteeSeat, Organization

from .. import presets
from ..forms.records import (
    ActivityForm,
    ReturnForm,
    SubmitForm,
    UploadForm,
)
from ..models import Activity, ActivityEvent, Attachment, Attendance, JointParticipation
from ..services import joint, records

# Service error keys that a form names differently.
FORM_FIELDS = {"joint_organizations": "joint_names"}
PRESENT, LEAVE, ABSENT = (
    Attendance.Status.PRESENT,
    Attendance.Status.LEAVE,
    Attendance.Status.ABSENT,
)


@dataclass
class Row:
    """One person on the attendance screen."""

    member: object
    status: str
    reason: str
    is_committee: bool = False

    @property
    def status_label(self) -> str:
        return Attendance.Status(self.status).label


def _roster_rows(organization, activity=None, data=None) -> list[Row]:
    """Existing attendance first (kept even if someone has left since), then the roster."""
    existing = (
        {a.member_id: a for a in activity.attendances.select_related("member")}
        if activity is not None and activity.pk
        else {}
    )
    members = {m.pk: m for m in records.roster(organization).order_by("name", "pk")}
    for row in existing.values():
        members.setdefault(row.member_id, row.member)
    holders = set(
        CommitteeSeat.objects.current()
        .filter(organization=organization)
        .values_list("member_id", flat=True)
    )
    rows = []
    for member in members.values():
        attendance = existing.get(member.pk)
        status = attendance.status if attendance else PRESENT
        reason = attendance.reason if attendance else ""
        if data is not None:
            status = data.get(f"att-{member.pk}", status)
            reason = data.get(f"reason-{member.pk}", reason)
        if status not in Attendance.Status.values:
            status = PRESENT
        rows.append(Row(member, status, reason, member.pk in holders))
    return sorted(rows, key=lambda r: (not r.is_committee, r.member.name, r.member.pk))


def _save(request, form):
    """Validate the form and the roster taps, then hand everything to the service."""
    if not form.is_valid():
        return None
    marks = form.attendance(request.POST)
    if form.errors:
        return None
    activity = form.save(commit=False)
    try:
        return records.save_activity(
            activity,
            attendance=marks,
            tags=form.cleaned_data["tags"],
            joint_organizations=form.cleaned_data["joint_names"],
            also_kinds=form.cleaned_data["also_kinds"],
            belongs_to_year=form.cleaned_data["belongs_to_year"],
            uploads=form.cleaned_data["files"],
            by=request.user,
        )
    except ValidationError as error:
        add_service_error(form, error, aliases=FORM_FIELDS)
        return None


def _after_save(request, activity, saved_message):
    """After 保存: the record page. After 保存并提交: submitted at once when attendance meets
    its kind's quorum (records.quorum_warnings); otherwise the record stays a draft and the
    submit screen asks for the confirmation its rule requires."""
    if request.POST.get("and_submit") != "1":
        messages.success(request, saved_message)
        return redirect(activity)
    if records.quorum_warnings(activity):
        messages.warning(request, "已保存为草稿。到会人数未达到要求，请确认后提交。")
        return redirect("activities:activity-submit", pk=activity.pk)
    try:
        records.submit_activity(activity, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "已保存并提交审核。")
    return redirect(activity)


def _form_page(request, form, organization, rows, *, activity=None):
    return render(
        request,
        "activities/activity_form.html",
        {
            "form": form,
            "organization": organization,
            "rows": rows,
            "activity": activity,
            "attendance_choices": Attendance.Status.choices,
            "backfill_start": records.backfill_start(),
            "has_party_groups": organization.party_groups.exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def activity_create(request):
    """Log a record for a branch; an editor of several branches first picks one."""
    roles.require(request.user, roles.EDIT_RECORDS)
    organizations = records.loggable_organizations(request.user).order_by("path")
    organization = None
    if request.GET.get("organization"):
        pk = params.pk(request, "organization")
        if pk is None:
            raise Http404
        organization = organizations.filter(pk=pk).first()
        if organization is None:
            # A committee (or an inactive branch) the user may see: offer its branches rather
            # than a dead end; an organisation outside the user's scope stays a 404.
            parent = get_visible_or_404(Organization, request.user, pk=pk)
            organizations = scoping.within(organizations, parent, "")
    if organization is None:
        choices = list(organizations.only("pk", "name", "short_name", "path"))
        if len(choices) != 1:
            return render(
                request, "activities/activity_pick_branch.html", {"organizations": choices}
            )
        organization = choices[0]
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        organization=organization,
        initial=presets.initial(request, organization),
    )
    if request.method == "POST":
        activity = _save(request, form)
        if activity is not None:
            return _after_save(request, activity, "已保存为草稿。核对无误后请提交审核。")
    rows = _roster_rows(organization, data=request.POST if request.method == "POST" else None)
    return _form_page(request, form, organization, rows)


def _visible_activity(request, pk, queryset=None):
    queryset = queryset if queryset is not None else Activity.objects.all()
    return get_visible_or_404(
        queryset.select_related("organization", "kind", "party_group", "created_by"),
        request.user,
        pk=pk,
    )


def _refuse_edit(request, activity):
    """Not editable: a locked record says why; a joint partner or reviewer-only role gets 403."""
    if activity.status not in records.EDITABLE:
        messages.error(
            request,
            records.NOT_EDITABLE.format(status=activity.get_status_display()),
        )
        return redirect(activity)
    raise PermissionDenied(records.NO_EDIT_RIGHT)


@require_http_methods(["GET", "POST"])
def activity_edit(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    activity = _visible_activity(request, pk)
    if not records.may_edit(request.user, activity):
        return _refuse_edit(request, activity)
    organization = activity.organization
    form = ActivityForm(
        request.POST or None, request.FILES or None, organization=organization, instance=activity
    )
    if request.method == "POST":
        saved = _save(request, form)
        if saved is not None:
            return _after_save(request, saved, "已保存修改。")
    rows = _roster_rows(
        organization, activity, data=request.POST if request.method == "POST" else None
    )
    return _form_page(request, form, organization, rows, activity=activity)


@require_GET
def activity_detail(request, pk):
    """The record page: attendance summary and list, files, joint branches and history."""
    activity = _visible_activity(
        request,
        pk,
        Activity.objects.prefetch_related(
            "tags",
            "also_kinds",
            Prefetch(
                "partnerships",
                queryset=JointParticipation.objects.select_related("organization").order_by(
                    "organization__path"
                ),
            ),
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("member").order_by("member__name", "pk"),
            ),
            Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
            Prefetch("events", queryset=ActivityEvent.objects.select_related("by")),
        ),
    )
    attendances = list(activity.attendances.all())
    counts = {status: 0 for status in Attendance.Status.values}
    for row in attendances:
        counts[row.status] += 1
    may_edit = records.may_edit(request.user, activity)
    attachments = list(activity.attachments.all())
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "attendances": attendances,
            "counts": {
                "present": counts[PRESENT],
                "leave": counts[LEAVE],
                "absent": counts[ABSENT],
                "total": len(attendances),
            },
            "photos": [a for a in attachments if a.is_photo],
            "documents": [a for a in attachments if not a.is_photo],
            "events": activity.events.all(),
            # Files removed from the record stay in its history: who, when, which, why.
            "removed_files": Attachment.history.filter(activity_id=activity.pk, history_type="-")
            .select_related("history_user")
            .order_by("history_date", "history_id"),
            "may_edit": may_edit,
            "may_review": records.may_review(request.user, activity),
            # Each partner with its consent, and whether this user answers for it.
            "partners": [
                (p, joint.may_confirm(request.user, p.organization))
                for p in activity.partnerships.all()
            ],
            "warnings": records.quorum_warnings(activity) if may_edit else [],
            "upload_form": UploadForm() if may_edit else None,
            "return_form": ReturnForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def activity_submit(request, pk):
    """The submit screen: quorum warnings, and a tick to submit despite them."""
    roles.require(request.user, roles.EDIT_RECORDS)
    activity = _visible_activity(request, pk)
    if not records.may_edit(request.user, activity):
        return _refuse_edit(request, activity)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            records.submit_activity(
                activity, confirm_quorum=form.cleaned_data["confirm_quorum"], by=request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "已提交审核。")
            return redirect(activity)
    return render(
        request,
        "activities/activity_submit.html",
        {
            "activity": activity,
            "form": form,
            "warnings": records.quorum_warnings(activity),
            "counts": activity.attendances.aggregate(
                present=Count("pk", filter=Q(status=PRESENT)),
                leave=Count("pk", filter=Q(status=LEAVE)),
                absent=Count("pk", filter=Q(status=ABSENT)),
            ),
            "attachment_count": activity.attachments.count(),
        },
    )


@require_POST
def activity_approve(request, pk):
    roles.require(request.user, roles.REVIEW)
    activity = _visible_activity(request, pk)
    try:
        records.approve_activity(activity, comment=request.POST.get("comment", ""), by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "已审核通过。")
    return redirect(activity)


@require_POST
def activity_return(request, pk):
    roles.require(request.user, roles.REVIEW)
    activity = _visible_activity(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect(activity)
    try:
        records.return_activity(activity, comment=form.cleaned_data["comment"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "已退回，书记修改后可重新提交。")
    return redirect(activity)


@require_POST
def activity_upload(request, pk):
    """Add photos or files to an editable record from its page."""
    roles.require(request.user, roles.EDIT_RECORDS)
    activity = _visible_activity(request, pk)
    if not records.may_edit(request.user, activity):
        return _refuse_edit(request, activity)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect(activity)
    try:
        added = records.add_attachments(
            activity, uploads=form.cleaned_data["files"], by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"已上传{len(added)}个文件。")
    return redirect(activity)


urlpatterns = [
    path("new/", activity_create, name="activity-create"),
    path("<int:pk>/", activity_detail, name="activity-detail"),
    path("<int:pk>/edit/", activity_edit, name="activity-edit"),
    path("<int:pk>/submit/", activity_submit, name="activity-submit"),
    path("<int:pk>/approve/", activity_approve, name="activity-approve"),
    path("<int:pk>/return/", activity_return, name="activity-return"),
    path("<int:pk>/files/", activity_upload, name="activity-upload"),
]
