"""The 三会一课台账: every activity record in the chosen year and subtree, with its
attendance, joint partners and combined kinds."""

from django import forms
from django.db.models import Count, Q

from alxa_dangjian.accounts.scoping import scope_path
from alxa_dangjian.ledgers.params import YearLedgerForm
from alxa_dangjian.ledgers.registry import Ledger, register
from alxa_dangjian.ledgers.xlsx import Column

from ..models import Activity, ActivityKind, Attendance


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
