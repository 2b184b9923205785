"""Ledgers of organisational life: the 三会一课 record book, the compliance table and the
service ledgers, all through the one export mechanism (alxa_dangjian.ledgers)."""

from django import forms
from django.db.models import Count, Q
from django.utils import timezone

from alxa_dangjian.accounts.scoping import scope_path
from alxa_dangjian.ledgers.params import YearLedgerForm, in_chosen_subtree
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column
from branches.models import Organization

from .compliance import JUDGED_TYPES, Status, compute
from .models import Activity, ActivityKind, Attendance
from .models.service_ledgers import ServiceLedgerType, ServiceRecord

# --- 三会一课台账 ---------------------------------------------------------------------------


class ActivityLedgerForm(YearLedgerForm):
    kind = forms.ModelChoiceField(
        label="类型",
        queryset=ActivityKind.objects.filter(is_active=True),
        required=False,
        empty_label="全部类型",
        error_messages={"invalid_choice": "所选类型不存在。"},
    )


def activity_queryset(user, options):
    """The records the chosen organisation (or the user's whole scope) counts: hosted in its
    subtree, or joined by a branch of it that confirmed — a partner's record book lists no
    joint record it declined or has not answered (the form only offers visible organisations)."""
    chosen = options.get("organization")
    path = chosen.path if chosen is not None else scope_path(user)
    if path is None:
        return Activity.objects.none().values_list("pk")
    activities = Activity.objects.in_subtree(path).filter(held_on__year=options["year"])
    if options.get("kind"):
        activities = activities.of_kind(options["kind"])
    return (
        activities.annotate(
            present=Count("attendances", filter=Q(attendances__status=Attendance.Status.PRESENT)),
            leave=Count("attendances", filter=Q(attendances__status=Attendance.Status.LEAVE)),
            absent=Count("attendances", filter=Q(attendances__status=Attendance.Status.ABSENT)),
        )
        .order_by("organization__path", "held_on", "pk")
        .values_list(
            "pk",
            "organization__name",
            "held_on",
            "kind__name",
            "theme",
            "place",
            "host",
            "present",
            "leave",
            "absent",
            "status",
        )
    )


def joint_and_combined(user, options) -> dict[str, dict[int, list[str]]]:
    """The partner branches of every joint activity of the year, and the kinds each combined
    meeting also counts as (in kind order): two queries."""
    records = activity_queryset(user, options).values("pk")
    through = Activity.joint_organizations.through
    joint: dict[int, list[str]] = {}
    for activity_id, name, status in through.objects.filter(activity__in=records).values_list(
        "activity_id", "organization__name", "status"
    ):
        # A partner that has not confirmed is named with its state (it does not count).
        if status != through.Status.CONFIRMED:
            name = f"{name}（{through.Status(status).label}）"
        joint.setdefault(activity_id, []).append(name)
    combined: dict[int, list[str]] = {}
    for activity_id, name in (
        Activity.also_kinds.through.objects.filter(activity__in=records)
        .order_by("activitykind__sort_order", "activitykind_id")
        .values_list("activity_id", "activitykind__name")
    ):
        combined.setdefault(activity_id, []).append(name)
    return {"joint": joint, "combined": combined}


_STATUS = dict(Activity.Status.choices)


def activity_row(item, context):
    pk, organization, held_on, kind, theme, place, host, present, leave, absent, status = item
    return (
        organization,
        held_on,
        "暨".join([kind, *context.data["combined"].get(pk, [])]),
        theme,
        place,
        host,
        present + leave + absent,
        present,
        leave,
        absent,
        "、".join(context.data["joint"].get(pk, [])),
        _STATUS.get(status, status),
    )


register(
    Ledger(
        code="activities",
        title="三会一课台账",
        description="一年内的组织生活记录：类型、主题、主持人/主讲人、应到与出勤人数、联合开展的党组织。",
        columns=(
            Column("党组织", 26),
            Column("日期", 12, "date"),
            Column("类型", 12),
            Column("主题", 32),
            Column("地点", 16),
            Column("主持人/主讲人", 12),
            Column("应到", 6, "int"),
            Column("出席", 6, "int"),
            Column("请假", 6, "int"),
            Column("缺席", 6, "int"),
            Column("联合开展", 24),
            Column("状态", 8),
        ),
        queryset=activity_queryset,
        row=activity_row,
        params_form=ActivityLedgerForm,
        prepare=joint_and_combined,
    )
)


