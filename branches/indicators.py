"""Auto indicators of organisation building for the year-end assessment
(assessments/indicators.py): 换届 on time, development steps within the timing rules and the
set-up rules (组织设置). Each runs a fixed number of queries for any number of organisations.
"""

import datetime
from collections import defaultdict
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from alxa_dangjian.core import rules
from assessments.indicators import (
    AutoIndicator,
    Measure,
    as_of,
    register,
    rollup,
    subtree_condition,
)

from .models import DevelopmentCase, DevelopmentStep, Organization, Step, Term, TimingRule


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


def terms_on_time(year: int, organizations) -> dict[int, Measure]:
    """Terms that fell due by the judging day and were still running at the start of the
    year: the election counts as on time when the term was closed (换届) by its due end.
    An organisation that holds elections (not a 临时党支部 nor the appointed root work
    committee) with no term recorded at all counts as one overdue.
    Committees count their own terms and those of their subtree."""
    organizations = list(organizations)
    day = as_of(year)
    start = datetime.date(year, 1, 1)
    judged_qs = Organization.objects.filter(
        subtree_condition(organizations), is_active=True
    ).exclude(type__in=(Organization.Type.TEMPORARY_BRANCH, Organization.Type.WORK_COMMITTEE))
    judged = dict(judged_qs.values_list("pk", "path"))
    due: dict[int, list[int]] = {pk: [0, 0, 0] for pk in judged}
    with_terms: set[int] = set()
    terms = Term.objects.filter(organization__in=judged_qs.values("pk"))
    for org, due_end, actual_end in terms.values_list("organization_id", "due_end", "actual_end"):
        with_terms.add(org)
        if actual_end is not None and actual_end < start:
            continue  # closed before the year: judged in its own year
        if due_end > day:
            continue  # not due yet
        counts = due[org]
        counts[1] += 1
        counts[2] += 1
        if actual_end is not None and actual_end <= due_end:
            counts[0] += 1
    per_org = {}
    for pk, (on_time, total, inputs) in due.items():
        note = ""
        if pk not in with_terms:
            total, note = 1, "未登记届次"
        per_org[pk] = Measure(on_time, total, inputs, note)
    return _sum_over_subtrees(per_org, judged, organizations)


def _terms_link(organization, year: int) -> str:
    return organization.get_absolute_url() + "#terms"


# --- 发展党员程序合规 -------------------------------------------------------------------------


def development_steps_within_rules(year: int, organizations) -> dict[int, Measure]:
    """Development steps dated in the year that broke none of the active timing rules about
    that step, over all steps dated in the year plus the steps overdue on the judging day.

    An overdue step is the case page's 逾期 (`development.evaluate`): a case still open on
    the judging day, whose rule's starting step is done and whose own step is not, past the
    rule's latest date. It counts once per rule, as a step not within the rules, in every
    year it is still overdue at the judging day. Three queries: rules, cases, steps."""
    organizations = list(organizations)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    day = as_of(year)
    rules_by_step = defaultdict(list)
    active = rules.rows(TimingRule, Q(is_active=True))
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
    per_branch: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for case, dates in by_case.items():
        org, birth_date, closed = owner[case]
        for step, done_on in dates.items():
            if not start <= done_on <= end:
                continue
            counts = per_branch[org]
            counts[1] += 1
            if not any(rule.violation(dates, birth_date) for rule in rules_by_step[step]):
                counts[0] += 1
        known = {step: done_on for step, done_on in dates.items() if done_on <= day}
        if closed or not known or Step.CONFIRMATION_APPROVAL in known:
            continue
        for rule in active:
            due = rule.due_date(known)
            if due is not None and due < day:
                per_branch[org][1] += 1
    branch_ids = [o.pk for o in organizations if o.is_branch]
    measures = {pk: Measure(0, 0) for pk in branch_ids}
    for pk, (ok, total) in per_branch.items():
        measures[pk] = Measure(ok, total, inputs=total)
    result = rollup(measures, organizations)
    return {
        pk: m if m.denominator is not None else Measure(m.numerator, 0, m.inputs)
        for pk, m in result.items()
    }


def _development_link(organization, year: int) -> str:
    return reverse("branches:developmentcase-list") + (
        f"?organization={organization.pk}&stage=all&broken=1"
    )


# --- 组织设置规范 -----------------------------------------------------------------------------


def setup_rules_met(year: int, organizations) -> dict[int, Measure]:
    """Branches (not 临时党支部) whose roster and committee meet the set-up rules of the
    支部工作条例 as registered now: 1 of 1 for a branch without warnings. One query."""
    organizations = list(organizations)
    branches = (
        Organization.objects.filter(subtree_condition(organizations), is_active=True)
        .filter(type__in=(Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH))
        .with_roster_counts()
    )
    measures = {}
    for branch in branches:
        warnings = branch.setup_warnings()
        measures[branch.pk] = Measure(0 if warnings else 1, 1, 1, "；".join(warnings))
    result = rollup(measures, organizations)
    return {
        pk: m if m.denominator is not None else Measure(m.numerator, 0, m.inputs, m.note)
        for pk, m in result.items()
    }


def _setup_link(organization, year: int) -> str:
    return organization.get_absolute_url()


register(
    AutoIndicator(
        code="term-on-time",
        name="按期换届",
        unit="届",
        compute=terms_on_time,
        drilldown=_terms_link,
        inputs="届次记录",
        description="到期（截至评价日）的届次中按期换届的比例；未登记届次的组织按1届逾期计。",
    )
)
register(
    AutoIndicator(
        code="development-steps",
        name="发展党员程序合规",
        unit="步",
        compute=development_steps_within_rules,
        drilldown=_development_link,
        inputs="发展党员步骤",
        description="本年度登记的发展党员步骤中符合全部时限规则的比例；无发展任务的计满分。",
    )
)
register(
    AutoIndicator(
        code="setup-rules",
        name="组织设置规范",
        unit="个",
        compute=setup_rules_met,
        drilldown=_setup_link,
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
    from . import rating_stats

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
    query = urlencode({"year": year, "top": "all", "under": organization.pk})
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
