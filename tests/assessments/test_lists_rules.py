"""The rules of the responsibility lists: windows, review per role, carry-over, uploads and
the on-time count behind the year-end indicator."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from alxa_dangjian.core.models import Notification
from assessments import indicators, item_states
from assessments.models import (
    CheckpointEntry,
    CheckpointEvidence,
    CheckpointWindow,
    ResponsibilityItem,
    ResponsibilityList,
    ResponsibilityListType,
    Stage,
)
from assessments.services import lists
from tests.assessments.lists_factories import closed, list_type, make_entry, make_item, make_list
from tests.factories import OrganizationFactory, UserFactory

Progress = CheckpointEntry.Progress
Review = CheckpointEntry.Review
Y = 2026
IN_PLAN = datetime.date(Y, 2, 10)
IN_MID = datetime.date(Y, 6, 20)
IN_FINAL = datetime.date(Y, 11, 20)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def branch_list(branch_a, secretary):
    return make_list(branch_a, year=Y, by=secretary)


@pytest.fixture
def item(branch_list):
    return make_item(branch_list, content="按期召开支部委员会", deadline=datetime.date(Y, 10, 31))


def test_seeded_types_are_the_person_based_reading_marked_as_a_sample(db):
    types = list(ResponsibilityListType.objects.order_by("sort_order"))
    assert [t.name for t in types] == ["主体责任清单", "第一责任人清单", "一岗双责清单"]
    assert [t.owner_label for t in types] == ["党组（党委）", "书记", "班子成员"]
    assert [t.needs_person for t in types] == [False, True, True]
    assert all("示例，请按工委文件调整" in t.description for t in types)


# Windows ------------------------------------------------------------------------------------


def test_items_are_written_only_inside_the_plan_window(branch_list, secretary):
    deadline = datetime.date(Y, 12, 31)
    item = ResponsibilityItem(list=branch_list, content="开展主题党日", deadline=deadline)
    with pytest.raises(ValidationError, match="已于2026年3月31日截止"):
        lists.save_item(item, by=secretary, today=IN_MID)
    with pytest.raises(ValidationError, match="将于2026年1月1日开始填报"):
        lists.save_item(item, by=secretary, today=datetime.date(Y - 1, 12, 30))
    assert not ResponsibilityItem.objects.exists()
    lists.save_item(item, by=secretary, today=IN_PLAN)
    assert item.order == 1


def test_staff_move_the_window_and_the_refusal_follows(branch_list, secretary, staff, item):
    planned = make_entry(item, Stage.PLAN)
    assert planned.review == Review.CONFIRMED
    with pytest.raises(ValidationError, match="半年小结已于2026年7月31日截止"):
        lists.save_checkpoint(item, Stage.MID, progress=Progress.IN_PROGRESS, by=secretary,
                              today=datetime.date(Y, 8, 5))  # fmt: skip
    window = CheckpointWindow.default_for(Y)
    window.mid_closes_on = datetime.date(Y, 8, 15)
    lists.save_window(window, by=staff)
    entry = lists.save_checkpoint(
        item, Stage.MID, progress=Progress.IN_PROGRESS, by=secretary, today=datetime.date(Y, 8, 5)
    )
    assert entry.review == Review.DRAFT


def test_only_staff_set_windows_and_dates_must_be_in_order(committee_admin, staff):
    window = CheckpointWindow.default_for(Y)
    with pytest.raises(PermissionDenied):
        lists.save_window(window, by=committee_admin)
    window.final_closes_on = datetime.date(Y, 10, 1)
    with pytest.raises(ValidationError, match="截止日期不能早于开始日期"):
        lists.save_window(window, by=staff)
    assert not CheckpointWindow.objects.exists()


def test_a_report_needs_the_plan_confirmed_and_a_real_completion_date(item, secretary):
    with pytest.raises(ValidationError, match="年初定单尚未确认"):
        lists.save_checkpoint(item, Stage.MID, progress=Progress.DONE, by=secretary, today=IN_MID)
    make_entry(item, Stage.PLAN)
    with pytest.raises(ValidationError) as error:
        lists.save_checkpoint(item, Stage.FINAL, progress=Progress.DONE, by=secretary,
                              completed_on=datetime.date(Y, 12, 1), today=IN_FINAL)  # fmt: skip
    assert error.value.message_dict == {"completed_on": ["完成日期不能晚于今天。"]}
    with pytest.raises(ValidationError, match="请选择事项进展"):
        lists.save_checkpoint(item, Stage.FINAL, progress="", by=secretary, today=IN_FINAL)
    assert not item.entries.filter(stage=Stage.FINAL).exclude(progress="").exists()


# Review per role ------------------------------------------------------------------------------


def submitted_plan(item, secretary):
    lists.save_checkpoint(item, Stage.PLAN, submit=True, by=secretary, today=IN_PLAN)
    return item.entries.get(stage=Stage.PLAN)


def test_the_committee_admin_above_confirms_and_the_plan_is_locked(
    item, secretary, committee_admin
):
    entry = submitted_plan(item, secretary)
    assert entry.review == Review.SUBMITTED and entry.submitted_by == secretary
    with pytest.raises(PermissionDenied):
        lists.confirm_entry(entry, by=secretary)
    lists.confirm_entry(entry, by=committee_admin, comment="同意")
    entry.refresh_from_db()
    assert (entry.review, entry.reviewed_by, entry.review_comment) == (
        Review.CONFIRMED,
        committee_admin,
        "同意",
    )
    with pytest.raises(ValidationError, match="年初定单已确认，不能再修改"):
        lists.save_item(item, by=secretary, today=IN_PLAN)
    with pytest.raises(ValidationError, match="只有待审核的环节可以确认"):
        lists.confirm_entry(entry, by=committee_admin)
    assert [h.history_change_reason for h in entry.history.order_by("history_id")] == [
        None,
        "提交审核",
        "确认",
    ]


def test_a_return_needs_a_comment_and_reopens_the_checkpoint(
    item, secretary, staff, django_capture_on_commit_callbacks
):
    entry = submitted_plan(item, secretary)
    with pytest.raises(ValidationError, match="请填写退回意见"):
        lists.return_entry(entry, comment="  ", by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        lists.return_entry(entry, comment="时限过于宽松", by=staff)
    entry.refresh_from_db()
    assert entry.review == Review.RETURNED and entry.review_comment == "时限过于宽松"
    assert Notification.objects.filter(user=secretary, body="时限过于宽松").exists()
    item.deadline = datetime.date(Y, 9, 30)
    lists.save_item(item, by=secretary, today=IN_PLAN, reason="按审核意见提前时限")
    assert lists.submit_stage(item.list, Stage.PLAN, by=secretary, today=IN_PLAN) == 1
    entry.refresh_from_db()
    assert entry.review == Review.SUBMITTED


def test_nobody_confirms_their_own_organisations_list_but_staff_review_everywhere(
    committee_a, committee_admin, staff, outsiders
):
    own = make_list(committee_a, year=Y, by=committee_admin)
    item = make_item(own)
    entry = make_entry(item, Stage.PLAN, review=Review.SUBMITTED)
    with pytest.raises(PermissionDenied):
        lists.confirm_entry(entry, by=committee_admin)
    for outsider in outsiders[1:]:
        with pytest.raises(PermissionDenied):
            lists.confirm_entry(entry, by=outsider)
    lists.confirm_entry(entry, by=staff)
    entry.refresh_from_db()
    assert entry.review == Review.CONFIRMED


def test_an_outsider_cannot_fill_a_list_of_another_subtree(item, outsiders):
    for outsider in outsiders:
        with pytest.raises(PermissionDenied):
            lists.save_checkpoint(item, Stage.PLAN, by=outsider, today=IN_PLAN)
    assert not CheckpointEntry.objects.exists()


def test_a_person_list_needs_the_person(branch_a, secretary):
    with pytest.raises(ValidationError) as error:
        lists.create_list(year=Y, type=list_type("first-responsible"), owner_organization=branch_a,
                          by=secretary)  # fmt: skip
    assert "请填写书记的姓名" in error.value.message_dict["owner_person"][0]
    created = lists.create_list(
        year=Y, type=list_type("first-responsible"), owner_organization=branch_a,
        owner_person="王敏", owner_post="书记", by=secretary,
    )  # fmt: skip
    assert created.owner_label.endswith("书记王敏")
    with pytest.raises(ValidationError, match="已有这一类清单"):
        lists.create_list(
            year=Y, type=list_type("first-responsible"), owner_organization=branch_a,
            owner_person="王敏", by=secretary,
        )  # fmt: skip


# Carry-over -----------------------------------------------------------------------------------


def test_unfinished_items_are_carried_once_into_next_years_list(branch_list, secretary):
    done = make_item(branch_list, content="完成换届", deadline=datetime.date(Y, 6, 30))
    closed(done, on=datetime.date(Y, 6, 1))
    open_item = make_item(branch_list, content="建设党员活动室", deadline=datetime.date(Y, 3, 15))
    reported = make_item(branch_list, content="整改问题清单")
    closed(reported, on=datetime.date(Y, 11, 1), review=Review.SUBMITTED)
    with pytest.raises(ValidationError, match="届时才能"):
        lists.carry_over(branch_list, by=secretary, today=IN_MID)
    target, created = lists.carry_over(branch_list, by=secretary, today=IN_FINAL)
    assert (target.year, target.type, target.owner_organization) == (
        Y + 1,
        branch_list.type,
        branch_list.owner_organization,
    )
    assert sorted(i.carried_from_id for i in created) == sorted([open_item.pk, reported.pk])
    assert {i.content for i in created} == {"建设党员活动室", "整改问题清单"}
    assert target.items.get(carried_from=open_item).deadline == datetime.date(Y + 1, 3, 15)
    again, none = lists.carry_over(branch_list, by=secretary, today=IN_FINAL)
    assert again == target and none == []
    assert target.items.count() == 2
    assert ResponsibilityList.objects.count() == 2


def test_outsiders_cannot_carry_over(branch_list, outsiders):
    make_item(branch_list)
    for outsider in outsiders:
        with pytest.raises(PermissionDenied):
            lists.carry_over(branch_list, by=outsider, today=IN_FINAL)
    assert ResponsibilityList.objects.count() == 1


# Uploads ------------------------------------------------------------------------------------


def test_bad_evidence_is_refused_and_nothing_is_stored(item, secretary, media):
    make_entry(item, Stage.PLAN)
    fake = SimpleUploadedFile("总结.jpg", b"MZ this is a program", content_type="image/jpeg")
    with pytest.raises(ValidationError, match="内容与扩展名 .jpg 不符"):
        lists.save_checkpoint(item, Stage.MID, progress=Progress.IN_PROGRESS, note="已推进",
                              uploads=[fake], by=secretary, today=IN_MID)  # fmt: skip
    script = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError, match="只能上传"):
        lists.save_checkpoint(item, Stage.MID, progress=Progress.IN_PROGRESS,
                              uploads=[script], by=secretary, today=IN_MID)  # fmt: skip
    assert not CheckpointEntry.objects.filter(stage=Stage.MID).exclude(note="").exists()
    assert not CheckpointEvidence.objects.exists()
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    entry = lists.save_checkpoint(item, Stage.MID, progress=Progress.IN_PROGRESS,
                                  uploads=[photo], by=secretary, today=IN_MID)  # fmt: skip
    assert [e.original_name for e in entry.evidence.all()] == ["现场.png"]


def test_the_plan_takes_no_files(item, secretary):
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    with pytest.raises(ValidationError, match="年初定单无需上传"):
        lists.save_checkpoint(item, Stage.PLAN, uploads=[photo], by=secretary, today=IN_PLAN)


# Items closed on time -------------------------------------------------------------------------


@pytest.fixture
def league_items(root, committee_a, branch_a, branch_a2, branch_b, secretary):
    """Hand-counted: branch_a 1 of 3, branch_a2 1 of 2, committee_a 1 of 1, branch_b 0 of 1;
    last year's items of branch_a do not count for this year."""
    a = make_list(branch_a, year=Y, by=secretary)
    closed(make_item(a, deadline=datetime.date(Y, 6, 30)), on=datetime.date(Y, 6, 30))  # on time
    closed(make_item(a, deadline=datetime.date(Y, 6, 30)), on=datetime.date(Y, 7, 1))  # late
    closed(make_item(a), on=datetime.date(Y, 5, 1), review=Review.SUBMITTED)  # not confirmed
    a_person = make_list(branch_a2, year=Y, by=secretary, code="dual-duty", person="李强")
    closed(make_item(a_person), on=datetime.date(Y, 3, 1))
    make_entry(make_item(a_person), Stage.FINAL, review=Review.CONFIRMED,
               progress=Progress.IN_PROGRESS)  # fmt: skip
    own = make_list(committee_a, year=Y, by=secretary)
    closed(make_item(own), on=datetime.date(Y, 12, 1))
    b = make_list(branch_b, year=Y, by=secretary)
    make_item(b)
    last_year = make_list(branch_a, year=Y - 1, by=secretary)
    closed(make_item(last_year), on=datetime.date(Y - 1, 3, 1))


