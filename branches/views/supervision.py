"""三期护航 pages: notes per branch and round in three phases, kept by the work committee and
party-committee admins, read by the branch itself. Writes go through
branches/services/supervision.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from alxa_dangjian.core.forms import add_service_error
from alxa_dangjian.core.history import changes

from ..forms.supervision import SupervisionNoteForm
from ..models import RatingRound, SupervisionNote
from ..services import supervision

Phase = SupervisionNote.Phase
PHASE_ORDER = Case(
    *(When(phase=value, then=Value(index)) for index, value in enumerate(Phase.values)),
    output_field=IntegerField(),
)


def _int_param(request, name: str) -> int | None:
    return params.integer(request, name, low=0, high=10**11)


@require_GET
def supervisionnote_list(request):
    """The notes of one round (the latest by default), branch by branch, phase by phase."""
    rounds = list(RatingRound.objects.order_by("-year", "scope", "pk"))
    chosen = _int_param(request, "round")
    round = next((r for r in rounds if r.pk == chosen), rounds[0] if rounds else None)
    notes = (
        SupervisionNote.objects.visible_to(request.user)
        .filter(round=round)
        .select_related("organization", "owner")
        .annotate(phase_order=PHASE_ORDER)
        .order_by("organization__path", "phase_order", "due_on", "pk")
    )
    follow_up = request.GET.get("follow_up", "")
    if follow_up in SupervisionNote.FollowUp.values:
        notes = notes.filter(follow_up=follow_up)
    return render(
        request,
        "branches/ratings/supervision_list.html",
        {
            "rounds": rounds,
            "round": round,
            "notes": notes[:1000],
            "follow_up": follow_up,
            "follow_ups": SupervisionNote.FollowUp.choices,
            "phases": Phase.choices,
            "may_add": supervision.supervised_branches(request.user).exists(),
        },
    )


def _form_page(request, form, note=None):
    return render(
        request,
        "branches/ratings/supervision_form.html",
        {"form": form, "note": note},
    )


@require_http_methods(["GET", "POST"])
def supervisionnote_create(request):
    roles.require(request.user, roles.REVIEW)
    initial = {
        "round": _int_param(request, "round"),
        "organization": _int_param(request, "organization"),
        "phase": request.GET.get("phase") if request.GET.get("phase") in Phase.values else None,
        "owner": request.user.pk,
    }
    form = SupervisionNoteForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            note = supervision.save_note(form.save(commit=False), by=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "已新增三期护航记录。")
            return redirect("branches:supervisionnote-detail", note.pk)
    return _form_page(request, form)


def _note(request, pk):
    return get_visible_or_404(
        SupervisionNote.objects.select_related("organization", "round", "owner"),
        request.user,
        pk=pk,
    )


@require_GET
def supervisionnote_detail(request, pk):
    note = _note(request, pk)
    return render(
        request,
        "branches/ratings/supervision_detail.html",
        {
            "note": note,
            "may_edit": supervision.may_supervise(request.user, note.organization),
            "history": changes(note.history.select_related("history_user")),
        },
    )


@require_http_methods(["GET", "POST"])
def supervisionnote_edit(request, pk):
    roles.require(request.user, roles.REVIEW)
    note = _note(request, pk)
    if not supervision.may_supervise(request.user, note.organization):
        raise PermissionDenied(supervision.NO_SUPERVISION_RIGHT)
    form = SupervisionNoteForm(request.POST or None, instance=note, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            supervision.save_note(form.save(commit=False), by=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "已更新三期护航记录。")
            return redirect("branches:supervisionnote-detail", note.pk)
    return _form_page(request, form, note)


urlpatterns = [
    path("ratings/supervision/", supervisionnote_list, name="supervisionnote-list"),
    path("ratings/supervision/new/", supervisionnote_create, name="supervisionnote-create"),
    path("ratings/supervision/<int:pk>/", supervisionnote_detail, name="supervisionnote-detail"),
    path("ratings/supervision/<int:pk>/edit/", supervisionnote_edit, name="supervisionnote-edit"),
]
