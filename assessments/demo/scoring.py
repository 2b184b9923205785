"""A sample assessment scheme for both targets and 民主测评 counts for the demo league.

The sheet is not official (DOMAIN.md §8 [?]): it is labelled "示例，请按工委文件调整". Auto
indicators registered by other apps (学时, 清单, 评星, 党费 …) share the 重点工作 block
evenly; without any, a reviewer scores that block by hand.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from branches.models import Organization

from .. import indicators as registry
from ..models import AssessmentScheme, DemocraticVote, Grade, GradeThreshold, Indicator, Target
from ..models.scoring import SAMPLE_LABEL, TARGET_TYPES

Kind = Indicator.Kind

# Our own auto indicators, by block: (code, name, weight).
LIFE = [("three-meetings-one-lesson", "三会一课完成率", 20), ("theme-day-months", "主题党日", 10)]
BUILDING = [
    ("term-on-time", "按期换届", 10),
    ("development-steps", "发展党员程序合规", 10),
    ("setup-rules", "组织设置规范", 5),
]
KEY_WORK_POINTS = 20
THRESHOLDS = {Grade.EXCELLENT: 90, Grade.GOOD: 80, Grade.FAIR: 60, Grade.POOR: 0}


def _split(points: int, parts: int) -> list[Decimal]:
    """`points` in `parts` shares of whole cents that add up exactly."""
    cents = points * 100
    base, rest = divmod(cents, parts)
    return [Decimal(base + (1 if i < rest else 0)) / 100 for i in range(parts)]


@transaction.atomic
def seed_scheme(year: int, target: str) -> AssessmentScheme | None:
    """The sample sheet for a year and target; None if one exists already (idempotent)."""
    if AssessmentScheme.objects.filter(year=year, target=target).exists():
        return None
    scheme = AssessmentScheme.objects.create(
        year=year,
        target=target,
        name=f"{year}年{Target(target).label}书记抓基层党建述职评议考核方案",
        note=SAMPLE_LABEL,
        excellent_quota_share=Decimal("0.3"),
    )
    order = iter(range(1, 1000))

    def add(name, kind, weight=0, *, parent=None, code="", max_score=None, cap=None, text=""):
        return Indicator.objects.create(
            scheme=scheme,
            parent=parent,
            name=name,
            kind=kind,
            auto_code=code,
            weight=Decimal(weight),
            max_score=max_score,
            cap=cap,
            description=text,
            sort_order=next(order),
        )

    registered = {i.code: i for i in registry.all_indicators()}
    life = add("组织生活", Kind.GROUP, 30)
    for code, name, weight in LIFE:
        add(name, Kind.AUTO, weight, parent=life, code=code)
    building = add("组织建设", Kind.GROUP, 25)
    for code, name, weight in BUILDING:
        add(name, Kind.AUTO, weight, parent=building, code=code)
    ours = {code for code, _, _ in LIFE + BUILDING}
    others = [i for code, i in sorted(registered.items()) if code not in ours]
    key_work = add("重点工作", Kind.GROUP, KEY_WORK_POINTS)
    if others:
        for indicator, weight in zip(others, _split(KEY_WORK_POINTS, len(others)), strict=True):
            add(indicator.name, Kind.AUTO, weight, parent=key_work, code=indicator.code)
    else:
        add(
            "党建重点任务完成情况",
            Kind.MANUAL,
            KEY_WORK_POINTS,
            parent=key_work,
            max_score=Decimal(KEY_WORK_POINTS),
            text="由工委按年度重点任务评分。",
        )
    add("民主测评", Kind.DEMOCRATIC, 15, text="好100、较好80、一般60、差0分/票，折算为15分。")
    add(
        "述职评议",
        Kind.MANUAL,
        10,
        max_score=Decimal(10),
        text="依据书记述职报告和现场评议打分。",
    )
    add("创新工作加分", Kind.BONUS, cap=Decimal(5), text="创新做法被上级推广等，最多加5分。")
    add("问题扣分", Kind.DEDUCTION, cap=Decimal(10), text="巡察、督查发现问题等，最多扣10分。")
    add("一票否决事项", Kind.VETO, text="发生严重违纪等情形的，不得评为“好”。")
    GradeThreshold.objects.bulk_create(
        GradeThreshold(scheme=scheme, grade=grade, min_score=Decimal(minimum))
        for grade, minimum in THRESHOLDS.items()
    )
    return scheme


def seed_schemes(year: int | None = None) -> int:
    """Sample schemes for both targets; returns how many were created."""
    year = year or timezone.localdate().year
    return sum(seed_scheme(year, target) is not None for target in Target.values)


def seed_votes(year: int | None = None, *, by) -> int:
    """民主测评 counts for every assessed organisation without any (a deterministic spread)."""
    year = year or timezone.localdate().year
    types = [t for types in TARGET_TYPES.values() for t in types]
    have = set(DemocraticVote.objects.filter(year=year).values_list("organization_id", flat=True))
    rows = []
    for pk in Organization.objects.filter(type__in=types, is_active=True).values_list(
        "pk", flat=True
    ):
        if pk in have:
            continue
        rows.append(
            DemocraticVote(
                organization_id=pk,
                year=year,
                excellent=10 + pk % 11,
                good=6 + pk % 5,
                fair=pk % 4,
                poor=pk % 7 == 0,
                recorded_by=by,
            )
        )
    DemocraticVote.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def seed_scoring() -> dict:
    """The demo's part: this year's sample schemes and 民主测评 counts (idempotent)."""
    from alxa_dangjian.accounts.models import User

    staff = User.objects.filter(username="gongwei").first()
    schemes = seed_schemes()
    votes = seed_votes(by=staff) if staff else 0
    return {"schemes": schemes, "votes": votes}
