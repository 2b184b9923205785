"""Scheme rules and scoring: weights, thresholds, quota, veto, manual score ranges, and the
refusals of a run without a scheme or while another runs."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from assessments import scoring
from assessments.demo.scoring import seed_scheme
from assessments.models import (
    AssessmentRun,
    DemocraticVote,
    Grade,
    GradeThreshold,
    Indicator,
    ScoreEntry,
    Target,
)
from assessments.services import runs, schemes, scores
from tests.assessments.scoring_fixtures import YEAR, make_scheme

D = Decimal


@pytest.fixture
def scheme(db):
    return make_scheme()


def test_the_sample_scheme_adds_up_and_is_labelled(db):
    scheme = seed_scheme(YEAR, Target.BRANCH)
    assert "示例，请按工委文件调整" in scheme.note
    assert schemes.scheme_problems(scheme) == []
    assert seed_scheme(YEAR, Target.BRANCH) is None  # idempotent


def test_weights_that_do_not_add_up_to_100_are_refused(scheme, staff):
    with pytest.raises(ValidationError, match="一级指标的分值合计应为100分，现为90分"):
        schemes.update_weights(scheme, {scheme.theme.pk: D(30)}, by=staff)
    scheme.theme.refresh_from_db()
    assert scheme.theme.weight == D(40)


def test_children_must_add_up_to_their_group(scheme, staff):
    group = Indicator.objects.create(scheme=scheme, name="组织生活", kind="group", weight=D(40))
    scheme.theme.parent = group
    scheme.theme.save()
    version = scheme.version
    with pytest.raises(ValidationError, match="“组织生活”的下级指标分值合计应为40分，现为35分"):
        schemes.update_weights(scheme, {scheme.theme.pk: D(35)}, by=staff)
    schemes.update_weights(scheme, {scheme.theme.pk: D(40)}, by=staff)
    scheme.refresh_from_db()
    assert scheme.version == version + 1


def test_thresholds_out_of_order_are_refused(scheme, staff):
    with pytest.raises(ValidationError, match="好 > 较好 > 一般 > 差"):
        schemes.set_grading(
            scheme,
            thresholds={"excellent": D(80), "good": D(85), "fair": D(60), "poor": D(0)},
            quota_share=None,
            quota_count=None,
            by=staff,
        )
    assert GradeThreshold.objects.get(scheme=scheme, grade="good").min_score == D(80)
    with pytest.raises(ValidationError, match="0至1之间"):
        schemes.set_grading(
            scheme,
            thresholds={"excellent": D(95), "good": D(85), "fair": D(60), "poor": D(0)},
            quota_share=D("1.5"),
            quota_count=None,
            by=staff,
        )


def test_an_auto_indicator_needs_a_registered_code(scheme, staff):
    with pytest.raises(ValidationError) as error:
        schemes.add_indicator(scheme, name="无", kind="auto", auto_code="no-such", by=staff)
    assert "不存在" in str(error.value)


@pytest.mark.parametrize(
    ("indicator", "score", "message"),
    [
        ("duty", "10.5", "得分须在0至10之间"),
        ("duty", "-1", "得分须在0至10之间"),
        ("bonus", "6", "得分须在0至5之间"),
        ("theme", "41", "得分须在0至40之间"),
        ("veto", "0.5", "填1表示否决"),
        ("duty", "abc", "得分须为数字"),
    ],
)
def test_a_score_beyond_the_maximum_is_refused(scheme, staff, branch_a, indicator, score, message):
    with pytest.raises(ValidationError, match=message):
        scores.enter_score(
            branch_a, getattr(scheme, indicator), score=score, reason="理由", by=staff
        )
    assert not ScoreEntry.objects.exists()


def test_a_score_needs_a_reason(scheme, staff, branch_a):
    with pytest.raises(ValidationError, match="请填写评分理由"):
        scores.enter_score(branch_a, scheme.duty, score="8", reason="  ", by=staff)
    assert not ScoreEntry.objects.exists()


def test_only_publishing_roles_score(scheme, committee_admin, branch_a):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        scores.enter_score(branch_a, scheme.duty, score="8", reason="好", by=committee_admin)


class Entry:
    def __init__(self, score):
        self.score = D(score)


def test_score_adds_weighted_parts_capped_bonus_and_deduction(scheme, branch_a, staff):
    snap = scoring.snapshot(scheme)
    measure = type("M", (), {"numerator": D(9), "denominator": D(12)})()
    vote = DemocraticVote(excellent=6, good=3, fair=1, poor=0)
    entries = {scheme.duty.pk: Entry(8), scheme.bonus.pk: Entry(5), scheme.deduction.pk: Entry(2)}
    total, vetoed, lines = scoring.score(snap, {"theme-day-months": measure}, entries, vote)
    # 40 × 9/12 = 30; 20 × 8/10 = 16; 40 × (6×100 + 3×80 + 1×60)/(10×100) = 36; +5 −2
    assert total == D("85.00")
    assert not vetoed
    assert [line.points for line in lines] == [D(30), D(16), D(36), D(5), D(-2), D(0)]


def test_nothing_owed_earns_the_full_weight_and_an_override_replaces_the_number(scheme):
    snap = scoring.snapshot(scheme)
    nothing = type("M", (), {"numerator": D(0), "denominator": D(0)})()
    total, _, _ = scoring.score(snap, {"theme-day-months": nothing}, {}, None)
    assert total == D(40)
    override = {scheme.theme.pk: Entry(10)}
    total, _, lines = scoring.score(snap, {"theme-day-months": nothing}, override, None)
    assert total == D(10)
    assert lines[0].note == "人工调整"


def scored(pk, path, total, vetoed=False):
    return scoring.Scored(pk, path, D(total), vetoed, {})


def test_thresholds_grade_and_veto_rules_out_excellent(scheme):
    snap = scoring.snapshot(scheme)
    rows = [
        scored(1, "a/", 95),
        scored(2, "b/", 92, vetoed=True),
        scored(3, "c/", 80),
        scored(4, "d/", "79.99"),
        scored(5, "e/", 10),
    ]
    scoring.grade_and_rank(snap, rows)
    by_pk = {row.organization_id: row for row in rows}
    assert [by_pk[i].grade for i in range(1, 6)] == [
        Grade.EXCELLENT,
        Grade.GOOD,
        Grade.GOOD,
        Grade.FAIR,
        Grade.POOR,
    ]
    assert [by_pk[i].rank for i in range(1, 6)] == [1, 2, 3, 4, 5]


def test_quota_for_excellent_goes_by_total_and_equal_totals_share_a_rank(db):
    scheme = make_scheme(quota_share=D("0.5"))
    snap = scoring.snapshot(scheme)
    rows = [scored(1, "000001/000009/", 95), scored(2, "000001/000003/", 95), scored(3, "z/", 91)]
    rows += [scored(4, "y/", 50)]
    tie = scoring.grade_and_rank(snap, rows)
    by_pk = {row.organization_id: row for row in rows}
    # 4 organisations × 0.5 = 2 may be 好: both at 95 fit, 91 is over the quota.
    assert tie is None
    assert [by_pk[i].rank for i in (1, 2, 3, 4)] == [1, 1, 3, 4]
    assert (by_pk[2].grade, by_pk[1].grade, by_pk[3].grade) == (
        Grade.EXCELLENT,
        Grade.EXCELLENT,
        Grade.GOOD,
    )
    assert by_pk[3].capped and not by_pk[3].tied


def test_a_tie_across_the_quota_line_is_not_settled_by_the_tree(db):
    scheme = make_scheme(quota_count=1)
    snap = scoring.snapshot(scheme)
    rows = [scored(1, "000001/000009/", 95), scored(2, "000001/000003/", 95), scored(3, "z/", 91)]
    tie = scoring.grade_and_rank(snap, rows)
    by_pk = {row.organization_id: row for row in rows}
    assert tie == scoring.QuotaTie(D(95), 1, [2, 1])
    # Neither of the tied is 好 until staff decide; the earlier path gains nothing.
    assert [(by_pk[i].grade, by_pk[i].tied, by_pk[i].rank) for i in (1, 2)] == [
        (Grade.GOOD, True, 1),
        (Grade.GOOD, True, 1),
    ]
    assert by_pk[3].grade == Grade.GOOD and by_pk[3].capped


def test_a_decision_on_the_tie_gives_the_place_to_the_chosen(db):
    scheme = make_scheme(quota_count=2)
    snap = scoring.snapshot(scheme)
    rows = [scored(1, "a/", 99), scored(2, "b/", 95), scored(3, "c/", 95), scored(4, "d/", 95)]
    decision = SimpleNamespace(tied=[2, 3, 4], chosen=[4])
    tie = scoring.grade_and_rank(snap, rows, decision)
    by_pk = {row.organization_id: row for row in rows}
    assert tie.places == 1 and scoring.decision_fits(decision, tie)
    assert [by_pk[i].grade for i in (1, 2, 3, 4)] == [
        Grade.EXCELLENT,
        Grade.GOOD,
        Grade.GOOD,
        Grade.EXCELLENT,
    ]
    assert not by_pk[4].tied and by_pk[2].capped and not by_pk[2].tied
    # A decision over other organisations (the tie changed since) settles nothing.
    stale = SimpleNamespace(tied=[2, 3], chosen=[3])
    scoring.grade_and_rank(snap, rows, stale)
    assert all(by_pk[i].tied and by_pk[i].grade == Grade.GOOD for i in (2, 3, 4))


def test_a_run_for_a_year_without_scheme_is_refused(staff, committee_a, branch_a):
    with pytest.raises(ValidationError, match="2031年尚无党支部考核方案"):
        runs.start_run(year=2031, scope=committee_a, target=Target.BRANCH, by=staff)
    assert not AssessmentRun.objects.exists()


def test_a_run_with_a_broken_scheme_is_refused(scheme, staff, committee_a, branch_a):
    Indicator.objects.filter(pk=scheme.theme.pk).update(weight=D(10))
    with pytest.raises(ValidationError, match="一级指标的分值合计应为100分"):
        runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)


def test_a_second_run_while_one_is_running_is_refused(scheme, staff, committee_a, branch_a):
    runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    with pytest.raises(ValidationError, match="已有一次计算正在进行"):
        runs.start_run(year=YEAR, scope=committee_a, target=Target.BRANCH, by=staff)
    assert AssessmentRun.objects.count() == 1
