"""The review flow: 草稿 → 已提交 → 已审核, or 退回 with a comment → edited → resubmitted."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from activities.models import Activity, ActivityEvent, Attendance
from activities.services import records as services
from tests.activities.test_records import form_data, make_roster
from tests.factories import ActivityFactory

Status = Activity.Status
QUEUE = reverse("activities:activity-queue")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def record(branch, user, status=Status.DRAFT, kind="theme-day", present=()):
    activity = ActivityFactory(organization=branch, created_by=user, status=status, kind=kind)
    Attendance.objects.bulk_create(Attendance(activity=activity, member=m) for m in present)
    return activity


def url(name, activity):
    return reverse(f"activities:{name}", args=[activity.pk])


def events(activity):
    return list(
        ActivityEvent.objects.filter(activity=activity).values_list(
            "from_status", "to_status", "comment", "by__username"
        )
    )


# The whole flow through the screens -----------------------------------------------------------


def test_draft_submitted_returned_resubmitted_approved(
    client, secretary, committee_admin, branch_a
):
    members = make_roster(branch_a, full=3)
    activity = record(branch_a, secretary, present=members)
    client.force_login(secretary)
    assert client.post(url("activity-submit", activity)).status_code == 302
    activity.refresh_from_db()
    assert activity.status == Status.SUBMITTED

    client.force_login(committee_admin)
    response = client.get(activity.get_absolute_url())
    assert response.context["may_review"] is True
    response = client.post(url("activity-return", activity), {"comment": "请补充会议记录"})
    activity.refresh_from_db()
    assert activity.status == Status.RETURNED and activity.review_comment == "请补充会议记录"

    client.force_login(secretary)
    page = client.get(activity.get_absolute_url())
    assert "退回意见：请补充会议记录" in page.content.decode() and page.context["may_edit"]
    client.post(url("activity-edit", activity), form_data(minutes="补充后的会议记录"))
    client.post(url("activity-submit", activity))
    activity.refresh_from_db()
    assert activity.status == Status.SUBMITTED and activity.minutes == "补充后的会议记录"

    client.force_login(committee_admin)
    client.post(url("activity-approve", activity))
    activity.refresh_from_db()
    assert activity.status == Status.APPROVED
    assert events(activity) == [
        ("draft", "submitted", "", "secretary"),
        ("submitted", "returned", "请补充会议记录", "committee"),
        ("returned", "submitted", "", "secretary"),
        ("submitted", "approved", "", "committee"),
    ]
    body = client.get(activity.get_absolute_url()).content.decode()
    assert "已提交 → 已退回" in body and "意见：请补充会议记录" in body
    assert "已提交 → 已审核" in body


# Who may do each transition ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("secretary", True),
        ("committee_admin", True),
        ("staff", True),
        ("system_admin", True),
        ("outsider", False),
    ],
)
def test_who_may_submit(request, secretary, branch_a, persona, allowed):
    user = request.getfixturevalue(persona)
    activity = record(branch_a, secretary)
    if allowed:
        services.submit_activity(activity, by=user)
        assert Activity.objects.get().status == Status.SUBMITTED
    else:
        with pytest.raises(PermissionDenied):
            services.submit_activity(activity, by=user)
        assert Activity.objects.get().status == Status.DRAFT and not events(activity)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("secretary", False),
        ("committee_admin", True),
        ("staff", True),
        ("system_admin", True),
        ("outsider", False),
    ],
)
@pytest.mark.parametrize("action", ["approve", "return"])
def test_who_may_review(request, secretary, branch_a, persona, allowed, action):
    user = request.getfixturevalue(persona)
    activity = record(branch_a, secretary, status=Status.SUBMITTED)

    def act():
        if action == "approve":
            services.approve_activity(activity, by=user)
        else:
            services.return_activity(activity, comment="请修改", by=user)

    if allowed:
        act()
        assert Activity.objects.get().status in (Status.APPROVED, Status.RETURNED)
    else:
        with pytest.raises(PermissionDenied):
            act()
        assert Activity.objects.get().status == Status.SUBMITTED and not events(activity)


def test_a_committee_admin_of_another_subtree_cannot_review(outsiders, secretary, branch_a):
    activity = record(branch_a, secretary, status=Status.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.approve_activity(activity, by=outsiders[1])


def test_a_joint_partners_reviewer_cannot_review_the_hosts_record(
    client, outsiders, secretary, branch_a, branch_b
):
    activity = record(branch_a, secretary, status=Status.SUBMITTED)
    activity.joint_organizations.add(branch_b)
    partner_admin = outsiders[1]  # committee admin of committee_b
    client.force_login(partner_admin)
    page = client.get(activity.get_absolute_url())
    assert page.status_code == 200 and page.context["may_review"] is False
    assert client.post(url("activity-approve", activity)).status_code == 403
    assert Activity.objects.get().status == Status.SUBMITTED
    assert activity not in client.get(QUEUE).context["page"]


def test_secretary_gets_403_on_review_screens(client, secretary, branch_a):
    activity = record(branch_a, secretary, status=Status.SUBMITTED)
    client.force_login(secretary)
    assert client.post(url("activity-approve", activity)).status_code == 403
    assert client.post(url("activity-return", activity), {"comment": "x"}).status_code == 403
    assert client.get(QUEUE).status_code == 403
    assert Activity.objects.get().status == Status.SUBMITTED
    assert client.get(activity.get_absolute_url()).context["may_review"] is False


def test_outsiders_get_404_on_review_screens(client, outsiders, secretary, branch_a):
    activity = record(branch_a, secretary, status=Status.SUBMITTED)
    for outsider in outsiders:
        client.force_login(outsider)
        for name in ("activity-approve", "activity-return"):
            assert client.post(url(name, activity), {"comment": "x"}).status_code in (403, 404)
    assert Activity.objects.get().status == Status.SUBMITTED and not events(activity)


# Illegal transitions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (Status.DRAFT, "approve", "只有已提交的记录可以审核通过，该记录草稿"),
        (Status.RETURNED, "approve", "只有已提交的记录可以审核通过，该记录已退回"),
        (Status.APPROVED, "approve", "只有已提交的记录可以审核通过，该记录已审核"),
        (Status.DRAFT, "return", "只有已提交的记录可以退回，该记录草稿"),
        (Status.APPROVED, "return", "只有已提交的记录可以退回，该记录已审核"),
        (Status.SUBMITTED, "submit", "该记录已提交，正在等待审核"),
        (Status.APPROVED, "submit", "该记录已审核通过，不能再次提交"),
    ],
)
def test_illegal_transitions_are_refused_in_chinese(
    secretary, staff, branch_a, status, action, message
):
    activity = record(branch_a, secretary, status=status)
    with pytest.raises(ValidationError) as refused:
        if action == "approve":
            services.approve_activity(activity, by=staff)
        elif action == "return":
            services.return_activity(activity, comment="意见", by=staff)
        else:
            services.submit_activity(activity, by=staff)
    assert message in " ".join(refused.value.messages)
    assert Activity.objects.get().status == status and not events(activity)


def test_illegal_transition_on_screen_is_a_message(client, staff, secretary, branch_a):
    activity = record(branch_a, secretary, status=Status.DRAFT)
    client.force_login(staff)
    response = client.post(url("activity-approve", activity), follow=True)
    assert "只有已提交的记录可以审核通过" in response.content.decode()
    assert Activity.objects.get().status == Status.DRAFT


@pytest.mark.parametrize("comment", ["", "   "])
def test_returning_needs_a_comment(client, committee_admin, secretary, branch_a, comment):
    activity = record(branch_a, secretary, status=Status.SUBMITTED)
    with pytest.raises(ValidationError, match="退回时请填写退回意见"):
        services.return_activity(activity, comment=comment, by=committee_admin)
    client.force_login(committee_admin)
    response = client.post(url("activity-return", activity), {"comment": comment}, follow=True)
    assert "退回时请填写退回意见" in response.content.decode()
    assert Activity.objects.get().status == Status.SUBMITTED and not events(activity)


def test_approved_records_are_read_only_everywhere(client, staff, secretary, branch_a):
    activity = record(branch_a, secretary, status=Status.APPROVED)
    client.force_login(secretary)
    page = client.get(activity.get_absolute_url())
    assert page.context["may_edit"] is False and page.context["upload_form"] is None
    assert "提交审核" not in page.content.decode()
    for who in (secretary, staff):
        client.force_login(who)
        response = client.get(url("activity-edit", activity), follow=True)
        assert "该记录已审核，不能再修改" in response.content.decode()
        response = client.post(url("activity-submit", activity), follow=True)
        assert "不能再修改" in response.content.decode()
    assert Activity.objects.get().status == Status.APPROVED


def test_a_submitted_record_is_locked_for_the_secretary(client, secretary, branch_a):
    activity = record(branch_a, secretary, status=Status.SUBMITTED)
    client.force_login(secretary)
    response = client.post(url("activity-edit", activity), form_data(theme="偷偷改"), follow=True)
    assert "该记录已提交，不能再修改" in response.content.decode()
    assert Activity.objects.get().theme != "偷偷改"


# Quorum on the submit screen ------------------------------------------------------------------


def test_submit_screen_warns_and_needs_a_tick_when_quorum_is_short(client, secretary, branch_a):
    full = make_roster(branch_a, full=4, probationary=2)
    activity = record(branch_a, secretary, kind="general-meeting", present=full[:2] + full[4:])
    client.force_login(secretary)
    page = client.get(url("activity-submit", activity))
    body = page.content.decode()
    assert "应到4人，实到2人" in body and 'name="confirm_quorum"' in body
    response = client.post(url("activity-submit", activity))
    assert response.status_code == 200
    assert "如确需提交，请勾选确认后再提交" in response.content.decode()
    assert Activity.objects.get().status == Status.DRAFT and not events(activity)
    client.post(url("activity-submit", activity), {"confirm_quorum": "on"})
    assert Activity.objects.get().status == Status.SUBMITTED
    assert events(activity) == [
        ("draft", "submitted", "到会人数未达到要求，经确认后提交。", "secretary")
    ]


def test_submit_screen_has_no_tick_when_quorum_is_met(client, secretary, branch_a):
    full = make_roster(branch_a, full=4)
    activity = record(branch_a, secretary, kind="general-meeting", present=full[:3])
    client.force_login(secretary)
    assert (
        'name="confirm_quorum"' not in client.get(url("activity-submit", activity)).content.decode()
    )
    client.post(url("activity-submit", activity))
    assert Activity.objects.get().status == Status.SUBMITTED


# The reviewer queue -----------------------------------------------------------------------------


def test_queue_lists_submitted_records_in_scope(
    client, committee_admin, secretary, branch_a, branch_a2, branch_b
):
    waiting = record(branch_a, secretary, status=Status.SUBMITTED)
    waiting2 = record(branch_a2, secretary, status=Status.SUBMITTED)
    record(branch_a, secretary, status=Status.DRAFT)
    record(branch_a, secretary, status=Status.APPROVED)
    record(branch_b, secretary, status=Status.SUBMITTED)
    client.force_login(committee_admin)
    response = client.get(QUEUE)
    assert sorted(a.pk for a in response.context["page"]) == sorted([waiting.pk, waiting2.pk])
    assert client.get(reverse("activities:activity-list")).context["pending_count"] == 2


def test_staff_queue_covers_the_whole_league(client, staff, secretary, branch_a, branch_b):
    record(branch_a, secretary, status=Status.SUBMITTED)
    record(branch_b, secretary, status=Status.SUBMITTED)
    client.force_login(staff)
    assert len(client.get(QUEUE).context["page"]) == 2


def test_queue_queries_do_not_grow(
    client, committee_admin, secretary, branch_a, django_assert_max_num_queries
):
    client.force_login(committee_admin)
    ActivityFactory.create_batch(5, organization=branch_a, status=Status.SUBMITTED)
    # the base page, count, page (with its combined kinds) and the page's attendance counts
    # (one GROUP BY over the page's records only): flat however many records are queued
    with django_assert_max_num_queries(7):
        client.get(QUEUE)
    ActivityFactory.create_batch(30, organization=branch_a, status=Status.SUBMITTED)
    with django_assert_max_num_queries(7):
        response = client.get(QUEUE)
    assert len(response.context["page"]) == 30


def test_queue_wrong_method(client, committee_admin):
    client.force_login(committee_admin)
    assert client.post(QUEUE).status_code == 405
