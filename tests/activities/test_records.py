"""Logging organisational life: the form, the roster taps, the rules, lists and the record page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ActivityKind, Attendance, CampaignTag
from activities.services import records as services
from branches.models import Member, PartyGroup
from tests.factories import ActivityFactory, CommitteeSeatFactory, MemberFactory

CREATE = reverse("activities:activity-create")
LIST = reverse("activities:activity-list")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ACTIVITY_BACKFILL_DAYS = 30
    return settings.MEDIA_ROOT


def today():
    return timezone.localdate()


def make_roster(branch, full=3, probationary=0):
    members = [MemberFactory(organization=branch, name=f"正式{n}") for n in range(full)]
    members += [
        MemberFactory(
            organization=branch,
            name=f"预备{n}",
            status=Member.Status.PROBATIONARY,
            joined_on=today() - datetime.timedelta(days=100),
            confirmed_on=None,
        )
        for n in range(probationary)
    ]
    return members


def kind(code):
    return ActivityKind.objects.get(code=code)


def form_data(kind_code="theme-day", **overrides):
    data = {
        "kind": kind(kind_code).pk,
        "held_on": today().isoformat(),
        "theme": "学习党的二十大精神",
        "place": "三楼会议室",
        "host": "乌云",
        "minutes": "传达学习文件。",
        "joint_names": "",
    }
    data.update(overrides)
    return data


def create_url(branch):
    return f"{CREATE}?organization={branch.pk}"


# The form ------------------------------------------------------------------------------------


def test_secretary_sees_the_branch_roster_with_everyone_present(
    client, secretary, branch_a, branch_b
):
    members = make_roster(branch_a, full=2, probationary=1)
    MemberFactory(organization=branch_a, name="已转出者", standing=Member.Standing.TRANSFERRED_OUT)
    MemberFactory(organization=branch_b, name="别的支部党员")
    client.force_login(secretary)
    response = client.get(CREATE)
    assert response.status_code == 200
    body = response.content.decode()
    for member in members:
        assert f'name="att-{member.pk}"' in body
    assert "已转出者" not in body and "别的支部党员" not in body
    assert [row.status for row in response.context["rows"]] == ["present"] * 3
    assert "默认全部出席" in body


def test_secretary_logs_an_activity_with_one_person_on_leave(client, secretary, branch_a):
    members = make_roster(branch_a, full=3)
    client.force_login(secretary)
    data = form_data(**{f"att-{members[1].pk}": "leave", f"reason-{members[1].pk}": "出差"})
    response = client.post(CREATE, data)
    activity = Activity.objects.get()
    assert response.status_code == 302 and response.url == activity.get_absolute_url()
    assert activity.status == Activity.Status.DRAFT
    assert activity.organization == branch_a and activity.created_by == secretary
    marks = {a.member_id: (a.status, a.reason) for a in activity.attendances.all()}
    assert marks == {
        members[0].pk: ("present", ""),
        members[1].pk: ("leave", "出差"),
        members[2].pk: ("present", ""),
    }


def test_reason_is_dropped_for_someone_present(client, secretary, branch_a):
    (member,) = make_roster(branch_a, full=1)
    client.force_login(secretary)
    client.post(CREATE, form_data(**{f"att-{member.pk}": "present", f"reason-{member.pk}": "x"}))
    assert Attendance.objects.get().reason == ""


def test_tags_and_minutes_are_saved(client, secretary, branch_a):
    client.force_login(secretary)
    tag = CampaignTag.objects.get(name="民族团结")
    client.post(CREATE, form_data(tags=[tag.pk]))
    activity = Activity.objects.get()
    assert list(activity.tags.all()) == [tag] and activity.minutes == "传达学习文件。"


def test_committee_admin_first_picks_one_of_their_branches(
    client, committee_admin, branch_a, branch_a2, branch_b
):
    client.force_login(committee_admin)
    response = client.get(CREATE)
    body = response.content.decode()
    assert "请先选择开展活动的党组织" in body
    assert branch_a.name in body and branch_a2.name in body and branch_b.name not in body
    response = client.get(create_url(branch_a2))
    assert response.status_code == 200 and response.context["organization"] == branch_a2
    client.post(create_url(branch_a2), form_data())
    assert Activity.objects.get().organization == branch_a2


def test_staff_may_log_for_any_branch(client, staff, branch_b):
    client.force_login(staff)
    client.post(create_url(branch_b), form_data())
    assert Activity.objects.get().organization == branch_b


# Bad input: each refused with a Chinese message, nothing saved ---------------------------------


def assert_nothing_saved():
    assert Activity.objects.count() == 0
    assert Attendance.objects.count() == 0


def test_a_future_date_is_refused(client, secretary, branch_a):
    make_roster(branch_a)
    client.force_login(secretary)
    tomorrow = today() + datetime.timedelta(days=1)
    response = client.post(CREATE, form_data(held_on=tomorrow.isoformat()))
    assert response.status_code == 200
    assert "活动日期不能晚于今天" in response.content.decode()
    assert_nothing_saved()


def test_the_backfill_window_edge(client, secretary, branch_a, settings):
    make_roster(branch_a)
    client.force_login(secretary)
    too_old = today() - datetime.timedelta(days=31)
    response = client.post(CREATE, form_data(held_on=too_old.isoformat()))
    assert response.status_code == 200
    message = response.context["form"].errors["held_on"][0]
    assert "只能补录30天内的活动" in message and "已超出补录期限" in message
    assert_nothing_saved()
    oldest = today() - datetime.timedelta(days=30)
    response = client.post(CREATE, form_data(held_on=oldest.isoformat()))
    assert response.status_code == 302
    assert Activity.objects.get().held_on == oldest


def test_the_backfill_window_is_a_setting(client, secretary, branch_a, settings):
    settings.ACTIVITY_BACKFILL_DAYS = 7
    client.force_login(secretary)
    response = client.post(CREATE, form_data(held_on=(today() - datetime.timedelta(8)).isoformat()))
    assert "只能补录7天内的活动" in response.content.decode()
    assert_nothing_saved()


def test_an_attendee_from_another_branch_is_refused(client, secretary, branch_a, branch_a2):
    make_roster(branch_a)
    stranger = MemberFactory(organization=branch_a2)
    client.force_login(secretary)
    response = client.post(CREATE, form_data(**{f"att-{stranger.pk}": "present"}))
    assert response.status_code == 200
    assert "出勤名单只能包含本支部党籍正常的党员" in response.content.decode()
    assert_nothing_saved()


def test_a_member_not_in_good_standing_is_refused(client, secretary, branch_a):
    gone = MemberFactory(organization=branch_a, standing=Member.Standing.TRANSFERRED_OUT)
    client.force_login(secretary)
    response = client.post(CREATE, form_data(**{f"att-{gone.pk}": "present"}))
    assert "出勤名单只能包含本支部党籍正常的党员" in response.content.decode()
    assert_nothing_saved()


@pytest.mark.parametrize("key", ["att-abc", "att-1e5", "att-" + "9" * 30])
def test_malformed_attendance_keys_are_refused(client, secretary, branch_a, key):
    client.force_login(secretary)
    response = client.post(CREATE, form_data(**{key: "present"}))
    assert "出勤名单数据有误" in response.content.decode()
    assert_nothing_saved()


def test_an_unknown_attendance_status_is_refused(client, secretary, branch_a):
    (member,) = make_roster(branch_a, full=1)
    client.force_login(secretary)
    response = client.post(CREATE, form_data(**{f"att-{member.pk}": "asleep"}))
    assert "出勤情况只能是出席、请假或缺席" in response.content.decode()
    assert_nothing_saved()


@pytest.mark.parametrize("value", ["987654", "abc", ""])
def test_an_unknown_kind_is_refused(client, secretary, branch_a, value):
    client.force_login(secretary)
    response = client.post(CREATE, form_data(kind=value))
    assert response.status_code == 200
    assert response.context["form"].errors["kind"]
    assert_nothing_saved()


def test_an_inactive_kind_is_not_offered_and_refused(client, secretary, branch_a):
    ActivityKind.objects.filter(code="heart-talk").update(is_active=False)
    client.force_login(secretary)
    assert "谈心谈话" not in client.get(CREATE).content.decode()
    response = client.post(CREATE, form_data("heart-talk"))
    assert response.context["form"].errors["kind"]
    assert_nothing_saved()


@pytest.mark.parametrize("target", ["branch_b", "branch_a2", "committee_a"])
def test_a_forged_branch_id_is_404(client, secretary, request, target):
    organization = request.getfixturevalue(target)
    client.force_login(secretary)
    assert client.get(create_url(organization)).status_code == 404
    assert client.post(create_url(organization), form_data()).status_code == 404
    assert_nothing_saved()


@pytest.mark.parametrize("raw", ["abc", "-1", "1.5", "9" * 40])
def test_a_malformed_branch_id_is_404(client, secretary, raw):
    client.force_login(secretary)
    assert client.post(f"{CREATE}?organization={raw}", form_data()).status_code == 404
    assert_nothing_saved()


def test_a_group_meeting_needs_a_party_group_of_the_branch(client, secretary, branch_a, branch_a2):
    group = PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    other = PartyGroup.objects.create(organization=branch_a2, name="别的党小组")
    client.force_login(secretary)
    response = client.post(CREATE, form_data("group-meeting"))
    assert "党小组会须选择召开会议的党小组" in response.content.decode()
    response = client.post(CREATE, form_data("group-meeting", party_group=other.pk))
    assert response.context["form"].errors["party_group"]
    assert_nothing_saved()
    client.post(CREATE, form_data("group-meeting", party_group=group.pk))
    assert Activity.objects.get().party_group == group


def test_a_party_group_is_dropped_for_other_kinds(client, secretary, branch_a):
    group = PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    client.force_login(secretary)
    client.post(CREATE, form_data("theme-day", party_group=group.pk))
    assert Activity.objects.get().party_group is None


# Joint activities ----------------------------------------------------------------------------


def test_a_joint_activity_shows_on_each_branch_list(
    client, secretary, outsider, branch_a, branch_b
):
    client.force_login(secretary)
    client.post(CREATE, form_data(theme="联合主题党日", joint_names=branch_b.name))
    activity = Activity.objects.get()
    assert list(activity.joint_organizations.all()) == [branch_b]
    assert "联合主题党日" in client.get(LIST).content.decode()
    client.force_login(outsider)  # the secretary of branch_b
    body = client.get(LIST).content.decode()
    assert "联合主题党日" in body and "联合开展" in body
    page = client.get(activity.get_absolute_url())
    assert page.status_code == 200 and branch_b.name in page.content.decode()
    assert page.context["may_edit"] is False
    # The partner sees the record but the host keeps it: editing is refused.
    assert client.get(reverse("activities:activity-edit", args=[activity.pk])).status_code == 403


def test_joint_branches_may_be_named_by_short_name(client, secretary, branch_a, branch_a2):
    branch_a2.short_name = "甲二支部"
    branch_a2.save()
    client.force_login(secretary)
    client.post(CREATE, form_data(joint_names="甲二支部"))
    assert list(Activity.objects.get().joint_organizations.all()) == [branch_a2]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ("不存在的党支部", "找不到有效的党支部“不存在的党支部”"),
        ("甲局党委", "找不到有效的党支部“甲局党委”"),
        ("甲局第一党支部", "联合开展的党组织不能是主办党组织自身"),
    ],
)
def test_bad_joint_branches_are_refused(client, secretary, branch_a, names, message):
    client.force_login(secretary)
    response = client.post(CREATE, form_data(joint_names=names))
    assert message in response.content.decode()
    assert_nothing_saved()


def test_the_create_page_never_lists_other_branches(client, secretary, branch_a, branch_b):
    client.force_login(secretary)
    assert branch_b.name not in client.get(CREATE).content.decode()


# Editing -------------------------------------------------------------------------------------


def logged(branch, user, **kwargs):
    members = kwargs.pop("members", None) or make_roster(branch)
    activity = ActivityFactory(
        organization=branch,
        created_by=user,
        status=kwargs.pop("status", Activity.Status.DRAFT),
        held_on=kwargs.pop("held_on", today()),
        **kwargs,
    )
    Attendance.objects.bulk_create(Attendance(activity=activity, member=m) for m in members)
    return activity, members


def edit_url(activity):
    return reverse("activities:activity-edit", args=[activity.pk])


def test_secretary_edits_a_draft_and_changes_attendance(client, secretary, branch_a):
    activity, members = logged(branch_a, secretary)
    client.force_login(secretary)
    data = form_data(theme="改过的主题", **{f"att-{members[0].pk}": "absent"})
    response = client.post(edit_url(activity), data)
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.theme == "改过的主题"
    assert activity.attendances.get(member=members[0]).status == "absent"
    assert activity.attendances.count() == 3


def test_an_old_record_may_be_edited_without_moving_its_date(client, secretary, branch_a):
    old = today() - datetime.timedelta(days=90)
    activity, _ = logged(branch_a, secretary, held_on=old, status=Activity.Status.RETURNED)
    client.force_login(secretary)
    response = client.post(edit_url(activity), form_data(held_on=old.isoformat(), theme="补正"))
    assert response.status_code == 302
    moved = client.post(
        edit_url(activity), form_data(held_on=(old - datetime.timedelta(1)).isoformat())
    )
    assert "已超出补录期限" in moved.content.decode()
    activity.refresh_from_db()
    assert activity.theme == "补正" and activity.held_on == old


@pytest.mark.parametrize("status", [Activity.Status.SUBMITTED, Activity.Status.APPROVED])
def test_submitted_and_approved_records_are_read_only(client, secretary, branch_a, status):
    activity, members = logged(branch_a, secretary, status=status)
    client.force_login(secretary)
    response = client.post(edit_url(activity), form_data(theme="不该改"), follow=True)
    assert "不能再修改" in response.content.decode()
    activity.refresh_from_db()
    assert activity.theme != "不该改" and activity.status == status
    with pytest.raises(Exception, match="不能再修改"):
        activity.theme = "不该改"
        services.save_activity(activity, attendance={}, by=secretary)


def test_a_member_who_left_stays_on_an_old_record(client, secretary, branch_a):
    activity, members = logged(branch_a, secretary)
    Member.objects.filter(pk=members[0].pk).update(standing=Member.Standing.TRANSFERRED_OUT)
    client.force_login(secretary)
    response = client.get(edit_url(activity))
    assert members[0].name in response.content.decode()
    response = client.post(edit_url(activity), form_data(**{f"att-{members[0].pk}": "leave"}))
    assert response.status_code == 302
    assert activity.attendances.get(member=members[0]).status == "leave"


# Quorum --------------------------------------------------------------------------------------


def meeting(branch, user, kind_code, present):
    activity = ActivityFactory(
        organization=branch, created_by=user, kind=kind_code, status=Activity.Status.DRAFT
    )
    Attendance.objects.bulk_create(
        Attendance(activity=activity, member=m, status="present") for m in present
    )
    return activity


def test_general_meeting_quorum_exactly_half_warns(secretary, branch_a):
    full = make_roster(branch_a, full=4, probationary=3)
    probationary = full[4:]
    # 2 of 4 full members: exactly half is not "more than half"; 预备党员 do not count.
    activity = meeting(branch_a, secretary, "general-meeting", full[:2] + probationary)
    (warning,) = services.quorum_warnings(activity)
    assert "应到4人，实到2人" in warning and "预备党员没有表决权" in warning


def test_general_meeting_quorum_half_plus_one_passes(secretary, branch_a):
    full = make_roster(branch_a, full=4)
    assert services.quorum_warnings(meeting(branch_a, secretary, "general-meeting", full[:3])) == []


def test_general_meeting_absent_and_leave_do_not_count(secretary, branch_a):
    full = make_roster(branch_a, full=2)
    activity = meeting(branch_a, secretary, "general-meeting", full[:1])
    Attendance.objects.create(activity=activity, member=full[1], status="leave")
    assert services.quorum_warnings(activity)  # 1 of 2


def test_committee_quorum_counts_current_seat_holders(secretary, branch_a):
    members = make_roster(branch_a, full=6)
    for member in members[:4]:
        CommitteeSeatFactory(organization=branch_a, member=member)
    CommitteeSeatFactory(
        organization=branch_a, member=members[4], ended_on=datetime.date(2024, 1, 1)
    )
    # 2 of 4 current seats (a former member and a plain member present do not count).
    activity = meeting(branch_a, secretary, "committee-meeting", members[:2] + members[4:])
    (warning,) = services.quorum_warnings(activity)
    assert "现任委员4人，到会2人" in warning
    Attendance.objects.create(activity=activity, member=members[2], status="present")
    assert services.quorum_warnings(activity) == []


def test_committee_quorum_without_seats_warns(secretary, branch_a):
    activity = meeting(branch_a, secretary, "committee-meeting", make_roster(branch_a, full=3))
    assert "尚未登记现任支部委员" in services.quorum_warnings(activity)[0]


def test_other_kinds_have_no_quorum(secretary, branch_a):
    assert services.quorum_warnings(meeting(branch_a, secretary, "theme-day", [])) == []


# Lists and the record page ----------------------------------------------------------------------


def test_list_filters_by_kind_month_and_status(client, secretary, branch_a):
    ActivityFactory(organization=branch_a, theme="三月主题党日", held_on=datetime.date(2026, 3, 2))
    ActivityFactory(
        organization=branch_a,
        kind="party-lecture",
        theme="四月党课",
        held_on=datetime.date(2026, 4, 2),
    )
    ActivityFactory(
        organization=branch_a,
        theme="四月草稿",
        held_on=datetime.date(2026, 4, 9),
        status=Activity.Status.DRAFT,
    )
    client.force_login(secretary)

    def themes(**params):
        return [a.theme for a in client.get(LIST, params).context["page"]]

    assert themes() == ["四月草稿", "四月党课", "三月主题党日"]
    assert themes(kind=kind("party-lecture").pk) == ["四月党课"]
    assert themes(month="2026-03") == ["三月主题党日"]
    assert themes(status="draft") == ["四月草稿"]
    assert themes(month="2026-13", kind="x", status="nope") == [
        "四月草稿",
        "四月党课",
        "三月主题党日",
    ]


def test_list_filters_by_organization_and_refuses_a_foreign_one(
    client, committee_admin, branch_a, branch_a2, branch_b
):
    ActivityFactory(organization=branch_a, theme="一支部")
    ActivityFactory(organization=branch_a2, theme="二支部")
    ActivityFactory(organization=branch_b, theme="乙局")
    client.force_login(committee_admin)
    page = client.get(LIST).context["page"]
    assert sorted(a.theme for a in page) == ["一支部", "二支部"]
    page = client.get(LIST, {"organization": branch_a2.pk}).context["page"]
    assert [a.theme for a in page] == ["二支部"]
    assert client.get(LIST, {"organization": branch_b.pk}).status_code == 404
    assert client.get(LIST, {"organization": "abc"}).status_code == 404


def test_list_is_paginated(client, secretary, branch_a):
    ActivityFactory.create_batch(35, organization=branch_a)
    client.force_login(secretary)
    assert len(client.get(LIST).context["page"]) == 30
    assert len(client.get(LIST, {"page": 2}).context["page"]) == 5


def test_outsider_sees_none_of_our_records(client, outsider, branch_a):
    activity = ActivityFactory(organization=branch_a, theme="甲局的秘密活动")
    client.force_login(outsider)
    assert "甲局的秘密活动" not in client.get(LIST).content.decode()
    for name in ("activity-detail", "activity-edit", "activity-submit"):
        assert client.get(reverse(f"activities:{name}", args=[activity.pk])).status_code == 404
    for name in ("activity-approve", "activity-return", "activity-upload"):
        response = client.post(reverse(f"activities:{name}", args=[activity.pk]))
        assert response.status_code in (403, 404)


def test_list_queries_do_not_grow_with_records(
    client, secretary, branch_a, django_assert_num_queries
):
    members = make_roster(branch_a, full=3)

    def add(n):
        for activity in ActivityFactory.create_batch(n, organization=branch_a):
            Attendance.objects.bulk_create(Attendance(activity=activity, member=m) for m in members)

    client.force_login(secretary)
    add(5)
    # session, user, the user's organisation and unread notifications (base page), count,
    # page, the combined kinds (prefetch), the page's attendance counts (one GROUP BY over
    # its records only), organisations and kinds for the filters; whether the user has a
    # branch to log for is answered by the organisations query's queryset, so the count
    # stays flat however many records
    with django_assert_num_queries(10):
        assert client.get(LIST).status_code == 200
    add(25)
    with django_assert_num_queries(10):
        response = client.get(LIST)
    assert len(response.context["page"]) == 30


def test_detail_shows_attendance_summary_history_and_joint_branches(
    client, secretary, committee_admin, branch_a, branch_a2
):
    activity, members = logged(branch_a, secretary, members=make_roster(branch_a, full=4))
    Attendance.objects.filter(member=members[0]).update(status="leave", reason="出差")
    Attendance.objects.filter(member=members[1]).update(status="absent")
    activity.joint_organizations.add(branch_a2)
    services.submit_activity(activity, by=secretary)
    client.force_login(secretary)
    response = client.get(activity.get_absolute_url())
    assert response.context["counts"] == {"present": 2, "leave": 1, "absent": 1, "total": 4}
    body = response.content.decode()
    assert "出差" in body and branch_a2.name in body
    assert "草稿 → 已提交" in body


def test_detail_queries_do_not_grow_with_attendees(
    client, secretary, branch_a, django_assert_max_num_queries
):
    small, _ = logged(branch_a, secretary, members=make_roster(branch_a, full=5))
    big, _ = logged(branch_a, secretary, members=make_roster(branch_a, full=30))
    client.force_login(secretary)
    # session, user, the user's organisation and unread notifications (base page), activity,
    # tags, joint branches, attendances, attachments, events, removed files (a 主题党日 has
    # no quorum check)
    with django_assert_max_num_queries(11):
        assert client.get(small.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(11):
        response = client.get(big.get_absolute_url())
    assert response.context["counts"]["total"] == 30


def test_form_queries_do_not_grow_with_the_roster(
    client, secretary, branch_a, django_assert_max_num_queries
):
    make_roster(branch_a, full=5)
    client.force_login(secretary)
    # session, user, loggable branches, roster, seats, party groups (exists + choices),
    # kinds, tags
    with django_assert_max_num_queries(10):
        client.get(CREATE)
    make_roster(branch_a, full=25)
    with django_assert_max_num_queries(10):
        response = client.get(CREATE)
    assert len(response.context["rows"]) == 30


def test_wrong_methods_are_refused(client, secretary, branch_a):
    activity, _ = logged(branch_a, secretary)
    client.force_login(secretary)
    assert client.post(LIST).status_code == 405
    assert client.post(activity.get_absolute_url()).status_code == 405
    assert client.put(CREATE).status_code == 405
    for name in ("activity-approve", "activity-return", "activity-upload"):
        assert client.get(reverse(f"activities:{name}", args=[activity.pk])).status_code == 405
