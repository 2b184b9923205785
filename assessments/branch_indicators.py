"""Auto indicators of organisation building for the year-end assessment
(assessments/indicators.py): 换届 on time, development steps within the timing rules and the
set-up rules (组织设置). Each runs a fixed number of queries for any number of organisations.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.core import rules
from branches.models import DevelopmentCase, DevelopmentStep, Organization, Step, Term, TimingRule

from .indicators import (
    AutoIndicator,
    Measure,
    as_of,
    register,
    rollup,
    subtree_condition,
)

# The indicators' codes (their drill-downs: assessments/views/branch_indicator_detail.py).
TERMS = "term-on-time"
DEVELOPMENT = "development-steps"
SETUP = "setup-rules"


def _sum_over_subtrees(per_org: dict[int, Measure], paths: dict[int, str], organizations):
    """Every organisation's measure summed over itself and its descendants (whose measures
    and paths are given): one pass over the descendants, no query."""
    sums: dict[str, list] = defaultdict(lambda: [0, 0, 0, []])
    for pk, measure in per_org.items():
        segments = paths[pk].split("/")
        for depth in range(1, len(segments)):
            total = sums["/".join(segments[:depth]) + "/"]
            total[0] += measure.numerator
            total[1] += measure.denominator or 0
            total[2] += measure.inputs
            if measure.note:
                total[3].append(measure.note)
    result = {}
    for org in organizations:
        numerator, denominator, inputs, notes = sums.get(org.path, [0, 0, 0, []])
        result[org.pk] = Measure(numerator, denominator, inputs, "；".join(notes[:3]))
    return result


# --- 换届按期 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgedTerm:
    """One term the 按期换届 indicator judges (`term` None: the organisation has none)."""

    organization_id: int
    term: tuple | None  # (number, elected_on, due_end, actual_end)
    on_time: bool

    @property
    def note(self) -> str:
        return "未登记届次" if self.term is None else ""


def judged_terms(year: int, organizations) -> tuple[dict[int, str], list[JudgedTerm]]:
    """The organisations judged (active, holding elections — not a 临时党支部 nor the root
    work committee, which the 盟委 appoints —, in the subtrees of `organizations`:
    {pk: path}) and the terms judged: those that fell due by the judging day and were still
    running at the start of the year — on time when closed (换届) by their due end — plus
    one overdue row for each judged organisation with no term recorded at all."""
    organizations = list(organizations)
    day = as_of(year)
    start = datetime.date(year, 1, 1)
    judged_qs = Organization.objects.filter(
        subtree_condition(organizations), is_active=True
    ).exclude(type__in=(Organization.Type.TEMPORARY_BRANCH, Organization.Type.WORK_COMMITTEE))
    judged = dict(judged_qs.values_list("pk", "path"))
    rows, with_terms = [], set()
    terms = Term.objects.filter(organization__in=judged_qs.values("pk")).order_by(
        "organization__path", "number", "pk"
    )
    for org, number, elected_on, due_end, actual_end in terms.values_list(
        "organization_id", "number", "elected_on", "due_end", "actual_end"
    ):
        with_terms.add(org)
        if actual_end is not None and actual_end < start:
            continue  # closed before the year: judged in its own year
        if due_end > day:
            continue  # not due yet
        on_time = actual_end is not None and actual_end <= due_end
        rows.append(JudgedTerm(org, (number, elected_on, due_end, actual_end), on_time))
    rows += [JudgedTerm(pk, None, False) for pk in judged if pk not in with_terms]
    return judged, rows


def terms_on_time(year: int, organizations) -> dict[int, Measure]:
    """Terms judged by `judged_terms` that were renewed on time, over those judged.
    Committees count their own terms and those of their subtree."""
    organizations = list(organizations)
    judged, rows = judged_terms(year, organizations)
    due: dict[int, list[int]] = {pk: [0, 0, 0] for pk in judged}
    notes: dict[int, str] = {}
    for row in rows:
        counts = due[row.organization_id]
        counts[0] += row.on_time
        counts[1] += 1
        counts[2] += row.term is not None
        if row.note:
            notes[row.organization_id] = row.note
    per_org = {
        pk: Measure(on_time, total, inputs, notes.get(pk, ""))
        for pk, (on_time, total, inputs) in due.items()
    }
    return _sum_over_subtrees(per_org, judged, organizations)


def _detail_link(code: str):
    def link(organization, year: int) -> str:
        url = reverse("assessments:indicator-detail", args=[organization.pk])
        return f"{url}?code={code}&year={year}"

    return link


# --- 发展党员程序合规 -------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgedStep:
    """One development step dated in the year, with the timing rules it broke."""

    organization_id: int
    case_id: int
    step: str
    done_on: datetime.date
    violations: tuple[str, ...]


def judged_steps(year: int, organizations) -> list[JudgedStep]:
    """Development steps of the branches under `organizations` judged for `year`, each with
    the active timing rules about it that it broke: the steps dated in the year, and the
    steps overdue on the judging day — what the case page calls 逾期 (`development.evaluate`):
    a case still open then, a rule's starting step done and its own step not, past the rule's
    latest date. An overdue step is dated by that latest date and counts once per rule, in
    every year it is still overdue at the judging day. Three queries: rules, cases, steps."""
    organizations = list(organizations)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    day = as_of(year)
    active = rules.rows(TimingRule, Q(is_active=True))
    rules_by_step = defaultdict(list)
    for rule in active:
        rules_by_step[rule.step].append(rule)
    branches = Organization.objects.filter(
        subtree_condition(organizations), type__in=Organization.BRANCH_TYPES
    )
    open_on_day = Q(is_closed=False) | Q(closed_at__date__gt=day)
    cases = DevelopmentCase.objects.filter(
        Q(steps__done_on__range=(start, end)) | (open_on_day & Q(steps__done_on__lte=day)),
        organization__in=branches,
    ).distinct()
    steps = DevelopmentStep.objects.filter(case__in=cases).values_list(
        "case_id",
        "case__organization_id",
        "case__birth_date",
        "case__is_closed",
        "case__closed_at",
        "step",
        "done_on",
    )
    by_case: dict[int, dict] = defaultdict(dict)
    owner: dict[int, tuple] = {}
    for case, org, birth_date, is_closed, closed_at, step, done_on in steps:
        by_case[case][step] = done_on
        closed = is_closed and (closed_at is None or timezone.localdate(closed_at) <= day)
        owner[case] = (org, birth_date, closed)
    rows = []
    for case, dates in by_case.items():
        org, birth_date, closed = owner[case]
        for step, done_on in dates.items():
            if start <= done_on <= end:
                broken = (rule.violation(dates, birth_date) for rule in rules_by_step[step])
                rows.append(JudgedStep(org, case, step, done_on, tuple(v for v in broken if v)))
        known = {step: done_on for step, done_on in dates.items() if done_on <= day}
        if closed or not known or Step.CONFIRMATION_APPROVAL in known:
            continue
        for rule in active:
            due = rule.due_date(known)
            if due is not None and due < day:
                message = f"{rule.description}（应于{due:%Y-%m-%d}前完成，至{day:%Y-%m-%d}逾期）"
                rows.append(JudgedStep(org, case, rule.step, due, (message,)))
    return rows


def development_steps_within_rules(year: int, organizations) -> dict[int, Measure]:
    """Development steps dated in the year that broke none of the active timing rules about
    that step, over all steps judged for the year (`judged_steps`: those dated in it and
    those overdue at its judging day)."""
    organizations = list(organizations)
    per_branch: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in judged_steps(year, organizations):
        counts = per_branch[row.organization_id]
        counts[1] += 1
        counts[0] += not row.violations
    branch_ids = [o.pk for o in organizations if o.is_branch]
    measures = {pk: Measure(0, 0) for pk in branch_ids}
    for pk, (ok, total) in per_branch.items():
        measures[pk] = Measure(ok, total, inputs=total)
    result = rollup(measures, organizations)
    return {
        pk: m if m.denominator is not None else Measure(m.numerator, 0, m.inputs)
        for pk, m in result.items()
    }


# --- 组织设置规范 -----------------------------------------------------------------------------


def setup_warnings(organizations) -> list[tuple[Organization, list[str]]]:
    """Active branches (not 临时党支部) in the subtrees of `organizations`, each with the
    set-up rule warnings of its roster and committee as registered now. One query."""
    branches = (
        Organization.objects.filter(subtree_condition(list(organizations)), is_active=True)
        .filter(type__in=(Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH))
        .with_roster_counts()
        .order_by("path")
    )
    return [(branch, branch.setup_warnings()) for branch in branches]


def setup_rules_met(year: int, organizations) -> dict[int, Measure]:
    """Branches (not 临时党支部) whose roster and committee meet the set-up rules of the
    支部工作条例 as registered now: 1 of 1 for a branch without warnings. One query."""
    organizations = list(organizations)
    measures = {
        branch.pk: Measure(0 if warnings else 1, 1, 1, "；".join(warnings))
        for branch, warnings in setup_warnings(organizations)
    }
    result = rollup(measures, organizations)
    return {
        pk: m if m.denominator is not None else Measure(m.numerator, 0, m.inputs, m.note)
        for pk, m in result.items()
    }


register(
    AutoIndicator(
        code=TERMS,
        name="按期换届",
        unit="届",
        compute=terms_on_time,
        drilldown=_detail_link(TERMS),
        inputs="届次记录",
        description="到期（截至评价日）的届次中按期换届的比例；未登记届次的组织按1届逾期计。",
    )
)
register(
    AutoIndicator(
        code=DEVELOPMENT,
        name="发展党员程序合规",
        unit="步",
        compute=development_steps_within_rules,
        drilldown=_detail_link(DEVELOPMENT),
        inputs="发展党员步骤",
        description="本年度登记的发展党员步骤中符合全部时限规则的比例；无发展任务的计满分。",
    )
)
register(
    AutoIndicator(
        code=SETUP,
        name="组织设置规范",
        unit="个",
        compute=setup_rules_met,
        drilldown=_detail_link(SETUP),
        inputs="党员与委员会登记",
        description="按当前登记的党员和委员会，符合支部工作条例设置要求的党支部比例。",
    )
)


# --- 评星定级（最强党支部）---------------------------------------------------------------------


def rating_level(year: int, organizations) -> dict[int, Measure]:
    """The rung of the 最强党支部 ladder each branch holds at the end of the year, at either
    scope (最强党支部 1, 示范点 2, 示范基地 3 points; 0 without an active title; 摘牌 titles do
    not count), as points of 3. A committee's measure sums its counted branches' points over
    3 × their number, i.e. the average rung. 临时党支部 do not take part: 0 of 0. One query."""
    from branches import rating_stats

    organizations = list(organizations)
    branches = (
        rating_stats.counted_branches()
        .filter(subtree_condition(organizations))
        .annotate(top=rating_stats.top_rank(year, None))
        .values_list("pk", "top")
    )
    measures = {
        pk: Measure(top, rating_stats.TOP_RANK, 1 if top else 0, rating_stats.level_label(top))
        for pk, top in branches
    }
    for org in organizations:
        if org.is_branch and org.pk not in measures:
            measures[org.pk] = Measure(0, 0, 0, "不参加评定（临时党支部或已撤销）")
    result = rollup(measures, organizations)
    return {
        pk: m if m.denominator is not None else Measure(m.numerator, 0, m.inputs, m.note)
        for pk, m in result.items()
    }


def _rating_link(organization, year: int) -> str:
    query = urlencode({"year": year, "top": "all", "under": organization.pk, "points": 1})
    return f"{reverse('branches:ratingtitle-holders')}?{query}"


register(
    AutoIndicator(
        code="rating-level",
        name="评星定级",
        unit="分",
        compute=rating_level,
        drilldown=_rating_link,
        inputs="命名称号",
        description=(
            "年末有效的“最强党支部”最高等次：最强党支部1分、示范点2分、示范基地3分（满分3分，"
            "盟直机关与全盟取高者，摘牌不计）；党委为所属党支部的平均等次。"
        ),
    )
)
