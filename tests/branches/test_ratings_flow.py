"""The rating flow in branches/services/ratings.py: each transition allowed and refused by role, by
status and by the round's stage dates."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from alxa_dangjian.accounts.models import User
from alxa_dangjian.core.models import Notification
from alxa_dangjian.core.reference import ensure_reference_data
from branches.models import Level, Organization, RatingApplication, RatingStandard, RatingTitle
from branches.rules import ratings as rating_rules
from branches.services import rating_titles, ratings
from tests.branches.rating_factories import (
    full_score,
    make_application,
    make_round,
    make_title,
    set_stage,
    today,
)
from tests.factories import OrganizationFactory, UserFactory

Status = RatingApplication.Status


@pytest.fixture
def round(db):
    return make_round("apply")


def fill(application, by):
    values = {item.pk: (full_score(item.standard), "已落实") for item in application.scores.all()}
    ratings.save_self_assessment(application, values=values, by=by)


# 申报 ---------------------------------------------------------------------------------------


def test_secretary_starts_an_application_with_one_row_per_applicable_standard(
    round, secretary, branch_a
):
    application = ratings.start_application(round, branch_a, level=Level.STRONGEST, by=secretary)
    standards = RatingStandard.objects.filter(year=round.year, category=branch_a.category)
    assert application.status == Status.DRAFT
    assert application.scores.count() == standards.count() == 16
    assert set(application.scores.values_list("standard__category", flat=True)) == {
        branch_a.category
    }


@pytest.mark.parametrize("stage", ["before", "recommend", "naming"])
def test_application_outside_the_apply_dates_is_refused(secretary, branch_a, stage):
    round = make_round(stage)
    with pytest.raises(ValidationError, match="不在申报时间内"):
        ratings.start_application(round, branch_a, level=Level.STRONGEST, by=secretary)
    assert not RatingApplication.objects.exists()


def test_only_the_branch_itself_applies(round, branch_a, committee_admin, staff, outsider):
    for user in (committee_admin, staff, outsider):
        with pytest.raises(PermissionDenied):
            ratings.start_application(round, branch_a, level=Level.STRONGEST, by=user)
    assert not RatingApplication.objects.exists()


def test_temporary_branch_cannot_apply(round, committee_a):
    temporary = OrganizationFactory(
        name="甲局临时党支部", type=Organization.Type.TEMPORARY_BRANCH, parent=committee_a
    )
    user = UserFactory(role=User.Role.SECRETARY, organization=temporary)
    with pytest.raises(ValidationError, match="临时党支部不参加"):
        ratings.start_application(round, temporary, level=Level.STRONGEST, by=user)
    assert temporary not in rating_rules.eligible_branches(user)


def test_second_application_for_the_same_level_is_refused(round, secretary, branch_a):
    ratings.start_application(round, branch_a, level=Level.STRONGEST, by=secretary)
    with pytest.raises(ValidationError, match="已申报最强党支部"):
        ratings.start_application(round, branch_a, level=Level.STRONGEST, by=secretary)


def test_closed_round_refuses_everything(round, secretary, branch_a):
    round.status = round.Status.CLOSED
    round.save()
    with pytest.raises(ValidationError, match="已结束"):
        ratings.start_application(round, branch_a, level=Level.STRONGEST, by=secretary)


def test_category_without_standards_is_refused(round, committee_a):
    other = OrganizationFactory(parent=committee_a, category=Organization.Category.OTHER)
    user = UserFactory(role=User.Role.SECRETARY, organization=other)
    with pytest.raises(ValidationError, match="没有适用于“其他”类别"):
        ratings.start_application(round, other, level=Level.STRONGEST, by=user)


# Self-assessment and scores ----------------------------------------------------------------


def test_self_scores_outside_the_item_range_are_refused_and_nothing_saved(
    round, secretary, branch_a
):
    application = make_application(round, branch_a, by=secretary)
    items = {i.standard.method: i for i in application.scores.select_related("standard")}
    points = items[RatingStandard.Method.POINTS]
    pass_fail = items[RatingStandard.Method.PASS_FAIL]
    deduction = items[RatingStandard.Method.DEDUCTION]
    bad_values = [
        {points.pk: (points.standard.max_score + 1, "")},
        {points.pk: ("-1", "")},
        {pass_fail.pk: (pass_fail.standard.max_score / 2, "")},
        {deduction.pk: ("1", "")},
        {deduction.pk: (-deduction.standard.max_score - 1, "")},
        {points.pk: ("很好", "")},
        {points.pk: ("NaN", "")},
    ]
    good = {pass_fail.pk: (pass_fail.standard.max_score, "好")}
    for bad in bad_values:
        # A good score sent alongside a bad one is not saved either.
        values = bad if pass_fail.pk in bad else good | bad
        with pytest.raises(ValidationError) as refused:
            ratings.save_self_assessment(application, values=values, by=secretary)
        assert "第" in " ".join(refused.value.messages)
    assert not application.scores.filter(self_score__isnull=False).exists()
    assert not application.scores.exclude(self_note="").exists()


def test_self_scores_within_range_are_saved_with_history(round, secretary, branch_a):
    application = make_application(round, branch_a, by=secretary)
    item = application.scores.select_related("standard").first()
    ratings.save_self_assessment(
        application, values={item.pk: (full_score(item.standard), "见附件")}, by=secretary
    )
    ratings.save_self_assessment(application, values={item.pk: ("0", "未达标")}, by=secretary)
    item.refresh_from_db()
    assert item.self_score == Decimal(0)
    records = list(item.history.order_by("history_date", "history_id"))
    assert records[-1].history_user == secretary
    assert records[-1].self_score == Decimal(0)
    assert records[-2].self_score == full_score(item.standard)


def test_items_of_another_application_are_refused(round, secretary, branch_a, branch_a2):
    mine = make_application(round, branch_a, by=secretary)
    theirs = make_application(round, branch_a2, by=secretary)
    item = theirs.scores.first()
    with pytest.raises(ValidationError, match="不属于该申报"):
        ratings.save_self_assessment(mine, values={item.pk: ("0", "")}, by=secretary)


def test_submit_needs_every_item_scored(round, secretary, branch_a):
    application = make_application(round, branch_a, by=secretary)
    with pytest.raises(ValidationError, match="未自评"):
        ratings.submit_application(application, by=secretary)
    fill(application, secretary)
    ratings.submit_application(application, by=secretary)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.submitted_at is not None


def test_submit_notifies_the_party_committee(round, secretary, committee_admin, branch_a):
    application = make_application(round, branch_a, by=secretary, self_scored=True)
    ratings.submit_application(application, by=secretary)
    assert Notification.objects.filter(user=committee_admin).exists()


def test_submit_after_the_apply_dates_is_refused(round, secretary, branch_a):
    application = make_application(round, branch_a, by=secretary, self_scored=True)
    set_stage(round, "recommend")
    with pytest.raises(ValidationError, match="不在申报时间内"):
        ratings.submit_application(application, by=secretary)
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_submitted_application_is_no_longer_editable(round, secretary, branch_a):
    application = make_application(
        round, branch_a, by=secretary, status=Status.SUBMITTED, self_scored=True
    )
    item = application.scores.first()
    with pytest.raises(ValidationError, match="不能再修改"):
        ratings.save_self_assessment(application, values={item.pk: ("0", "")}, by=secretary)


# 党委推荐 ------------------------------------------------------------------------------------


@pytest.fixture
def submitted(round, secretary, branch_a):
    return make_application(
        round, branch_a, by=secretary, status=Status.SUBMITTED, self_scored=True
    )


def test_committee_admin_recommends_within_dates(submitted, committee_admin):
    set_stage(submitted.round, "recommend")
    ratings.recommend_application(submitted, opinion="同意推荐", by=committee_admin)
    submitted.refresh_from_db()
    assert submitted.status == Status.RECOMMENDED
    assert submitted.committee_opinion == "同意推荐"
    latest = submitted.history.latest()
    assert latest.history_user == committee_admin
    assert latest.history_change_reason == "党委推荐：同意推荐"


def test_recommendation_refused_to_the_branch_and_to_other_subtrees(
    submitted, secretary, outsiders
):
    for user in (secretary, *outsiders):
        with pytest.raises(PermissionDenied):
            ratings.recommend_application(submitted, by=user)
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_recommendation_after_its_close_is_refused(submitted, committee_admin):
    set_stage(submitted.round, "review")
    with pytest.raises(ValidationError, match="不在党委推荐时间内"):
        ratings.recommend_application(submitted, by=committee_admin)


def test_draft_cannot_be_recommended(round, secretary, branch_a, committee_admin):
    draft = make_application(round, branch_a, by=secretary)
    with pytest.raises(ValidationError, match="不能推荐"):
        ratings.recommend_application(draft, by=committee_admin)


def test_committee_returns_with_a_reason_and_branch_resubmits(
    submitted, committee_admin, secretary
):
    with pytest.raises(ValidationError, match="填写理由"):
        ratings.return_application(submitted, reason="  ", by=committee_admin)
    ratings.return_application(submitted, reason="佐证材料不全", by=committee_admin)
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED
    assert submitted.return_reason == "佐证材料不全"
    assert Notification.objects.filter(user=secretary).exists()
    fill(submitted, secretary)
    ratings.submit_application(submitted, by=secretary)
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert submitted.return_reason == ""


def test_secretary_cannot_return(submitted, secretary):
    with pytest.raises(PermissionDenied):
        ratings.return_application(submitted, reason="x", by=secretary)


# 工委审核 ------------------------------------------------------------------------------------


@pytest.fixture
def recommended(secretary, branch_a):
    round = make_round("review")
    return make_application(
        round, branch_a, by=secretary, status=Status.RECOMMENDED, self_scored=True
    )


def review_all(application, staff, **kwargs):
    values = {i.pk: (full_score(i.standard), "属实") for i in application.scores.all()}
    ratings.review_scores(application, values=values, by=staff, **kwargs)


def test_staff_scores_every_item_and_approves(recommended, staff):
    with pytest.raises(ValidationError, match="未审核评分"):
        ratings.approve_application(recommended, by=staff)
    review_all(recommended, staff)
    ratings.approve_application(recommended, opinion="审核通过", by=staff)
    recommended.refresh_from_db()
    assert recommended.status == Status.APPROVED
    item = recommended.scores.first()
    assert item.history.latest().history_user == staff
    assert item.review_comment == "属实"


def test_review_refused_to_committee_admin_and_secretary(recommended, committee_admin, secretary):
    item = recommended.scores.first()
    for user in (committee_admin, secretary):
        with pytest.raises(PermissionDenied):
            ratings.review_scores(recommended, values={item.pk: ("0", "")}, by=user)
        with pytest.raises(PermissionDenied):
            ratings.approve_application(recommended, by=user)
        with pytest.raises(PermissionDenied):
            ratings.return_application(recommended, reason="不同意", by=user)


def test_system_admin_of_a_party_committee_is_not_the_work_committee(recommended, committee_a):
    admin = UserFactory(role=User.Role.SYSTEM_ADMIN, organization=committee_a)
    with pytest.raises(PermissionDenied):
        ratings.approve_application(recommended, by=admin)


def test_review_score_out_of_range_is_refused(recommended, staff):
    item = recommended.scores.select_related("standard").first()
    with pytest.raises(ValidationError, match="超出范围"):
        ratings.review_scores(
            recommended, values={item.pk: (item.standard.max_score + 5, "")}, by=staff
        )
    item.refresh_from_db()
    assert item.review_score is None


def test_review_after_its_close_is_refused(recommended, staff):
    review_all(recommended, staff)
    set_stage(recommended.round, "publicity")
    with pytest.raises(ValidationError, match="不在工委审核时间内"):
        ratings.approve_application(recommended, by=staff)


def test_staff_returns_a_recommended_application(recommended, staff):
    ratings.return_application(recommended, reason="与实际不符", by=staff)
    recommended.refresh_from_db()
    assert recommended.status == Status.RETURNED
    assert recommended.history.latest().history_change_reason == "退回：与实际不符"


def test_returned_after_the_apply_dates_cannot_be_resubmitted(recommended, staff, secretary):
    ratings.return_application(recommended, reason="与实际不符", by=staff)
    with pytest.raises(ValidationError, match="不在申报时间内"):
        ratings.submit_application(recommended, by=secretary)


# 公示 and 命名 --------------------------------------------------------------------------------


@pytest.fixture
def approved(secretary, branch_a):
    round = make_round("publicity")
    return make_application(
        round, branch_a, by=secretary, status=Status.APPROVED, self_scored=True, reviewed=True
    )


def test_staff_opens_publicity_within_its_dates(approved, staff, committee_admin):
    with pytest.raises(PermissionDenied):
        ratings.start_publicity(approved.round, by=committee_admin)
    assert ratings.start_publicity(approved.round, by=staff) == 1
    approved.refresh_from_db()
    assert approved.status == Status.PUBLICIZED
    rows = rating_rules.publicity_list(approved.round)
    assert rows == [
        {
            "level": Level.STRONGEST,
            "status": Status.PUBLICIZED,
            "organization__name": "甲局第一党支部",
        }
    ]


def test_publicity_outside_its_dates_is_refused(approved, staff):
    set_stage(approved.round, "review")
    with pytest.raises(ValidationError, match="不在公示时间内"):
        ratings.start_publicity(approved.round, by=staff)


def test_publicity_with_nothing_approved_is_refused(staff):
    with pytest.raises(ValidationError, match="没有审核通过"):
        ratings.start_publicity(make_round("publicity"), by=staff)


def test_naming_waits_for_the_end_of_publicity(approved, staff):
    ratings.start_publicity(approved.round, by=staff)
    with pytest.raises(ValidationError, match="期满后方可命名"):
        rating_titles.name_application(approved, by=staff)
    set_stage(approved.round, "naming")
    title = rating_titles.name_application(approved, by=staff)
    approved.refresh_from_db()
    assert approved.status == Status.NAMED
    assert (title.organization, title.level, title.scope, title.year) == (
        approved.organization,
        Level.STRONGEST,
        approved.round.scope,
        approved.round.year,
    )
    assert title.application == approved
    assert title.history.latest().history_user == staff


def test_naming_refused_to_committee_admin(approved, staff, committee_admin):
    ratings.start_publicity(approved.round, by=staff)
    set_stage(approved.round, "naming")
    with pytest.raises(PermissionDenied):
        rating_titles.name_application(approved, by=committee_admin)
    assert not RatingTitle.objects.exists()


def test_objection_during_publicity_returns_the_application(approved, staff):
    ratings.start_publicity(approved.round, by=staff)
    ratings.return_application(approved, reason="公示期间收到反映，经核实属实", by=staff)
    approved.refresh_from_db()
    assert approved.status == Status.RETURNED
    assert rating_rules.publicity_list(approved.round) == []


# Ladder -------------------------------------------------------------------------------------


def test_model_point_needs_a_strongest_title(round, secretary, branch_a):
    with pytest.raises(ValidationError, match="须先获得盟直机关“最强党支部”命名"):
        ratings.start_application(round, branch_a, level=Level.MODEL_POINT, by=secretary)
    make_title(branch_a, year=round.year - 1)
    application = ratings.start_application(round, branch_a, level=Level.MODEL_POINT, by=secretary)
    assert application.level == Level.MODEL_POINT


@pytest.mark.parametrize(
    "title_fields",
    [
        {"scope": "league"},  # another scope
        {"year_offset": 1},  # a later year
        {"withdrawn": True},  # withdrawn
        {"level": Level.MODEL_POINT},  # not the level just below
    ],
)
def test_ladder_ignores_titles_that_do_not_qualify(round, secretary, branch_a, title_fields):
    fields = dict(title_fields)
    year = round.year + fields.pop("year_offset", 0)
    if fields.pop("withdrawn", False):
        fields |= {"withdrawn_on": today(), "withdrawal_reason": "整改不到位"}
    make_title(branch_a, year=year, **fields)
    with pytest.raises(ValidationError, match="须先获得"):
        ratings.start_application(round, branch_a, level=Level.MODEL_POINT, by=secretary)
    assert not RatingApplication.objects.exists()


def test_two_steps_in_one_round_are_named_lowest_first(secretary, branch_a, staff):
    round = make_round("apply")
    ratings.start_application(round, branch_a, level=Level.STRONGEST, by=secretary)
    # Allowed while the lower application is alive in the same round.
    higher = ratings.start_application(round, branch_a, level=Level.MODEL_POINT, by=secretary)
    RatingApplication.objects.filter(round=round).update(status=Status.PUBLICIZED)
    set_stage(round, "naming")
    with pytest.raises(ValidationError, match="须先获得"):
        rating_titles.name_application(higher, by=staff)
    assert rating_titles.name_round(round, by=staff) == 2
    assert set(RatingTitle.objects.values_list("level", flat=True)) == {
        Level.STRONGEST,
        Level.MODEL_POINT,
    }


def test_naming_a_round_is_all_or_nothing(secretary, branch_a, branch_a2, staff):
    round = make_round("naming")
    make_application(round, branch_a, by=secretary, status=Status.PUBLICIZED)
    make_application(
        round, branch_a2, by=secretary, level=Level.MODEL_BASE, status=Status.PUBLICIZED
    )
    with pytest.raises(ValidationError, match="须先获得"):
        rating_titles.name_round(round, by=staff)
    assert not RatingTitle.objects.exists()
    assert not RatingApplication.objects.filter(status=Status.NAMED).exists()


# 摘牌 and the query API ------------------------------------------------------------------------


def test_withdrawal_needs_staff_a_reason_and_a_date_after_naming(branch_a, staff, committee_admin):
    title = make_title(branch_a, year=2024, awarded_on=datetime.date(2024, 12, 20))
    with pytest.raises(PermissionDenied):
        rating_titles.withdraw_title(
            title, on=datetime.date(2025, 3, 1), reason="x", by=committee_admin
        )
    with pytest.raises(ValidationError, match="填写理由"):
        rating_titles.withdraw_title(title, on=datetime.date(2025, 3, 1), reason=" ", by=staff)
    with pytest.raises(ValidationError, match="不能早于命名日期"):
        rating_titles.withdraw_title(title, on=datetime.date(2024, 1, 1), reason="整改", by=staff)
    rating_titles.withdraw_title(
        title, on=datetime.date(2025, 3, 1), reason="发生违纪问题", by=staff
    )
    title.refresh_from_db()
    assert title.withdrawn_on == datetime.date(2025, 3, 1)
    latest = title.history.latest()
    assert latest.history_user == staff
    assert latest.history_change_reason == "摘牌：发生违纪问题"
    with pytest.raises(ValidationError, match="已于2025年3月1日摘牌"):
        rating_titles.withdraw_title(title, on=datetime.date(2025, 4, 1), reason="再次", by=staff)


def test_active_titles_and_levels_follow_years_and_withdrawals(branch_a, branch_a2, branch_b):
    make_title(branch_a, year=2023)
    make_title(branch_a, level=Level.MODEL_POINT, year=2024)
    make_title(
        branch_a2,
        year=2023,
        withdrawn_on=datetime.date(2024, 6, 1),
        withdrawal_reason="整改不到位",
    )
    make_title(branch_b, year=2024, scope="league")
    assert rating_rules.active_titles(2022).count() == 0
    assert rating_rules.active_titles(2023).count() == 2
    # branch_a2's title was withdrawn in 2024: it counts for 2023, not for 2024.
    assert set(rating_rules.active_titles(2024).values_list("organization", "level")) == {
        (branch_a.pk, Level.STRONGEST),
        (branch_a.pk, Level.MODEL_POINT),
        (branch_b.pk, Level.STRONGEST),
    }
    assert rating_rules.active_titles(2024, scope="organ").count() == 2
    ids = [branch_a.pk, branch_a2.pk, branch_b.pk]
    assert rating_rules.levels_for(2023, ids) == {
        branch_a.pk: Level.STRONGEST,
        branch_a2.pk: Level.STRONGEST,
    }
    assert rating_rules.levels_for(2024, ids) == {
        branch_a.pk: Level.MODEL_POINT,
        branch_b.pk: Level.STRONGEST,
    }
    assert rating_rules.levels_for(2024, ids, scope="league") == {branch_b.pk: Level.STRONGEST}
    assert rating_rules.levels_for(2024, []) == {}


def test_reseeding_the_sample_catalogue_adds_nothing_and_keeps_edits(db):
    edited = RatingStandard.objects.order_by("pk").first()
    edited.text = "工委修订文本"
    edited.save()
    before = RatingStandard.objects.count()
    ensure_reference_data()
    assert RatingStandard.objects.count() == before
    edited.refresh_from_db()
    assert edited.text == "工委修订文本"
