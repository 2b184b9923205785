"""Figures and charts from the apps that landed after the first pass: 最强党支部 ratings,
training hours, responsibility lists, the year-end assessment and dues. Each function is one
provider (see base.py); `__init__.py` puts them on the cockpit."""

import datetime

from django.db.models import Count, Q, Sum

from alxa_dangjian.accounts import scoping
from alxa_dangjian.core.periods import Month, Year
from assessments import item_states
from assessments.models import AssessmentRun, ScoreCard
from branches import rating_stats
from branches.models import LADDER, Level, Organization, RatingRound, Scope
from branches.rating_stats import RANK, counted_branches, percent, top_rank
from dues.arrears import ALERT, WARNING, arrears_counts
from training.models import Enrollment
from training.progress import judged_counts

from .base import Chart, Figure, Part, Period, Series
from .base import Scope as CockpitScope


def _share(numerator: int, denominator: int) -> float | None:
    value = percent(numerator, denominator)
    return None if value is None else float(value)


# 最强党支部 -------------------------------------------------------------------------------------


def _holders_url(where: CockpitScope, year: int, **params) -> str:
    """The holders list of the ratings statistics, narrowed to the subtree of `where`
    (`params` may name the rating scope: `scope=organ`)."""
    return where.url("branches:ratingtitle-holders", year=year, under=where.pk, **params)


def _target_round(year: int) -> RatingRound | None:
    """The 盟直机关 round whose target the share is set against: the year's, else the latest
    earlier one."""
    return RatingRound.objects.filter(year__lte=year, scope=Scope.ORGAN).order_by("-year").first()


def strongest_share(scope: CockpitScope, period: Period) -> Figure | None:
    """The statistics page's 盟直机关 figures for the scope's subtree at the end of the year
    (rating_stats.totals: counted branches, titles active at the year's end), with the same
    labels: the share, 最强党支部 in all, 其中示范点, 其中示范基地 (its subsets by highest
    title), and the 全盟 level's total beside them — never the two scopes merged."""
    year = period.year
    total = rating_stats.totals(scoping.within(counted_branches(), scope, ""), year)
    if not total.branches:
        return None
    organ, league = total.tallies[Scope.ORGAN], total.tallies[Scope.LEAGUE]
    share = _share(organ.titled, total.branches)
    target = _target_round(year)
    target_share = None if target is None else float(target.target_share)
    organ_label = Scope.ORGAN.label
    parts = [
        Part(
            "strongest",
            f"{organ_label}“最强党支部”",
            organ.titled,
            _holders_url(scope, year, scope=Scope.ORGAN, top="any"),
        ),
        *(
            Part(
                level,
                f"其中{Level(level).label}",
                organ.by_top[RANK[level]],
                _holders_url(scope, year, scope=Scope.ORGAN, top=level),
            )
            for level in LADDER[1:]
        ),
        Part(
            "league",
            f"{Scope.LEAGUE.label}“最强党支部”",
            league.titled,
            _holders_url(scope, year, scope=Scope.LEAGUE, top="any"),
        ),
        Part("branches", "在册党支部", total.branches, _holders_url(scope, year, top="all")),
    ]
    note = (
        f"{year}年末，有效的党支部、联合党支部（不含临时党支部）中持有{organ_label}层级未摘牌"
        "“最强党支部”称号（含示范点、示范基地）的比例；示范点、示范基地按所获最高等次计，"
        "均包含在“最强党支部”总数内。全盟层级另列。与“最强党支部统计”页同一口径。"
    )
    if target_share is not None:
        note += f"目标占比取{target.year}年{target.get_scope_display()}评定轮次的设定。"
    return Figure(
        "strongest-share",
        f"{organ_label}“最强党支部”占比",
        share,
        _holders_url(scope, year, scope=Scope.ORGAN, top="any"),
        unit="%",
        note=note,
        parts=parts,
        numerator=organ.titled,
        denominator=total.branches,
        extra={
            "titled": organ.titled,
            "branches": total.branches,
            "target": target_share,
            "gap": None if target_share is None else round(target_share - share, 2),
        },
    )


def _category_url(where: CockpitScope, year: int, top: str, category: str) -> str:
    return _holders_url(where, year, scope=Scope.ORGAN, top=top, category=category)


