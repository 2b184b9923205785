"""The secretary's quick path: the home's 去登记 presets the form, 保存并提交 submits in one
step unless the quorum needs a confirmation, and drafts show on the home."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.compliance import compute
from activities.models import Activity, ActivityEvent, ActivityKind, Attendance
from activities.services import reminders
from branches.models import Organization
from tests.factories import ActivityFactory, MemberFactory

CREATE = reverse("activities:activity-create")
HOME = reverse("portal:home")
Status = Activity.Status


@pytest.fixture(autouse=True)
def window(settings):
    settings.ACTIVITY_BACKFILL_DAYS = 30


def today():
    return timezone.localdate()


def theme_day():
    return ActivityKind.objects.get(code="theme-day")


def form_data(kind_code="theme-day", **overrides):
    data = {
        "kind": ActivityKind.objects.get(code=kind_code).pk,
        "held_on": today().isoformat(),
        "theme": "重温入党誓词",
        "place": "党员活动室",
        "joint_names": "",
    }
    return data | overrides


def this_month_item(branch):
    report = compute(Organization.objects.filter(pk=branch.pk), today().year, today=today())
    return next(
        item
        for item in reminders.due_items(report, branch.pk)
        if item.cell.rule.kind.code == "theme-day" and item.cell.period.index == today().month
    )


# The form's presets ----------------------------------------------------------------------------


def test_the_home_item_links_to_a_form_preset_with_kind_and_date(client, secretary, branch_a):
    client.force_login(secretary)
    items = client.get(HOME).context["due_items"]
    item = next(i for i in items if i.cell.rule.kind.code == "theme-day" and not i.overdue)
    assert item.action_label == "去登记"
    assert f"kind={theme_day().pk}" in item.action_url
    assert f"held_on={today().isoformat()}" in item.action_url
    form = client.get(item.action_url).context["form"]
    assert form.initial["kind"] == theme_day().pk
    assert form.initial["held_on"] == today()


def test_the_place_is_the_branch_s_last_one_for_that_kind(client, secretary, branch_a, branch_a2):
    earlier = today() - datetime.timedelta(days=40)
    ActivityFactory(organization=branch_a, held_on=earlier, place="老会议室")
    ActivityFactory(organization=branch_a, held_on=today(), place="")  # names no place
    ActivityFactory(organization=branch_a, kind="party-lecture", held_on=today(), place="礼堂")
    ActivityFactory(organization=branch_a2, held_on=today(), place="别的支部的会议室")
    ActivityFactory(
        organization=branch_a, held_on=earlier + datetime.timedelta(days=1), place="党员活动室"
    )
    client.force_login(secretary)
    form = client.get(f"{CREATE}?organization={branch_a.pk}&kind={theme_day().pk}").context["form"]
    assert form.initial["place"] == "党员活动室"


@pytest.mark.parametrize(
    "query",
    ["kind=abc&held_on=2026-02-30", "kind=999999&held_on=tomorrow", "kind=%C2%B2&held_on=", ""],
)
def test_bad_presets_are_ignored(client, secretary, branch_a, query):
    client.force_login(secretary)
    response = client.get(f"{CREATE}?organization={branch_a.pk}&{query}")
    assert response.status_code == 200
    assert "kind" not in response.context["form"].initial
    assert response.context["form"].initial["held_on"] == today()


def test_a_future_date_is_not_preset(client, secretary, branch_a):
    client.force_login(secretary)
    later = (today() + datetime.timedelta(days=3)).isoformat()
    form = client.get(f"{CREATE}?organization={branch_a.pk}&held_on={later}").context["form"]
    assert form.initial["held_on"] == today()


def test_a_passed_item_still_in_the_window_is_preset_with_its_last_day(branch_a):
    report = compute(
        Organization.objects.filter(pk=branch_a.pk), 2026, today=datetime.date(2026, 5, 10)
    )
    item = next(
        i
        for i in reminders.due_items(report, branch_a.pk, window_start=datetime.date(2026, 4, 10))
        if i.cell.rule.kind.code == "theme-day" and i.overdue and i.cell.period.index == 4
    )
    assert "held_on=2026-04-30" in item.action_url
    earlier = next(
        i
        for i in reminders.due_items(report, branch_a.pk, window_start=datetime.date(2026, 4, 10))
        if i.cell.rule.kind.code == "theme-day" and i.cell.period.index == 3
    )
    assert earlier.action_label == "说明或申请补录"
    assert reverse("activities:overdueexplanation-create") in earlier.action_url


# 保存并提交 ---------------------------------------------------------------------------------


def test_save_and_submit_submits_at_once_with_everyone_present(client, secretary, branch_a):
    members = [MemberFactory(organization=branch_a) for _ in range(3)]
    client.force_login(secretary)
    response = client.post(
        f"{CREATE}?organization={branch_a.pk}", form_data(and_submit="1"), follow=True
    )
    activity = Activity.objects.get()
    assert activity.status == Status.SUBMITTED
    assert response.redirect_chain[-1][0] == activity.get_absolute_url()
    assert "已保存并提交审核。" in response.content.decode()
    assert set(activity.attendances.values_list("member_id", "status")) == {
        (m.pk, Attendance.Status.PRESENT) for m in members
    }
    assert list(ActivityEvent.objects.values_list("from_status", "to_status")) == [
        ("draft", "submitted")
    ]


def test_save_and_submit_below_the_quorum_keeps_a_draft_and_asks(client, secretary, branch_a):
    members = [MemberFactory(organization=branch_a) for _ in range(4)]
    client.force_login(secretary)
    absent = {f"att-{m.pk}": "absent" for m in members[:2]}
    response = client.post(
        f"{CREATE}?organization={branch_a.pk}",
        form_data("general-meeting", and_submit="1", **absent),
    )
    activity = Activity.objects.get()
    assert activity.status == Status.DRAFT
    assert response["Location"] == reverse("activities:activity-submit", args=[activity.pk])
    page = client.get(response["Location"])
    assert 'name="confirm_quorum"' in page.content.decode()
    client.post(response["Location"], {"confirm_quorum": "on"})
    activity.refresh_from_db()
    assert activity.status == Status.SUBMITTED
    assert activity.events.get().comment == "到会人数未达到要求，经确认后提交。"


def test_plain_save_still_makes_a_draft(client, secretary, branch_a):
    client.force_login(secretary)
    client.post(f"{CREATE}?organization={branch_a.pk}", form_data())
    assert Activity.objects.get().status == Status.DRAFT


def test_save_and_submit_from_the_edit_page(client, secretary, branch_a):
    activity = ActivityFactory(
        organization=branch_a, held_on=today(), status=Status.DRAFT, created_by=secretary
    )
    client.force_login(secretary)
    client.post(
        reverse("activities:activity-edit", args=[activity.pk]),
        form_data(and_submit="1", theme="改过的主题"),
    )
    activity.refresh_from_db()
    assert (activity.theme, activity.status) == ("改过的主题", Status.SUBMITTED)


def test_an_outsider_cannot_log_through_the_preset_link(client, outsider, branch_a):
    client.force_login(outsider)
    response = client.get(f"{CREATE}?organization={branch_a.pk}&kind={theme_day().pk}")
    assert response.status_code == 404


# Drafts on the home ------------------------------------------------------------------------------


def test_a_draft_shows_on_the_home_and_the_item_awaits_its_submission(client, secretary, branch_a):
    before = this_month_item(branch_a)
    assert before.text == "本月还需开展主题党日 1 次"
    draft = ActivityFactory(
        organization=branch_a, held_on=today(), status=Status.DRAFT, theme="本月主题党日草稿"
    )
    client.force_login(secretary)
    response = client.get(HOME)
    assert [d.pk for d in response.context["drafts"]] == [draft.pk]
    item = next(
        i
        for i in response.context["due_items"]
        if i.cell.rule.kind.code == "theme-day" and i.cell.period.index == today().month
    )
    assert item.text == "本月主题党日草稿待提交"
    assert item.action_url == reverse("activities:activity-submit", args=[draft.pk])
    body = response.content.decode()
    assert "草稿待提交" in body and "本月主题党日草稿" in body
    assert "本月还需开展主题党日" not in body


def test_submitted_records_and_other_branches_drafts_are_not_listed(
    client, secretary, branch_a, branch_a2
):
    ActivityFactory(organization=branch_a, held_on=today(), status=Status.SUBMITTED)
    ActivityFactory(organization=branch_a2, held_on=today(), status=Status.DRAFT)
    client.force_login(secretary)
    response = client.get(HOME)
    assert response.context["drafts"] == []
    assert 'data-testid="drafts"' not in response.content.decode()
