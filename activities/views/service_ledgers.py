"""Service ledgers (服务台账): the list with counts per type and organisation, the record page,
the record form and its evidence files."""

import datetime
import hashlib
from collections import defaultdict
from html import escape

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alxa_dangjian.accounts import roles
from alxa_dangjian.accounts.scoping import get_visible_or_404, scope_path
from alxa_dangjian.core import caching, params
from alxa_dangjian.core.files import serve
from branches.models import Organization

from ..forms.service_ledgers import ServiceRecordFilterForm, ServiceRecordForm
from ..models import ServiceEvidence, ServiceLedgerType, ServiceRecord
from ..services.service_ledgers import add_evidence, remove_evidence, save_service_record

PAGE_SIZE = 50
MAX_UNIT_ROWS = 60
# The counts read the records and name organisations and ledger types.
COUNTS_TOPICS = (caching.SERVICES, caching.ORGANIZATIONS, caching.RULES)


@require_GET
def servicerecord_list(request):
    """Records of the user's subtree, filtered, under a table of counts per type for each
    organisation one level below the chosen one (the user's own by default)."""
    user = request.user
    form = ServiceRecordFilterForm(request.GET, by=user)
    filters = form.filters()
    types = list(form.fields["type"].queryset)
    scoped = ServiceRecord.objects.visible_to(user)
    unit = filters["organization"] or user.organization
    counts = _cached_counts(
        form.apply(scoped, filters, with_type=False),
        unit,
        types,
        user,
        filters,
        all_units=request.GET.get("units") == "all",
    )
    # Only what a row shows (_record_rows): the description and the rest stay in the database.
    records = (
        form.apply(scoped, filters).select_related("type", "organization").only(*RECORD_ROW_FIELDS)
    )
    # The counts table has already counted these rows: no second COUNT(*) for the paginator.
    total = 0
    if counts:
        total = counts["total"]
        if filters["type"]:
            total = counts["by_type"][filters["type"].pk]
    page = KnownCountPaginator(records, PAGE_SIZE, count=total).get_page(request.GET.get("page"))
    # Committees to narrow to (branches are reached through the counts table), plus the
    # user's own organisation and the current choice.
    pinned = [pk for pk in (user.organization_id, unit.pk if unit else None) if pk]
    # (id, shown name) pairs: at league scale some 250 committees, where model instances and
    # their comparisons in the template cost more than the rest of the form.
    organizations = [
        (pk, short_name or name)
        for pk, short_name, name in Organization.objects.visible_to(user)
        .filter(~Q(type__in=Organization.BRANCH_TYPES) | Q(pk__in=pinned))
        .order_by("path")
        .values_list("pk", "short_name", "name")
    ]
    return render(
        request,
        "activities/servicerecord_list.html",
        {
            "record_rows": _record_rows(page),
            "form": form,
            "filters": filters,
            "types": types,
            "unit": unit,
            "counts": counts,
            "page": page,
            "organizations": organizations,
            "chosen_organization": filters["organization"].pk if filters["organization"] else None,
            "statuses": ServiceRecord.Status.choices,
            "years": form.fields["year"].choices,
            "may_edit": user.may(roles.EDIT_RECORDS),
        },
    )


def _cache_key(kind: str, user, unit, filters, *extra) -> str:
    """A cache key naming everything that narrows the records (the user's scope, the unit,
    the text, status and year filters, plus `extra`) under the versions of COUNTS_TOPICS."""
    parts = (
        scope_path(user),
        unit.path,
        filters["q"],
        filters["status"],
        filters["year"],
        filters["until"],
        extra,
    )
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()
    return caching.key(kind, digest, topics=COUNTS_TOPICS)


def _grouped_counts(records, unit, user, filters) -> list[dict]:
    """The GROUP BY behind the counts table, cached until a service record or the tree
    changes: at league scale it is most of the page's cost."""
    key = _cache_key("service-counts", user, unit, filters)
    return caching.cached(key, lambda: records.counts_by_type_and_branch_of(unit))