def ratings_by_category(scope: CockpitScope, period: Period) -> Chart | None:
    """Counted branches by guidance category: holding a 盟直机关 title (any rung) or not, as
    the statistics page's category table counts them."""
    if scope.is_branch:
        return None
    year = period.year
    rows = (
        counted_branches()
        .filter(scoping.subtree_q(scope, ""))
        .annotate(top=top_rank(year, Scope.ORGAN))
        .order_by()
        .values("category")
        .annotate(titled=Count("pk", filter=Q(top__gt=0)), n=Count("pk"))
    )
    counts = {row["category"]: (row["titled"], row["n"]) for row in rows}
    categories = [(v, label) for v, label in Organization.Category.choices if v in counts]
    if not categories:
        return None
    return Chart(
        "ratings-by-category",
        f"{year}年“最强党支部”分类分布",
        "bar",
        [label for _, label in categories],
        [
            Series(
                "已命名",
                [counts[v][0] for v, _ in categories],
                [_category_url(scope, year, "any", v) for v, _ in categories],
            ),
            Series(
                "未命名",
                [counts[v][1] - counts[v][0] for v, _ in categories],
                [_category_url(scope, year, "none", v) for v, _ in categories],
            ),
        ],
        note="按分类指导类别统计有效党支部（不含临时党支部）年末持有盟直机关层级称号的情况，命名含示范点、示范基地。",
    )


# Training ------------------------------------------------------------------------------------


def training_hours(scope: CockpitScope, period: Period) -> Figure | None:
    """Members in good standing whose 学时 so far reach their yearly rule (the progress pages'
    rule and filter, training.progress.MET: 56 for current committee members, 32 for the
    others, from the HourRule rows), counting classes starting by the period's end. The
    figure opens the list of exactly those members; the share's page states the members
    judged."""
    n, met = judged_counts(period.year, scope.members().in_good_standing(), until=period.end)
    counts = {"n": n, "met": met}
    if not counts["n"]:
        return None
    params = {"year": period.year}
    if not period.is_whole_year:
        params["until"] = period.end.isoformat()
    met_url = scope.url("training:progress-met", **params)
    return Figure(
        "training-hours",
        "学时达标党员",
        counts["met"],
        met_url,
        unit="名",
        note=(
            "党籍正常的党员中，本年已签到培训班（按开班日期计）累计学时达到年度要求的人数"
            "（现任委员按书记和支委标准，其他党员按全体党员标准）。"
        ),
        parts=[
            Part(
                "share",
                "达标比例（%）",
                _share(counts["met"], counts["n"]),
                met_url,
                numerator=counts["met"],
                denominator=counts["n"],
            ),
            Part(
                "behind",
                "尚未达标",
                counts["n"] - counts["met"],
                scope.url("training:progress-behind", **params),
            ),
        ],
        extra={"members": counts["n"]},
    )


def training_by_month(scope: CockpitScope, period: Period) -> Chart | None:
    """学时 earned by the scope's members per month of the class's start, this year and last."""
    year = period.year
    rows = (
        Enrollment.objects.filter(
            scoping.subtree_q(scope, "member__organization"),
            signed_in=True,
            training_class__starts_on__range=(
                datetime.date(year - 1, 1, 1),
                datetime.date(year, 12, 31),
            ),
        )
        .order_by()
        .values(y=Year("training_class__starts_on"), m=Month("training_class__starts_on"))
        .annotate(hours=Sum("hours_earned"))
    )
    hours = {(row["y"], row["m"]): float(row["hours"] or 0) for row in rows}
    if not hours:
        return None
    list_url = "training:enrollment-list"
    return Chart(
        "training-by-month",
        "党员培训学时（按月）",
        "bar",
        [f"{m}月" for m in range(1, 13)],
        [
            Series(
                f"{y}年",
                [hours.get((y, m), 0) for m in range(1, 13)],
                [scope.url(list_url, year=y, month=m) for m in range(1, 13)],
                stated="sum",  # 学时: the attendance list states their sum
            )
            for y in (year - 1, year)
        ],
        note="本组织及下级党员签到参训获得的学时，按培训班开班月份统计。",
    )


# Responsibility lists ------------------------------------------------------------------------


