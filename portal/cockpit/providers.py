"""Figures and charts of organisations, members and development cases. Each function is one
provider (see base.py); organisational life is in providers_life.py, the other apps' figures
in providers_apps.py, and the lists that put them on the cockpit in `__init__.py`."""

import datetime
from collections import Counter

from django.db.models import Count, Q
from django.utils import timezone

from alxa_dangjian.accounts import scoping
from branches.models import (
    STAGE_AFTER_STEP,
    STEP_ORDER,
    DevelopmentCase,
    DevelopmentStep,
    Member,
    Organization,
    Stage,
    add_years,
)
from branches.models.members import AGE_BAND_LIMITS, AgeBand, full_on, lost_contact_cutoff

from .base import Chart, Figure, Part, Period, Scope, Series

OPEN_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)


# Organisations ---------------------------------------------------------------------------------


def organizations(scope: Scope, period: Period) -> list[Figure]:
    """Active organisations founded by the period's end (no founding date: always counted),
    by type and by guidance category, with the type × category matrix of the home page."""
    counts = {
        (row["type"], row["category"]): row["n"]
        for row in scope.organizations()
        .existing_on(period.end)
        .order_by()
        .values("type", "category")
        .annotate(n=Count("pk"))
    }

    def list_url(**params) -> str:
        return scope.url("branches:organization-list", as_of=period.end.isoformat(), **params)

    by_type = Counter()
    by_category = Counter()
    for (type_value, category), n in counts.items():
        by_type[type_value] += n
        by_category[category] += n
    matrix = []
    for type_value, type_label in Organization.Type.choices:
        if not by_type[type_value]:
            continue
        cells = [
            (
                category,
                counts.get((type_value, category), 0),
                list_url(type=type_value, category=category),
            )
            for category in Organization.Category.values
        ]
        matrix.append(
            {
                "type": type_value,
                "label": type_label,
                "url": list_url(type=type_value),
                "cells": cells,
                "total": by_type[type_value],
            }
        )
    note = "有效党组织，按成立日期推算（未填成立日期的计入）。"
    total = Figure(
        "organizations",
        "党组织",
        sum(counts.values()),
        list_url(),
        unit="个",
        note=note,
        parts=[
            Part(value, label, by_type[value], list_url(type=value))
            for value, label in Organization.Type.choices
            if by_type[value]
        ],
        extra={
            "matrix": matrix,
            "category_totals": [
                (value, label, by_category[value], list_url(category=value))
                for value, label in Organization.Category.choices
            ],
        },
    )
    branches = Figure(
        "branches",
        "党支部（含联合、临时）",
        sum(by_type[t] for t in Organization.BRANCH_TYPES),
        list_url(type="branches"),
        unit="个",
        note=note,
        parts=[
            Part(value, label, by_category[value], list_url(category=value))
            for value, label in Organization.Category.choices
            if by_category[value]
        ],
    )
    return [total, branches]


# Members ---------------------------------------------------------------------------------------


def members(scope: Scope, period: Period) -> Figure:
    """Members in good standing who had joined by the period's end; 正式 once confirmed by
    then. Members who have left since are not in last year's figure (no history is kept)."""
    end = period.end
    joined = scope.members().in_good_standing().as_of(end)
    confirmed = full_on(end)
    counts = joined.aggregate(
        full=Count("pk", filter=confirmed),
        probationary=Count("pk", filter=~confirmed),
        lost=Count("pk", filter=Q(lost_contact_since__lte=lost_contact_cutoff(end))),
    )

    def list_url(**params) -> str:
        return scope.url("branches:member-list", as_of=end.isoformat(), **params)

    return Figure(
        "members",
        "党员",
        counts["full"] + counts["probationary"],
        list_url(),
        unit="名",
        note="党籍正常的党员，按入党、转正日期推算；已转出等党员不计入往年数字。",
        parts=[
            Part("full", "正式党员", counts["full"], list_url(status="full")),
            Part(
                "probationary", "预备党员", counts["probationary"], list_url(status="probationary")
            ),
            Part("lost", "失联党员", counts["lost"], list_url(lost_contact="on")),
        ],
    )