def _cached_counts(records, unit, types, user, filters, *, all_units=False) -> dict | None:
    """The whole counts table as `_counts` builds it, cached as well (its key adds the types
    as listed)."""
    if unit is None:
        return None
    listed_types = tuple((t.pk, t.name, t.quantity_label) for t in types)
    key = _cache_key("service-table", user, unit, filters, all_units, listed_types)
    return caching.cached(
        key, lambda: _counts(records, unit, types, user, filters, all_units=all_units)
    )


def _counts(records, unit, types, user, filters, *, all_units=False) -> dict | None:
    """The counts table: one GROUP BY over the records, one query for the child units.

    Past MAX_UNIT_ROWS children, those holding records share one row (the page stays light at
    any scale; `?units=all` lists them all). Cells are rendered here: a template loop per cell
    costs more than the queries at a few hundred rows.
    """
    if unit is None:
        return None
    children = Organization.objects.visible_to(user).filter(parent=unit).order_by("path")
    children = list(children if all_units else children[:MAX_UNIT_ROWS])
    cells = defaultdict(lambda: defaultdict(int))
    quantities, by_type = defaultdict(int), defaultdict(int)
    for row in _grouped_counts(records, unit, user, filters):
        cells[row["unit_path"]][row["type_id"]] += row["n"]
        quantities[row["type_id"]] += row["quantity"] or 0
        by_type[row["type_id"]] += row["n"]  # every type, a deactivated one included

    def numbers_of(organization):
        return [cells[organization.path].get(t.pk, 0) for t in types]

    rows = []
    own = numbers_of(unit)
    if any(own) or not children:  # the unit's own row only when it holds records itself
        rows.append({"organization": unit, "own": True, "numbers": own, "cells": _cells(own)})
    for child in children:
        numbers = numbers_of(child)
        rows.append(
            {"organization": child, "own": False, "numbers": numbers, "cells": _cells(numbers)}
        )
    totals = [sum(cells[p].get(t.pk, 0) for p in cells) for t in types]
    listed = {unit.path, *(child.path for child in children)}
    rest = [path for path in cells if path not in listed]
    if rest:
        numbers = [sum(cells[p].get(t.pk, 0) for p in rest) for t in types]
        rows.append({"rest": len(rest), "numbers": numbers, "cells": _cells(numbers)})
    return {
        "rows": rows,
        "totals": _cells(totals),
        "total": sum(by_type.values()),
        "per_unit": any(not row.get("own") for row in rows),
        "by_type": by_type,
        "summary": [
            (t, n, quantities.get(t.pk) if t.quantity_label else None)
            for t, n in zip(types, totals, strict=True)
        ],
    }


RECORD_ROW_FIELDS = (
    "title",
    "partner",
    "started_on",
    "ended_on",
    "status",
    "quantity",
    "type__name",
    "organization__name",
    "organization__short_name",
)
RECORD_ROW_HTML = (
    '<tr><td><a href="{url}">{title}</a></td><td class="small">{type}</td>'
    '<td class="small">{organization}</td><td class="small">{partner}</td>'
    '<td class="small text-nowrap">{dates}</td>'
    '<td><span class="badge text-bg-{color}">{status}</span></td>'
    '<td class="text-end small">{quantity}</td></tr>'
)


def _record_rows(page) -> str:
    """The page's record rows, rendered here in one pass: a template loop over 50 rows × 7
    cells was a third of the page's cost. Every stored text is escaped with the standard
    library's html.escape (quotes included)."""
    rows = []
    for record in page:
        dates = record.started_on.isoformat()
        if record.ended_on:
            dates += f" 至 {record.ended_on.isoformat()}"
        rows.append(
            RECORD_ROW_HTML.format(
                url=escape(record.get_absolute_url()),
                title=escape(record.title),
                type=escape(record.type.name),
                organization=escape(record.organization.display_name),
                partner=escape(record.partner or "—"),
                dates=dates,
                color=record.status_color,
                status=escape(record.get_status_display()),
                quantity=escape(record.quantity_text or "—"),
            )
        )
    return mark_safe("".join(rows))