def list_items(scope: CockpitScope, period: Period) -> Figure | None:
    """This year's list items on track, closed on time and overdue at the period's end
    (assessments.item_states: the definition the item list filters by); each number opens
    the list of exactly those items."""
    end = period.end
    states = item_states.conditions(end)
    counts = item_states.in_year(period.year, scope.path).aggregate(
        total=Count("pk"),
        **{state: Count("pk", filter=condition) for state, condition in states.items()},
    )
    if not counts["total"]:
        return None
    params = {"year": period.year, "until": end.isoformat()}

    def url(state: str = "") -> str:
        return scope.url("assessments:responsibilityitem-list", status=state, **params)

    on_track = counts[item_states.ON_TRACK]
    return Figure(
        "list-items",
        "责任清单事项正常推进",
        on_track,
        url(item_states.ON_TRACK),
        unit="项",
        note=(
            "本年度责任清单事项中，未逾期且最近一次提交的环节（年初定单、半年小结或年底对账）"
            "已获审核确认的事项。逾期：已过完成时限而年底对账尚未确认已完成。"
            "按时完成：年底对账确认已完成且完成日期不晚于时限。"
        ),
        parts=[
            Part("total", "事项总数", counts["total"], url()),
            Part(
                "share",
                "正常推进比例（%）",
                _share(on_track, counts["total"]),
                url(item_states.ON_TRACK),
                numerator=on_track,
                denominator=counts["total"],
            ),
            Part("closed", "按时完成", counts[item_states.CLOSED], url(item_states.CLOSED)),
            Part("overdue", "逾期未完成", counts[item_states.OVERDUE], url(item_states.OVERDUE)),
        ],
    )


# Year-end assessment -------------------------------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    segments = [s for s in path.split("/") if s]
    return ["".join(f"{s}/" for s in segments[:depth]) for depth in range(1, len(segments) + 1)]


def assessment(scope: CockpitScope, period: Period) -> Figure | None:
    """The latest year-end run of the year covering the scope (its status), and the score
    cards of the scope's organisations for the year — one per organisation a run assessed —
    by review status and publication, as the card list filters them."""
    year = period.year
    covering = scoping.subtree_q(scope, "scope") | Q(scope__path__in=_ancestor_paths(scope.path))
    run = (
        AssessmentRun.objects.filter(covering, year=year, created_at__date__lte=period.end)
        .order_by("-created_at", "-pk")
        .first()
    )
    counts = ScoreCard.objects.filter(scoping.subtree_q(scope), year=year).aggregate(
        total=Count("pk"),
        **{value: Count("pk", filter=Q(status=value)) for value in ScoreCard.Status.values},
        published=Count("pk", filter=Q(published_at__isnull=False)),
    )
    if run is None and not counts["total"]:
        return None
    list_url = "assessments:scorecard-list"
    status = run.get_status_display() if run else "未计算"
    return Figure(
        "assessment",
        f"年度考核（最近一次计算：{status}）",
        counts["total"],
        scope.url(list_url, year=year),
        unit="个",
        note=(
            "本年度覆盖本组织的最近一次年度考核计算及其状态；数字为本组织及下级党组织本年度"
            "的评分卡数（每个经考核计算的党组织一张），分项为评分卡的审核、冻结和发布情况。"
        ),
        parts=[
            *(
                Part(value, label, counts[value], scope.url(list_url, year=year, status=value))
                for value, label in ScoreCard.Status.choices
            ),
            Part(
                "published",
                "已发布",
                counts["published"],
                scope.url(list_url, year=year, status="published"),
            ),
        ],
        extra={"run_status": run.status if run else "", "run_pk": run.pk if run else None},
    )


# Dues ----------------------------------------------------------------------------------------


def dues_arrears(scope: CockpitScope, period: Period) -> Figure | None:
    """Members in arrears at the period's end (the arrears list's rule: 提醒 and 警示)."""
    counts = arrears_counts(scope.members(), as_of=period.end)
    list_url = "dues:arrears-list"
    return Figure(
        "dues-arrears",
        "党费欠缴党员",
        counts["warning"] + counts["alert"],
        scope.url(list_url),
        unit="名",
        note=(
            "截至上一个完整月份，近12个月累计未交达到提醒月数（提醒），或连续未交达到警示月数"
            "且未经批准缓交（警示）的党员；免交党员不计入。"
        ),
        parts=[
            Part("alert", "警示", counts["alert"], scope.url(list_url, level=ALERT)),
            Part("warning", "提醒", counts["warning"], scope.url(list_url, level=WARNING)),
        ],
    )


__all__ = [
    "assessment",
    "dues_arrears",
    "list_items",
    "ratings_by_category",
    "strongest_share",
    "training_by_month",
    "training_hours",
]
