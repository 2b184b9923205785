"""Pages of the responsibility lists: the overview of the user's scope, a list with its items
and checkpoints, the item and checkpoint forms, review, carry-over and evidence files (the
settings are list_settings.py)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core.files import serve
from alxa_dangjian.core.forms import add_service_error
from alxa_dangjian.core.history import changes

from ..forms.lists import (
    CheckpointForm,
    ItemForm,
    ListCreateForm,
    ListFilterForm,
    ReviewForm,
)
from ..models import (
    CheckpointEntry,
    CheckpointEvidence,
    CheckpointWindow,
    ResponsibilityItem,
    ResponsibilityList,
    Stage,
)
from ..services import lists
from . import error_text

PAGE_SIZE = 50
HISTORY_LIMIT = 200
Review = CheckpointEntry.Review
Progress = CheckpointEntry.Progress


def _entry_counts() -> dict:
    """Per list: items, confirmed checkpoints per stage, waiting reviews, items closed on time.

    One join from list to items to entries; an entry is unique per item and stage, so the
    filtered counts of entries are exact and only the item count needs DISTINCT."""
    confirmed = Q(items__entries__review=Review.CONFIRMED)

    def stage(name):
        return Q(items__entries__stage=name)

    return {
        "item_count": Count("items", distinct=True),
        "plan_confirmed": Count("items__entries", filter=stage(Stage.PLAN) & confirmed),
        "mid_confirmed": Count("items__entries", filter=stage(Stage.MID) & confirmed),
        "final_confirmed": Count("items__entries", filter=stage(Stage.FINAL) & confirmed),
        "waiting": Count("items__entries", filter=Q(items__entries__review=Review.SUBMITTED)),
        "on_time": Count(
            "items__entries",
            filter=stage(Stage.FINAL)
            & confirmed
            & Q(items__entries__progress=Progress.DONE)
            & Q(items__entries__completed_on__lte=F("items__deadline")),
        ),
    }


@require_GET
def index(request):
    """责任与考核: the lists of the user's scope for a year, with their progress at a glance."""
    user = request.user
    form = ListFilterForm(request.GET, user=user)
    filters = form.filters()
    scoped = ResponsibilityList.objects.visible_to(user).filter(year=filters["year"])
    if filters["type"]:
        scoped = scoped.filter(type=filters["type"])
    if filters["organization"]:
        scoped = scoped.in_subtree(filters["organization"])
    if filters["q"]:
        text = filters["q"]
        scoped = scoped.filter(
            Q(owner_organization__name__icontains=text)
            | Q(owner_organization__short_name__icontains=text)
            | Q(owner_person__icontains=text)
        )
    rows = (
        scoped.select_related("type", "owner_organization")
        .annotate(**_entry_counts())
        .order_by("owner_organization__path", "type__sort_order", "owner_person", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    may_edit = user.may(roles.EDIT_RECORDS)
    return render(
        request,
        "assessments/lists/index.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "window": CheckpointWindow.for_year(filters["year"]),
            "create_form": ListCreateForm(user=user) if may_edit else None,
            "may_settings": scoping.is_work_committee(user),
            "stages": Stage.choices,
        },
    )


@require_http_methods(["GET", "POST"])
def responsibilitylist_create(request):
    roles.require(request.user, roles.EDIT_RECORDS)
    form = ListCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = lists.create_list(**form.cleaned_data, by=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已建立“{created}”，请逐项填写责任事项。")
            return redirect(created)
    return render(request, "assessments/lists/list_form.html", {"form": form})


def _list_for(user, pk):
    return get_visible_or_404(
        ResponsibilityList.objects.select_related("type", "owner_organization", "created_by"),
        user,
        pk=pk,
    )


def _history(responsibility_list, items) -> list:
    """Changes of the list's items (deleted ones included) and of their checkpoints."""
    item_records = list(
        ResponsibilityItem.history.filter(list_id=responsibility_list.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    )
    names = {r.id: r.content[:20] for r in item_records}
    names.update({item.pk: item.content[:20] for item in items})
    entry_records = list(
        CheckpointEntry.history.filter(
            item_id__in=ResponsibilityItem.history.filter(list_id=responsibility_list.pk).values(
                "id"
            )
        )
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    )
    stage_labels = dict(Stage.choices)

    def subject(record):
        if hasattr(record, "stage"):
            return f"{stage_labels.get(record.stage, '')}：{names.get(record.item_id, '')}"
        return names.get(record.id, "")

    shown = ["content", "deadline", "order", "progress", "completed_on", "note", "review"]
    shown.append("review_comment")
    found = changes(item_records, fields=shown, subject=subject)
    found += changes(entry_records, fields=shown, subject=subject)
    found.sort(key=lambda c: c.when, reverse=True)
    return found[:HISTORY_LIMIT]


@require_GET
def responsibilitylist_detail(request, pk):
    user = request.user
    responsibility_list = _list_for(user, pk)
    entries = CheckpointEntry.objects.select_related("submitted_by", "reviewed_by")
    entries = entries.prefetch_related(
        Prefetch("evidence", queryset=CheckpointEvidence.objects.order_by("uploaded_at", "pk"))
    )
    items = list(
        responsibility_list.items.select_related("carried_from__list", "carried_to__list")
        .prefetch_related(Prefetch("entries", queryset=entries))
        .order_by("order", "pk")
    )
    window = CheckpointWindow.for_year(responsibility_list.year)
    today = timezone.localdate()
    open_stages = {stage for stage in Stage.values if window.is_open(stage, today)}
    for item in items:
        by_stage = {entry.stage: entry for entry in item.entries.all()}
        item.checkpoints = [(stage, label, by_stage.get(stage)) for stage, label in Stage.choices]
        plan = by_stage.get(Stage.PLAN)
        item.plan_editable = plan is None or plan.is_editable
        item.plan_confirmed = plan is not None and plan.review == Review.CONFIRMED
    may_edit = lists.may_edit(user, responsibility_list)
    final_opens, _ = window.dates(Stage.FINAL)
    return render(
        request,
        "assessments/lists/list_detail.html",
        {
            "list": responsibility_list,
            "items": items,
            "window": window,
            "open_stages": open_stages,
            "may_edit": may_edit,
            "may_review": lists.may_review(user, responsibility_list),
            "may_carry": (may_edit or lists.may_review(user, responsibility_list))
            and today >= final_opens,
            "item_form": ItemForm() if may_edit and Stage.PLAN in open_stages else None,
            "changes": _history(responsibility_list, items),
            "stages": Stage.choices,
        },
    )


@require_http_methods(["GET", "POST"])
def responsibilitylist_additem(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    responsibility_list = _list_for(request.user, pk)
    item = ResponsibilityItem(list=responsibility_list)
    return _item_form(request, item, "添加责任事项")


@require_http_methods(["GET", "POST"])
def responsibilityitem_edit(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    item = get_visible_or_404(
        ResponsibilityItem.objects.select_related("list__type", "list__owner_organization"),
        request.user,
        pk=pk,
    )
    return _item_form(request, item, "修改责任事项")


def _item_form(request, item, title):
    form = ItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            lists.save_item(form.instance, by=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "已保存责任事项。")
            return redirect(item.list)
    return render(
        request,
        "assessments/lists/item_form.html",
        {"form": form, "item": item, "list": item.list, "title": title},
    )


@require_POST
def responsibilityitem_delete(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    item = get_visible_or_404(
        ResponsibilityItem.objects.select_related("list__owner_organization"),
        request.user,
        pk=pk,
    )
    try:
        lists.delete_item(item, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "已删除责任事项。")
    return redirect(item.list)


def _stage_of(request) -> str:
    stage = request.POST.get("stage") or request.GET.get("stage") or ""
    if stage not in Stage.values:
        raise Http404("环节参数无效。")
    return stage


@require_http_methods(["GET", "POST"])
def responsibilityitem_checkpoint(request, pk):
    """Fill one checkpoint of an item; "保存" keeps a draft, "提交审核" sends it up."""
    roles.require(request.user, roles.EDIT_RECORDS)
    item = get_visible_or_404(
        ResponsibilityItem.objects.select_related("list__type", "list__owner_organization"),
        request.user,
        pk=pk,
    )
    stage = _stage_of(request)
    entry = item.entries.filter(stage=stage).first()
    initial = {}
    if entry is not None:
        initial = {"progress": entry.progress, "completed_on": entry.completed_on}
        initial["note"] = entry.note
    form = CheckpointForm(request.POST or None, initial=initial, stage=stage)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lists.save_checkpoint(
                item,
                stage,
                progress=data.get("progress", ""),
                completed_on=data.get("completed_on"),
                note=data.get("note", ""),
                uploads=request.FILES.getlist("files"),
                submit="submit" in request.POST,
                by=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            done = "已提交审核" if "submit" in request.POST else "已保存"
            messages.success(request, f"{Stage(stage).label}{done}。")
            return redirect(item.list)
    evidence = entry.evidence.select_related("uploaded_by") if entry else []
    return render(
        request,
        "assessments/lists/checkpoint_form.html",
        {
            "form": form,
            "item": item,
            "list": item.list,
            "stage": stage,
            "stage_label": Stage(stage).label,
            "entry": entry,
            "evidence": evidence,
            "window": CheckpointWindow.for_year(item.list.year),
        },
    )


@require_POST
def responsibilitylist_submit(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    responsibility_list = _list_for(request.user, pk)
    stage = _stage_of(request)
    try:
        count = lists.submit_stage(responsibility_list, stage, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"已提交{count}项{Stage(stage).label}，等待审核。")
    return redirect(responsibility_list)


@require_POST
def checkpointentry_review(request, pk):
    roles.require(request.user, roles.REVIEW)
    entry = get_visible_or_404(
        CheckpointEntry.objects.select_related(
            "item__list__owner_organization", "item__list__type"
        ),
        request.user,
        pk=pk,
    )
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择确认或退回。")
        return redirect(entry.item.list)
    comment = form.cleaned_data["comment"]
    try:
        if form.cleaned_data["decision"] == "confirm":
            lists.confirm_entry(entry, by=request.user, comment=comment)
            messages.success(request, f"已确认{entry.get_stage_display()}。")
        else:
            lists.return_entry(entry, comment=comment, by=request.user)
            messages.success(request, f"已退回{entry.get_stage_display()}。")
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect(f"{entry.item.list.get_absolute_url()}#item-{entry.item_id}")


@require_POST
def responsibilitylist_carryover(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    responsibility_list = _list_for(request.user, pk)
    try:
        target, created = lists.carry_over(responsibility_list, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(responsibility_list)
    if created:
        messages.success(request, f"已将{len(created)}项未完成事项结转到{target.year}年清单。")
    else:
        messages.info(request, "没有需要结转的未完成事项（已结转的不会重复结转）。")
    return redirect(target)


@require_GET
def checkpointevidence_download(request, pk):
    """Streamed only through the scoped lookup; never guessed or run by the browser."""
    evidence = get_visible_or_404(CheckpointEvidence.objects.all(), request.user, pk=pk)
    return serve(evidence)


@require_POST
def checkpointevidence_delete(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    evidence = get_visible_or_404(
        CheckpointEvidence.objects.select_related("entry__item__list__owner_organization"),
        request.user,
        pk=pk,
    )
    item = evidence.entry.item
    try:
        lists.remove_evidence(evidence, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"已删除“{evidence.original_name}”。")
    return redirect(f"{reverse('assessments:responsibilityitem-checkpoint', args=[item.pk])}"
                    f"?stage={evidence.entry.stage}")  # fmt: skip


urlpatterns = [
    path("", index, name="index"),
    path("lists/new/", responsibilitylist_create, name="responsibilitylist-create"),
    path("lists/<int:pk>/", responsibilitylist_detail, name="responsibilitylist-detail"),
    path("lists/<int:pk>/add-item/", responsibilitylist_additem, name="responsibilitylist-additem"),
    path("lists/<int:pk>/submit/", responsibilitylist_submit, name="responsibilitylist-submit"),
    path(
        "lists/<int:pk>/carry-over/",
        responsibilitylist_carryover,
        name="responsibilitylist-carryover",
    ),
    path("list-items/<int:pk>/edit/", responsibilityitem_edit, name="responsibilityitem-edit"),
    path(
        "list-items/<int:pk>/delete/", responsibilityitem_delete, name="responsibilityitem-delete"
    ),
    path(
        "list-items/<int:pk>/checkpoint/",
        responsibilityitem_checkpoint,
        name="responsibilityitem-checkpoint",
    ),
    path(
        "list-checkpoints/<int:pk>/review/",
        checkpointentry_review,
        name="checkpointentry-review",
    ),
    path("list-files/<int:pk>/", checkpointevidence_download, name="checkpointevidence-download"),
    path(
        "list-files/<int:pk>/delete/",
        checkpointevidence_delete,
        name="checkpointevidence-delete",
    ),
]