# --- 组织生活合规情况表 ---------------------------------------------------------------------


MONTH_ERROR = "月份须为 1 至 12 的整数。"


class ComplianceLedgerForm(YearLedgerForm):
    month = forms.IntegerField(
        label="月份",
        min_value=1,
        max_value=12,
        required=False,
        help_text="列出包含该月的各周期（当月、当季、当年）的完成情况；不填则为本月。",
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), MONTH_ERROR),
    )

    def clean_month(self):
        return self.cleaned_data.get("month") or timezone.localdate().month


def compliance_branches(user, options):
    return in_chosen_subtree(Organization.objects.visible_to(user), options, "path").filter(
        type__in=JUDGED_TYPES, is_active=True
    )


def compliance_queryset(user, options):
    return (
        compliance_branches(user, options)
        .order_by("path")
        .values_list("pk", "name", "parent__name")
    )


def compliance_report(user, options):
    """Compute every branch's compliance once; rows then only look it up."""
    report = compute(compliance_branches(user, options), options["year"])
    month = options["month"]
    kinds = []
    cells = {}
    for cell in report.cells:
        if month not in cell.period.months:
            continue
        key = (cell.rule.kind.sort_order, cell.rule.kind.name, cell.period.kind)
        if key not in kinds:
            kinds.append(key)
        cells[(cell.organization_id, key)] = cell
    return {"kinds": sorted(kinds), "cells": cells}


PERIOD_WORDS = {"month": "当月", "quarter": "当季", "year": "当年"}


def compliance_columns(context):
    return (
        Column("党支部", 28),
        Column("上级党组织", 22),
        *(
            Column(f"{name}（{PERIOD_WORDS[period]}）", 14)
            for _, name, period in context.data["kinds"]
        ),
        Column("未完成项", 8, "int"),
    )


def compliance_row(item, context):
    pk, name, parent = item
    values, missing = [], 0
    for key in context.data["kinds"]:
        cell = context.data["cells"].get((pk, key))
        if cell is None:
            values.append("不适用")
            continue
        values.append(f"{cell.held}/{cell.required} {Status.LABELS[cell.status]}")
        missing += cell.status in (Status.DUE, Status.OVERDUE)
    return (name, parent, *values, missing)


register(
    Ledger(
        code="compliance",
        title="组织生活合规情况表",
        description="各党支部在所选月份所在周期（当月、当季、当年）内，各类组织生活已开展/应开展次数及状态。",
        columns=compliance_columns,
        queryset=compliance_queryset,
        row=compliance_row,
        params_form=ComplianceLedgerForm,
        prepare=compliance_report,
    )
)


# --- 服务台账 -------------------------------------------------------------------------------


class ServiceLedgerForm(YearLedgerForm):
    type = forms.ModelChoiceField(
        label="台账类型",
        queryset=ServiceLedgerType.objects.filter(is_active=True),
        required=False,
        empty_label="全部类型",
        error_messages={"invalid_choice": "所选台账类型不存在。"},
    )


def service_queryset(user, options):
    records = in_chosen_subtree(ServiceRecord.objects.visible_to(user), options).in_year(
        options["year"]
    )
    if options.get("type"):
        records = records.filter(type=options["type"])
    return records.order_by("type__sort_order", "organization__path", "started_on").values_list(
        "type__name",
        "title",
        "organization__name",
        "people",
        "partner",
        "started_on",
        "ended_on",
        "status",
        "quantity",
    )


_SERVICE_STATUS = dict(ServiceRecord.Status.choices)


def service_row(item, context):
    *head, status, quantity = item
    return (*head, _SERVICE_STATUS.get(status, status), quantity)


register(
    Ledger(
        code="service-records",
        title="服务台账",
        description="我为群众办实事、承诺践诺、志愿服务、结对共建等服务台账，可按类型筛选。",
        columns=(
            Column("台账类型", 16),
            Column("名称", 30),
            Column("责任党组织", 26),
            Column("参与人员", 20),
            Column("服务对象", 18),
            Column("开始日期", 12, "date"),
            Column("结束日期", 12, "date"),
            Column("状态", 8),
            Column("数量", 8, "decimal"),
        ),
        queryset=service_queryset,
        row=service_row,
        params_form=ServiceLedgerForm,
    )
)
