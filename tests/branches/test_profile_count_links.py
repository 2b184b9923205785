"""Every record count of the organisation profile links to the list of exactly those records,
which states that total: 党小组, 所在单位 and 支委会委员 (the organisation page's sections), the
calendar's drafts and per-kind counts (combined meetings under each kind they name). Read
through the markup harness of tests/core/figure_checks.py, which also fails on any number of
the page shown without a link."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ActivityKind
from branches.models import CommitteeSeat, PartyGroup, ServedUnit
from tests.core.figure_checks import Walker, checks_of_markup, marked_numbers
from tests.factories import ActivityFactory, CommitteeSeatFactory, MemberFactory

pytestmark = pytest.mark.django_db


def kind(code):
    return ActivityKind.objects.get(code=code)


@pytest.fixture
def busy_branch(branch_a, branch_b, secretary):
    today = timezone.localdate()
    first = today.replace(day=1)
    members = [MemberFactory(organization=branch_a) for _ in range(3)]
    Post = CommitteeSeat.Post
    CommitteeSeatFactory(organization=branch_a, member=members[0], post=Post.SECRETARY)
    CommitteeSeatFactory(organization=branch_a, member=members[1])
    # Two seats of one member count once (distinct members), an ended seat not at all.
    CommitteeSeatFactory(organization=branch_a, member=members[1], post=Post.DEPUTY_SECRETARY)
    CommitteeSeatFactory(organization=branch_a, member=members[2], ended_on=first)
    PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    PartyGroup.objects.create(organization=branch_a, name="第二党小组")
    ServedUnit.objects.create(organization=branch_a, name="甲局")
    combined = ActivityFactory(organization=branch_a, kind=kind("theme-day"), held_on=first)
    combined.also_kinds.set([kind("party-lecture")])
    ActivityFactory(organization=branch_a, kind=kind("party-lecture"), held_on=first)
    ActivityFactory(
        organization=branch_a, kind=kind("theme-day"), held_on=first, status=Activity.Status.DRAFT
    )
    ActivityFactory(
        organization=branch_a,
        kind=kind("theme-day"),
        held_on=first,
        status=Activity.Status.RETURNED,
    )
    # Hosted elsewhere, joined by the branch: in its calendar and in its list.
    joined = ActivityFactory(organization=branch_b, kind=kind("general-meeting"), held_on=first)
    joined.joint_organizations.add(branch_a, through_defaults={"status": "confirmed"})
    return branch_a


def profile_body(client, user, organization) -> str:
    client.force_login(user)
    response = client.get(reverse("portal:organization-profile", args=[organization.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_every_count_of_a_branch_profile_links_to_its_records(client, secretary, busy_branch):
    body = profile_body(client, secretary, busy_branch)
    checks, bare = checks_of_markup(body, "组织概况")
    assert bare == []
    assert Walker(client).problems(checks) == []
    shown = {(check.value, check.url.split("?")[0].split("#")[-1]) for check in checks}
    assert (2, "party-groups") in shown and (1, "units") in shown and (2, "committee") in shown
    month = timezone.localdate().month
    cell = client.get(reverse("portal:organization-profile", args=[busy_branch.pk])).context[
        "calendar"
    ][month - 1]
    assert (cell["held"], cell["drafts"]) == (3, 2)
    # 主题党日 1 (the combined one), 党课 2 (the combined one and its own), 党员大会 1 (joined),
    # in the kinds' order
    names = {k.pk: k.name for k in ActivityKind.objects.all()}
    order = sorted(
        (kind(code) for code in ("theme-day", "party-lecture", "general-meeting")),
        key=lambda k: (k.sort_order, k.pk),
    )
    counts = {"theme-day": 1, "party-lecture": 2, "general-meeting": 1}
    assert [(name, n) for name, n, _ in cell["kinds"]] == [
        (names[k.pk], counts[k.code]) for k in order
    ]


def test_the_calendar_drafts_link_lists_drafts_and_returned_records(client, secretary, busy_branch):
    client.force_login(secretary)
    month = timezone.localdate().month
    cell = client.get(reverse("portal:organization-profile", args=[busy_branch.pk])).context[
        "calendar"
    ][month - 1]
    listed = client.get(cell["drafts_url"]).context["page"].object_list
    assert sorted(a.status for a in listed) == ["draft", "returned"]


def test_a_count_without_its_link_fails_the_harness(client, secretary, busy_branch):
    """The mutation the harness exists for: the same page with one count's link removed."""
    body = profile_body(client, secretary, busy_branch)
    link = f'<a href="{busy_branch.get_absolute_url()}#party-groups">'
    assert body.count(link) == 1
    checks, _ = checks_of_markup(body.replace(link, "<span>"), "组织概况")
    problems = Walker(client).problems(checks)
    assert [check.value for check, _ in problems] == [2]
    assert "没有链接" in problems[0][1]
    # A count written without its mark or link is a bare number.
    _, bare = marked_numbers(body.replace("</main>", "<p>党小组 2 个</p></main>"))
    assert bare == ["党小组 2 个"]


@pytest.mark.parametrize("status", ["uncounted", "counted", "bogus", "%00", "²"])
def test_the_record_list_status_filter_never_fails(client, secretary, busy_branch, status):
    client.force_login(secretary)
    response = client.get(
        reverse("activities:activity-list"), {"organization": busy_branch.pk, "status": status}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("review", ["waiting", "final-confirmed", "bogus", "\x00", ""])
def test_the_item_list_review_filter_never_fails(client, secretary, branch_a, review):
    client.force_login(secretary)
    response = client.get(
        reverse("assessments:responsibilityitem-list"),
        {"organization": branch_a.pk, "year": datetime.date.today().year, "review": review},
    )
    assert response.status_code == 200