def test_items_closed_on_time_per_owner(league_items, committee_a, branch_a, branch_a2, branch_b):
    ids = [committee_a.pk, branch_a.pk, branch_a2.pk, branch_b.pk]
    assert item_states.items_closed_on_time(Y, ids) == {
        branch_a.pk: (1, 3),
        branch_a2.pk: (1, 2),
        committee_a.pk: (1, 1),
        branch_b.pk: (0, 1),
    }
    assert item_states.items_closed_on_time(Y - 1, ids) == {branch_a.pk: (1, 1)}
    assert item_states.items_closed_on_time(Y, [branch_a2.pk]) == {branch_a2.pk: (1, 2)}


def test_the_indicator_sums_each_subtree(
    client, staff, league_items, root, committee_a, branch_a, branch_a2, committee_b
):
    indicator = indicators.get("list-items-closed-on-time")
    from branches.models import Organization

    empty = OrganizationFactory(name="甲局第三党支部", parent=committee_a)
    measures = indicator.compute(Y, Organization.objects.all())
    pairs = {pk: (m.numerator, m.denominator) for pk, m in measures.items()}
    assert pairs[branch_a.pk] == (1, 3)
    assert pairs[committee_a.pk] == (3, 6)  # its own list and both branches'
    assert pairs[committee_b.pk] == (0, 1)
    assert pairs[root.pk] == (3, 7)
    assert pairs[empty.pk] == (0, 0) and measures[empty.pk].note
    assert measures[committee_a.pk].inputs == 6
    assert indicator.drilldown(branch_a, Y).endswith(
        f"?organization={branch_a.pk}&year={Y}&status=closed"
    )
    # Each drill-down lists exactly the items counted and states the year's items.
    client.force_login(staff)
    for organization in (branch_a, committee_a, committee_b, root):
        numerator = client.get(indicator.drilldown(organization, Y))
        denominator = client.get(indicator.denominator_link(organization, Y))
        expected = pairs[organization.pk]
        assert numerator.context["page"].paginator.count == expected[0]
        assert numerator.context["of_all"] == expected[1]
        assert denominator.context["page"].paginator.count == expected[1]


@pytest.mark.parametrize("count", [2, 40])
def test_on_time_queries_do_not_grow_with_organisations(
    committee_a, secretary, count, django_assert_num_queries
):
    from branches.models import Organization

    branches = OrganizationFactory.create_batch(count, parent=committee_a)
    for branch in branches:
        item = make_item(make_list(branch, year=Y, by=secretary))
        closed(item, on=datetime.date(Y, 2, 1))
    with django_assert_num_queries(1):  # the GROUP BY
        result = item_states.items_closed_on_time(Y, [b.pk for b in branches])
    assert len(result) == count
    with django_assert_num_queries(2):  # the organisations, the GROUP BY
        measures = item_states.closed_on_time_measures(Y, Organization.objects.subtree(committee_a))
    assert measures[committee_a.pk].numerator == count


def test_a_user_factory_secretary_elsewhere_cannot_review(branch_list, branch_a2):
    other = UserFactory(role="committee_admin", organization=branch_a2)
    entry = make_entry(make_item(branch_list), Stage.PLAN, review=Review.SUBMITTED)
    with pytest.raises(PermissionDenied):
        lists.confirm_entry(entry, by=other)