class KnownCountPaginator(Paginator):
    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self):
        return self.known_count


def _cells(numbers) -> str:
    """One <td> per type and one for the row total; a dash for zero."""
    return format_html_join(
        "",
        '<td class="text-center">{}</td>',
        ((n or mark_safe('<span class="text-muted">—</span>'),) for n in [*numbers, sum(numbers)]),
    )


@require_GET
def servicerecord_detail(request, pk):
    record = get_visible_or_404(
        ServiceRecord.objects.select_related("type", "organization", "created_by"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "activities/servicerecord_detail.html",
        {
            "record": record,
            "members": record.members.select_related("organization").order_by(
                "organization__path", "name"
            ),
            "evidence": record.evidence.select_related("uploaded_by"),
            "may_edit": request.user.may(roles.EDIT_RECORDS),
        },
    )


@require_http_methods(["GET", "POST"])
def servicerecord_create(request):
    roles.require(request.user, roles.EDIT_RECORDS)
    initial = {
        "organization": request.GET.get("organization") or request.user.organization_id,
        "started_on": datetime.date.today(),
        "status": ServiceRecord.Status.IN_PROGRESS,
    }
    code = params.text(request, "type", max_length=50)
    if code:
        initial["type"] = ServiceLedgerType.objects.filter(code=code, is_active=True).first()
    return _record_form(request, ServiceRecord(), initial=initial)


@require_http_methods(["GET", "POST"])
def servicerecord_edit(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    record = get_visible_or_404(
        ServiceRecord.objects.select_related("type", "organization"), request.user, pk=pk
    )
    return _record_form(request, record)


def _record_form(request, record, initial=None):
    form = ServiceRecordForm(
        request.POST or None, instance=record, initial=initial, by=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = save_service_record(
                form.save(commit=False), members=form.cleaned_data["members"], by=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"已保存服务台账“{record.title}”。")
            return redirect(record)
    return render(
        request,
        "activities/servicerecord_form.html",
        {"form": form, "record": record if record.pk else None},
    )


def _add_errors(form, error):
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@require_POST
def servicerecord_add_evidence(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    record = get_visible_or_404(
        ServiceRecord.objects.select_related("organization"), request.user, pk=pk
    )
    try:
        added = add_evidence(record, uploads=request.FILES.getlist("files"), by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"已上传佐证材料{len(added)}个。")
    return redirect(record)


@require_GET
def serviceevidence_download(request, pk):
    evidence = get_visible_or_404(ServiceEvidence, request.user, pk=pk)
    return serve(evidence)


@require_POST
def serviceevidence_delete(request, pk):
    roles.require(request.user, roles.EDIT_RECORDS)
    evidence = get_visible_or_404(
        ServiceEvidence.objects.select_related("record__organization"), request.user, pk=pk
    )
    try:
        remove_evidence(evidence, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"已删除佐证材料“{evidence.original_name}”。")
    return redirect(evidence.record)


urlpatterns = [
    path("services/", servicerecord_list, name="servicerecord-list"),
    path("services/new/", servicerecord_create, name="servicerecord-create"),
    path("services/<int:pk>/", servicerecord_detail, name="servicerecord-detail"),
    path("services/<int:pk>/edit/", servicerecord_edit, name="servicerecord-edit"),
    path(
        "services/<int:pk>/evidence/", servicerecord_add_evidence, name="servicerecord-add-evidence"
    ),
    path("services/evidence/<int:pk>/", serviceevidence_download, name="serviceevidence-download"),
    path(
        "services/evidence/<int:pk>/delete/", serviceevidence_delete, name="serviceevidence-delete"
    ),
]
