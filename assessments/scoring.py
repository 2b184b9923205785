"""Pure scoring of the year-end run: a scheme's snapshot (the sheet a run records), one
organisation's total and card lines, grades by threshold, the quota for 好 with its ties,
and ranks. It works on the snapshot only, so a result can always be explained with the
sheet that produced it; assessments/services/results.py stores what it computes.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from . import indicators as registry
from .models import Grade, Indicator, MeasureResult

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
Kind = Indicator.Kind


def q(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Snapshot of a scheme ---------------------------------------------------------------------


def snapshot(scheme) -> dict:
    """The sheet as plain JSON: indicators in tree order, thresholds, quota and formula."""
    indicators = [
        {
            "id": i.pk,
            "parent": i.parent_id,
            "name": i.name,
            "kind": i.kind,
            "code": i.auto_code,
            "weight": str(i.weight),
            "max_score": None if i.max_score is None else str(i.max_score),
            "cap": None if i.cap is None else str(i.cap),
            "order": i.sort_order,
        }
        for i in scheme.indicators.order_by("sort_order", "pk")
    ]
    return {
        "scheme": scheme.pk,
        "name": scheme.name,
        "year": scheme.year,
        "target": scheme.target,
        "version": scheme.version,
        "indicators": indicators,
        "thresholds": {t.grade: str(t.min_score) for t in scheme.thresholds.all()},
        "quota_share": None
        if scheme.excellent_quota_share is None
        else str(scheme.excellent_quota_share),
        "quota_count": scheme.excellent_quota_count,
        "vote_points": {grade: str(points) for grade, points in scheme.vote_points.items()},
    }


def auto_codes(snap: dict) -> list[str]:
    return sorted({i["code"] for i in snap["indicators"] if i["kind"] == Kind.AUTO and i["code"]})


# --- Scoring ------------------------------------------------------------------------------------


@dataclass
class Line:
    """One indicator on a score card."""

    indicator: dict
    points: Decimal = ZERO
    measure: MeasureResult | None = None
    entry: object = None
    note: str = ""
    children: list = field(default_factory=list)


def _ratio_points(weight: Decimal, measure, max_score) -> tuple[Decimal, str]:
    if measure is None:
        return ZERO, "未计算"
    numerator = Decimal(measure.numerator)
    if measure.denominator is not None:
        denominator = Decimal(measure.denominator)
        if not denominator:
            return weight, "本年度无应完成事项，计满分"
        return weight * min(numerator / denominator, Decimal(1)), ""
    if max_score:
        return weight * min(numerator / Decimal(max_score), Decimal(1)), ""
    return min(numerator, weight), ""


def score(snap: dict, measures: dict, entries: dict, vote) -> tuple[Decimal, bool, list[Line]]:
    """One organisation's total, veto and card lines under a snapshot.

    `measures` maps auto code → MeasureResult, `entries` indicator id → ScoreEntry, `vote`
    is its DemocraticVote or None. Weighted leaves earn up to their weight; groups sum their
    children; bonuses and deductions are capped; the total never falls below zero.
    """
    lines = {i["id"]: Line(indicator=i) for i in snap["indicators"]}
    roots: list[Line] = []
    for info in snap["indicators"]:
        line = lines[info["id"]]
        parent = lines.get(info["parent"])
        (parent.children if parent else roots).append(line)
    bonus = deduction = ZERO
    vetoed = False
    points_per_vote = {g: Decimal(p) for g, p in snap["vote_points"].items()}
    registered = {i.code for i in registry.all_indicators()}

    def leaf(line: Line) -> Decimal:
        nonlocal bonus, deduction, vetoed
        info = line.indicator
        kind, weight = info["kind"], Decimal(info["weight"])
        entry = entries.get(info["id"])
        line.entry = entry
        if kind == Kind.AUTO:
            line.measure = measures.get(info["code"])
            if info["code"] not in registered:
                line.note = "该自动指标未注册"
            points, note = _ratio_points(weight, line.measure, info["max_score"])
            line.note = line.note or note
            if entry is not None:
                points, line.note = Decimal(entry.score), "人工调整"
            return points
        if kind == Kind.MANUAL:
            if entry is None:
                line.note = "待评分"
                return ZERO
            maximum = Decimal(info["max_score"] or weight) or Decimal(1)
            return weight * Decimal(entry.score) / maximum
        if kind == Kind.DEMOCRATIC:
            total_votes = vote.total if vote is not None else 0
            if not total_votes:
                line.note = "未登记民主测评"
                return ZERO
            earned = sum(n * points_per_vote[g] for g, n in vote.counts().items())
            line.note = f"共{total_votes}票"
            return weight * earned / (total_votes * HUNDRED)
        cap = Decimal(info["cap"] or 0)
        value = Decimal(entry.score) if entry is not None else ZERO
        if kind == Kind.BONUS:
            bonus += min(value, cap)
            return min(value, cap)
        if kind == Kind.DEDUCTION:
            deduction += min(value, cap)
            return -min(value, cap)
        if kind == Kind.VETO and value > 0:
            vetoed = True
            line.note = "否决"
        return ZERO

    def walk(line: Line) -> Decimal:
        if line.children:
            line.points = q(sum((walk(child) for child in line.children), ZERO))
        else:
            line.points = q(leaf(line))
        return line.points

    weighted = ZERO
    for root in roots:
        points = walk(root)
        if root.indicator["kind"] in Indicator.WEIGHTED:
            weighted += points
    total = max(q(weighted + bonus - deduction), ZERO)
    return total, vetoed, roots


@dataclass
class Scored:
    organization_id: int
    path: str
    total: Decimal
    vetoed: bool
    parts: dict
    grade: str = Grade.POOR
    rank: int = 0
    capped: bool = False
    tied: bool = False


@dataclass
class QuotaTie:
    """Organisations tied on `total` across the 好 quota line: `places` of them may be 好."""

    total: Decimal
    places: int
    organization_ids: list[int]


def grade_and_rank(snap: dict, rows: list[Scored], decision=None) -> QuotaTie | None:
    """Grades by threshold (veto rules out 好), the quota for 好 by total, and ranks.

    Equal totals share a rank (1, 2, 2, 4); rows are ordered by the tree (path) within a
    rank only for display. When organisations tie on total across the quota line, the tree
    does not choose: they stay 较好 and marked tied until staff decide (`decision`, a
    QuotaTieDecision over exactly these organisations, names which get the places). Returns
    the tie, decided or not, or None."""
    thresholds = sorted(
        ((Decimal(v), g) for g, v in snap["thresholds"].items()), key=lambda t: -t[0]
    )
    rows.sort(key=lambda r: (-r.total, r.path))
    for position, row in enumerate(rows, start=1):
        previous = rows[position - 2] if position > 1 else None
        row.rank = previous.rank if previous and previous.total == row.total else position
        row.grade = next((g for minimum, g in thresholds if row.total >= minimum), Grade.POOR)
        if row.vetoed and row.grade == Grade.EXCELLENT:
            row.grade = Grade.GOOD
    allowed = excellent_quota(snap, len(rows))
    excellent = [row for row in rows if row.grade == Grade.EXCELLENT]
    if allowed is None or len(excellent) <= allowed:
        return None
    line = excellent[allowed - 1].total if allowed else None
    tie = None
    if line is not None and excellent[allowed].total == line:
        tied = [row for row in excellent if row.total == line]
        places = allowed - sum(1 for row in excellent if row.total > line)
        tie = QuotaTie(line, places, [row.organization_id for row in tied])
        chosen = set(decision.chosen) if decision_fits(decision, tie) else None
        for row in tied:
            if chosen is None:
                row.grade, row.tied = Grade.GOOD, True
            elif row.organization_id not in chosen:
                row.grade, row.capped = Grade.GOOD, True
    for row in excellent:
        if line is None or row.total < line:
            row.grade, row.capped = Grade.GOOD, True
    return tie


def decision_fits(decision, tie: QuotaTie) -> bool:
    """Whether a decision settles this tie: taken over the same organisations, naming as
    many of them as there are places."""
    return (
        decision is not None
        and set(decision.tied) == set(tie.organization_ids)
        and len(set(decision.chosen)) == tie.places
        and set(decision.chosen) <= set(tie.organization_ids)
    )


def missing_manual_scores(snap: dict, organization_ids, entries: dict) -> int:
    """Organisation × manual indicator pairs without an entered score."""
    manual = [i["id"] for i in snap["indicators"] if i["kind"] == Kind.MANUAL]
    return sum(
        1 for pk in organization_ids for indicator in manual if indicator not in entries.get(pk, {})
    )


def excellent_quota(snap: dict, count: int) -> int | None:
    limits = []
    if snap.get("quota_share") is not None:
        limits.append(int(Decimal(snap["quota_share"]) * count))
    if snap.get("quota_count") is not None:
        limits.append(int(snap["quota_count"]))
    return min(limits) if limits else None


def grade_label(grade: str) -> str:
    return str(dict(Grade.choices).get(grade, grade))


def number_text(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
