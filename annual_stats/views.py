"""The annual statistics page and the drill-down behind each of its cells.

Both read `as_of` (the 统计截止日, default 31 December of last year) and `org` (the place,
default the user's organisation; outside the user's subtree a 404). A bad date is answered
with a Chinese message and the default day, never a 500."""

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.scoping import get_visible_or_404
from alxa_dangjian.core import params
from branches.models import DevelopmentCase, Member, Organization
from branches.models.development import Stage

from . import report as reports
from . import services
from .models import FrozenReport, StatRow, StatTable

PER_PAGE = 50
MSG_BAD_DAY = "统计截止日应为 YYYY-MM-DD 格式的有效日期（2000至2100年）。"
MSG_FUTURE_DAY = "统计截止日不能晚于今天。"
MSG_DEFAULT_USED = "已按默认截止日 {day} 统计。"


def _day_and_place(request, data=None):
    """The day and place asked for in the query string (or in `data`, a form's POST)."""
    source = request if data is None else SimpleNamespace(GET=data)
    today = timezone.localdate()
    default = reports.default_day(today)
    raw = params.text(source, "as_of", max_length=20)
    day, message = default, ""
    if raw:
        parsed = params.date_param(source, "as_of")
        if parsed is None:
            message = MSG_BAD_DAY
        elif parsed > today:
            message = MSG_FUTURE_DAY
        else:
            day = parsed
    organization = request.user.organization
    if params.text(source, "org"):
        pk = params.pk(source, "org")
        if pk is None:
            raise Http404("没有找到该党组织。")
        organization = get_visible_or_404(Organization, request.user, pk=pk)
    elif scoping.scope_path(request.user) is None:
        raise Http404("您的账号没有所属党组织。")
    return day, organization, message


def _shown(problem: str, day) -> str:
    """A page's answer to a bad day: what was wrong, and that the default day was used."""
    return problem + MSG_DEFAULT_USED.format(day=day.isoformat()) if problem else ""


def _visible_ids(user) -> list[int]:
    return list(Organization.objects.visible_to(user).values_list("pk", flat=True))


@require_GET
def report(request):
    day, place, problem = _day_and_place(request)
    message = _shown(problem, day)
    result = reports.build(place, day, visible=_visible_ids(request.user))
    places = Organization.objects.visible_to(request.user).exclude(
        type__in=Organization.BRANCH_TYPES
    )
    return render(
        request,
        "annual_stats/report.html",
        {
            "report": result,
            "message": message,
            "places": list(places.only("pk", "name", "path")),
            "place": place,
            "can_export": request.user.may(roles.EXPORT),
            "can_freeze": request.user.may(roles.EDIT_RECORDS),
            "versions": list(FrozenReport.objects.of(place, day).select_related("frozen_by")),
        },
    )