def member_composition(scope: Scope, period: Period) -> list[Chart]:
    """Today's roster (党籍正常) by 民族, 学历, 人员类别 and age band."""
    roster = scope.members().in_good_standing()
    ethnicity, education, category = Counter(), Counter(), Counter()
    for row in (
        roster.order_by().values("ethnicity", "education", "category").annotate(n=Count("pk"))
    ):
        ethnicity[row["ethnicity"]] += row["n"]
        education[row["education"]] += row["n"]
        category[row["category"]] += row["n"]
    if not sum(ethnicity.values()):
        return []
    list_url = "branches:member-list"
    today = period.end
    ages = roster.aggregate(
        **{band: Count("pk", filter=_age_band(band, today)) for band in AgeBand.values}
    )
    ethnic_names = [name for name, _ in ethnicity.most_common()]
    educations = [(v, label) for v, label in Member.Education.choices if education[v]]
    categories = [(v, label) for v, label in Member.Category.choices if category[v]]
    return [
        Chart(
            "member-ethnicity",
            "党员民族构成",
            "pie",
            ethnic_names,
            [
                Series(
                    "党员",
                    [ethnicity[name] for name in ethnic_names],
                    [scope.url(list_url, ethnicity=name) for name in ethnic_names],
                )
            ],
        ),
        Chart(
            "member-education",
            "党员学历构成",
            "bar",
            [label for _, label in educations],
            [
                Series(
                    "党员",
                    [education[v] for v, _ in educations],
                    [scope.url(list_url, education=v) for v, _ in educations],
                )
            ],
        ),
        Chart(
            "member-age",
            "党员年龄结构",
            "bar",
            AgeBand.labels,
            [
                Series(
                    "党员",
                    [ages[band] for band in AgeBand.values],
                    [scope.url(list_url, age_band=band) for band in AgeBand.values],
                )
            ],
        ),
        Chart(
            "member-category",
            "党员人员类别",
            "hbar",
            [label for _, label in categories],
            [
                Series(
                    "党员",
                    [category[v] for v, _ in categories],
                    [scope.url(list_url, category=v) for v, _ in categories],
                )
            ],
            height=40 + 32 * len(categories),
        ),
    ]


def _age_band(band: str, today: datetime.date) -> Q:
    """The same birth-date range as `MemberQuerySet.in_age_band` (the list the chart links to)."""
    low, high = AGE_BAND_LIMITS[band]
    condition = Q()
    if low is not None:
        condition &= Q(birth_date__lte=add_years(today, -low))
    if high is not None:
        condition &= Q(birth_date__gt=add_years(today, -high))
    return condition


# Developing members ----------------------------------------------------------------------------


def development(scope: Scope, period: Period) -> list[Figure]:
    """Open cases by stage at the period's end, and admissions (上级党委审批预备党员) in it."""
    cases = scoping.within(DevelopmentCase.objects, scope)
    if period.end >= timezone.localdate():
        # Today: the stored stage, exactly what the list counts.
        by_stage = Counter(
            {
                row["stage"]: row["n"]
                for row in cases.open().order_by().values("stage").annotate(n=Count("pk"))
            }
        )
    else:
        by_stage = _stages_on(cases, period.end)
    admitted = cases.admitted_between(period.start, period.end).count()
    list_url = "branches:developmentcase-list"
    return [
        Figure(
            "development",
            "发展党员（培养中）",
            sum(by_stage[s] for s in OPEN_STAGES),
            scope.url(list_url),
            unit="名",
            note="未终止、尚未转正的发展对象，按各步骤日期推算所处阶段。",
            parts=[
                Part(stage, Stage(stage).label, by_stage[stage], scope.url(list_url, stage=stage))
                for stage in OPEN_STAGES
            ],
        ),
        Figure(
            "admissions",
            "本年接收预备党员",
            admitted,
            scope.url(
                list_url,
                stage="all",
                admitted_from=period.start.isoformat(),
                admitted_to=period.end.isoformat(),
            ),
            unit="名",
            note="上级党委审批接收为预备党员的日期在本年（截至今日）。",
        ),
    ]


def _stages_on(cases, day: datetime.date) -> Counter:
    """Each case's stage on `day`, from its dated steps (cases closed by then left out)."""
    order = {step: index for index, step in enumerate(STEP_ORDER)}
    last = {}
    for case_id, step in (
        DevelopmentStep.objects.filter(case__in=cases.values("pk"), done_on__lte=day)
        .exclude(case__is_closed=True, case__closed_at__date__lte=day)
        .values_list("case_id", "step")
    ):
        if case_id not in last or order[step] > order[last[case_id]]:
            last[case_id] = step
    return Counter(STAGE_AFTER_STEP[step] for step in last.values())
