"""A small scheme for the year-end assessment tests (imported by tests/assessments/test_scoring*.py
and test_runs*.py): 40 points 主题党日, 20 points 述职评议 scored 0–10, 40 points 民主测评,
a bonus capped at 5, a deduction capped at 10 and a veto; 好 ≥ 90, 较好 ≥ 80, 一般 ≥ 60."""

from decimal import Decimal

from assessments.models import AssessmentScheme, Grade, GradeThreshold, Indicator, Target

YEAR = 2025
Kind = Indicator.Kind


def make_scheme(year=YEAR, target=Target.BRANCH, *, quota_share=None, quota_count=None):
    scheme = AssessmentScheme.objects.create(
        year=year,
        target=target,
        name="测试方案",
        excellent_quota_share=quota_share,
        excellent_quota_count=quota_count,
    )
    add = lambda name, kind, weight=0, **kw: Indicator.objects.create(  # noqa: E731
        scheme=scheme, name=name, kind=kind, weight=Decimal(weight), **kw
    )
    scheme.theme = add("主题党日", Kind.AUTO, 40, auto_code="theme-day-months", sort_order=1)
    scheme.duty = add("述职评议", Kind.MANUAL, 20, max_score=Decimal(10), sort_order=2)
    scheme.democratic = add("民主测评", Kind.DEMOCRATIC, 40, sort_order=3)
    scheme.bonus = add("加分", Kind.BONUS, cap=Decimal(5), sort_order=4)
    scheme.deduction = add("扣分", Kind.DEDUCTION, cap=Decimal(10), sort_order=5)
    scheme.veto = add("否决", Kind.VETO, sort_order=6)
    for grade, minimum in (
        (Grade.EXCELLENT, 90),
        (Grade.GOOD, 80),
        (Grade.FAIR, 60),
        (Grade.POOR, 0),
    ):
        GradeThreshold.objects.create(scheme=scheme, grade=grade, min_score=Decimal(minimum))
    return scheme