@require_POST
def freeze(request):
    """Submit the report of the posted day and place: its numbers kept as the next version."""
    roles.require(request.user, roles.EDIT_RECORDS)
    day, place, message = _day_and_place(request, request.POST)
    back = redirect(f"{reverse('annual_stats:report')}?as_of={day.isoformat()}&org={place.pk}")
    if message:
        messages.error(request, message)
        return back
    if request.POST.get("confirm") != "1":
        messages.error(request, "请勾选确认：提交后本版数字将冻结，更正须提交新版本。")
        return back
    try:
        frozen = services.freeze_report(
            place=place, day=day, by=request.user, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return back
    messages.success(request, f"已提交第{frozen.version}版，数字已冻结。")
    return redirect(frozen)


@require_GET
def frozenreport_detail(request, pk):
    frozen = get_visible_or_404(FrozenReport, request.user, pk=pk)
    previous = (
        FrozenReport.objects.of(frozen.organization, frozen.day)
        .filter(version__lt=frozen.version)
        .first()
    )
    return render(
        request,
        "annual_stats/frozenreport_detail.html",
        {
            "frozen": frozen,
            "previous": previous,
            "differences": services.differences(previous, frozen),
        },
    )


@require_GET
def cell(request):
    day, place, problem = _day_and_place(request)
    message = _shown(problem, day)
    if not params.text(request, "row"):  # no cell chosen: the report it belongs to
        return redirect(f"{reverse('annual_stats:report')}?as_of={day.isoformat()}&org={place.pk}")
    row_pk = params.pk(request, "row")
    row = StatRow.objects.select_related("table").filter(pk=row_pk, table__is_active=True).first()
    if row is None:
        raise Http404("没有找到该统计栏目。")
    calculator, records = reports.cell_records(place, day, row, visible=_visible_ids(request.user))
    if records is None:
        records = []
        message = message or "该栏目的统计口径无法识别，请联系系统管理员检查统计表设置。"
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    snap = calculator.opening if row.dimension == "opening" else calculator.closing
    headers, rows = _listing(request.user, row.table.kind, list(page), snap)
    return render(
        request,
        "annual_stats/cell.html",
        {
            "row": row,
            "day": day,
            "shown_day": snap.day,
            "place": place,
            "page": page,
            "headers": headers,
            "rows": rows,
            "message": message,
            "back": f"?as_of={day.isoformat()}&org={place.pk}",
        },
    )


PERSON_HEADERS = ["姓名", "性别", "民族", "年龄", "学历"]


def _listing(user, kind: str, records: list, snap) -> tuple[list[str], list[dict]]:
    """Column headers and one row per record of a page: {name, url (None when the user may
    not open it today), cells}. One query for what the user may open."""
    day = snap.day

    def organization(pk):
        found = snap.organizations.get(pk)
        return found.name if found else "—"

    def person(record) -> list:
        return [
            _label(Member.Gender, record.gender),
            record.ethnicity,
            record.age_on(day) if record.birth_date else "—",
            _label(Member.Education, record.education),
        ]

    if kind == StatTable.Kind.ORGANIZATIONS:
        may_open = _visible(Organization, user, [r.id for r in records])
        headers = ["党组织", "组织类型", "分类指导类别", "当日上级党组织"]
        rows = [
            {
                "name": r.name,
                "url": reverse("branches:organization-detail", args=[r.id])
                if r.id in may_open
                else None,
                "cells": [
                    _label(Organization.Type, r.type),
                    _label(Organization.Category, r.category),
                    organization(r.parent_id),
                ],
            }
            for r in records
        ]
        return headers, rows
    if kind == StatTable.Kind.DEVELOPMENT:
        may_open = _visible(DevelopmentCase, user, [r.id for r in records])
        headers = [*PERSON_HEADERS, "当日所处阶段", "上级党委审批日期", "所在党组织"]
        rows = [
            {
                "name": r.name,
                "url": reverse("branches:developmentcase-detail", args=[r.id])
                if r.id in may_open
                else None,
                "cells": [
                    *person(r),
                    _label(Stage, r.stage),
                    r.admitted_on or "—",
                    organization(r.organization_id),
                ],
            }
            for r in records
        ]
        return headers, rows
    member_of = (lambda r: r.member_id) if kind == StatTable.Kind.SECRETARIES else (lambda r: r.id)
    may_open = _visible(Member, user, [member_of(r) for r in records])
    if kind == StatTable.Kind.SECRETARIES:
        headers = [*PERSON_HEADERS, "任职日期", "任职年限", "党组织"]
        extra = [[r.started_on, r.tenure_on(day), organization(r.organization_id)] for r in records]
    else:
        headers = [*PERSON_HEADERS, "党员类型", "入党日期", "党籍状态", "当日所在党组织"]
        extra = [
            [
                _label(Member.Status, r.status),
                r.joined_on,
                _label(Member.Standing, r.standing),
                organization(r.organization_id),
            ]
            for r in records
        ]
    rows = [
        {
            "name": r.name,
            "url": reverse("branches:member-detail", args=[member_of(r)])
            if member_of(r) in may_open
            else None,
            "cells": [*person(r), *more],
        }
        for r, more in zip(records, extra, strict=True)
    ]
    return headers, rows


def _visible(model, user, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(model.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value or "—"
