"""Combined meetings (主题党日暨党课, 支部党员大会暨主题党日): one record counts once for each
kind it names — in the compliance engine, the year-end indicators, the ledger, the list and the
cockpit's parts per kind."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities.compliance import compute, month_counts
from activities.indicators import three_meetings_completion
from activities.models import Activity, ActivityKind
from activities.services import records as services
from branches.models import Organization, PartyGroup
from portal.cockpit import cockpit_for
from tests.factories import ActivityFactory
from tests.ledgers.exported import export

# A partner that has confirmed its participation (activities/models/joint.py).
CONFIRMED = {"status": "confirmed"}

TODAY = datetime.date(2026, 5, 15)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ACTIVITY_BACKFILL_DAYS = 30


def kind(code):
    return ActivityKind.objects.get(code=code)


def combined(branch, main, *also, day=datetime.date(2026, 2, 10), **kwargs):
    record = ActivityFactory(organization=branch, kind=main, held_on=day, **kwargs)
    record.also_kinds.set([kind(code) for code in also])
    return record


def held(report, branch, code):
    return {
        c.period.index: c.held
        for c in report.for_organization(branch.pk)
        if c.rule.kind.code == code
    }


def run(*branches):
    pks = [b.pk for b in branches]
    return compute(Organization.objects.filter(pk__in=pks), 2026, today=TODAY)


# The engine and the indicators -----------------------------------------------------------------


def test_a_combined_record_counts_once_for_each_kind_it_names(branch_a):
    combined(branch_a, "theme-day", "party-lecture")  # 主题党日暨党课, 10 February
    report = run(branch_a)
    assert held(report, branch_a, "theme-day")[2] == 1
    assert held(report, branch_a, "party-lecture")[1] == 1  # Q1
    assert held(report, branch_a, "general-meeting")[1] == 0  # a kind it does not name


def test_a_combined_record_never_counts_twice_for_one_kind(branch_a):
    # Written past the service (which refuses it): the main kind named again as combined.
    combined(branch_a, "theme-day", "theme-day", "general-meeting")
    report = run(branch_a)
    assert held(report, branch_a, "theme-day")[2] == 1
    assert held(report, branch_a, "general-meeting")[1] == 1


def test_a_joint_partner_counts_every_kind_of_a_combined_record(branch_a, branch_b):
    record = combined(branch_a, "general-meeting", "theme-day")
    record.joint_organizations.add(branch_b, through_defaults=CONFIRMED)
    report = run(branch_a, branch_b)
    for branch in (branch_a, branch_b):
        assert held(report, branch, "general-meeting")[1] == 1
        assert held(report, branch, "theme-day")[2] == 1


def test_drafts_of_combined_records_do_not_count(branch_a):
    combined(branch_a, "theme-day", "party-lecture", status=Activity.Status.DRAFT)
    assert held(run(branch_a), branch_a, "party-lecture")[1] == 0


def test_a_group_meeting_named_as_combined_counts_for_its_party_group(branch_a):
    group = PartyGroup.objects.create(organization=branch_a, name="第一党小组")
    combined(branch_a, "theme-day", "group-meeting", party_group=group)
    group_meeting = kind("group-meeting")
    totals, by_group = month_counts(
        Organization.objects.filter(pk=branch_a.pk).values("pk"),
        2026,
        [group_meeting.pk],
        [group_meeting.pk],
    )
    assert totals[(branch_a.pk, group_meeting.pk)][2] == 1
    assert by_group[(branch_a.pk, group_meeting.pk)][group.pk][2] == 1
    assert held(run(branch_a), branch_a, "group-meeting")[2] == 1


def test_the_three_meetings_indicator_counts_a_combined_lecture(branch_a):
    # A closed year: every period has ended. Q1 lecture held only as 主题党日暨党课.
    combined(branch_a, "theme-day", "party-lecture", day=datetime.date(2025, 2, 10))
    plain = three_meetings_completion(2025, [branch_a])[branch_a.pk]
    # Required 2025: 4 general meetings + 4 lectures (no committee, no party groups) = 8.
    assert (plain.numerator, plain.denominator) == (1, 8)


# Writing ---------------------------------------------------------------------------------------


def record(branch, main, *, day=None):
    return Activity(
        organization=branch,
        kind=kind(main),
        held_on=day or timezone.localdate(),
        theme="学习党的二十大精神",
    )


def test_the_service_saves_the_combined_kinds(branch_a, secretary):
    saved = services.save_activity(
        record(branch_a, "theme-day"),
        attendance={},
        also_kinds=[kind("party-lecture")],
        by=secretary,
    )
    assert saved.kinds_label == "主题党日暨党课"
    assert saved.kind_ids == {kind("theme-day").pk, kind("party-lecture").pk}


def test_the_service_refuses_the_main_kind_as_a_combined_kind(branch_a, secretary):
    with pytest.raises(ValidationError) as error:
        services.save_activity(
            record(branch_a, "theme-day"),
            attendance={},
            also_kinds=[kind("theme-day")],
            by=secretary,
        )
    assert error.value.message_dict["also_kinds"] == ["“同时作为”的类型不能与主类型相同。"]
    assert not Activity.objects.exists()


def test_the_service_refuses_a_stopped_combined_kind(branch_a, secretary):
    ActivityKind.objects.filter(code="heart-talk").update(is_active=False)
    with pytest.raises(ValidationError) as error:
        services.save_activity(
            record(branch_a, "theme-day"),
            attendance={},
            also_kinds=[kind("heart-talk")],
            by=secretary,
        )
    assert error.value.message_dict["also_kinds"] == ["类型“谈心谈话”已停用，不能再选择。"]


def test_a_combined_group_meeting_needs_a_party_group(branch_a, secretary):
    with pytest.raises(ValidationError) as error:
        services.save_activity(
            record(branch_a, "theme-day"),
            attendance={},
            also_kinds=[kind("group-meeting")],
            by=secretary,
        )
    assert "party_group" in error.value.message_dict


def test_the_form_offers_and_saves_the_combined_kinds(client, secretary, branch_a):
    client.force_login(secretary)
    url = f"{reverse('activities:activity-create')}?organization={branch_a.pk}"
    page = client.get(url).content.decode()
    assert 'name="also_kinds"' in page
    response = client.post(
        url,
        {
            "kind": kind("general-meeting").pk,
            "also_kinds": [kind("theme-day").pk],
            "held_on": timezone.localdate().isoformat(),
            "theme": "支部党员大会暨主题党日",
            "joint_names": "",
        },
    )
    assert response.status_code == 302
    saved = Activity.objects.get()
    assert saved.kinds_label == "支部党员大会暨主题党日"
    refused = client.post(
        url,
        {
            "kind": kind("theme-day").pk,
            "also_kinds": [kind("theme-day").pk],
            "held_on": timezone.localdate().isoformat(),
            "theme": "重复",
            "joint_names": "",
        },
    )
    assert refused.status_code == 200
    assert "“同时作为”的类型不能与主类型相同。" in refused.content.decode()


# Lists, the ledger and the cockpit ----------------------------------------------------------------


def test_the_list_filtered_by_kind_includes_combined_records(client, secretary, branch_a):
    day = timezone.localdate()
    both = combined(branch_a, "theme-day", "party-lecture", day=day, theme="主题党日暨党课")
    ActivityFactory(organization=branch_a, kind=kind("party-lecture"), held_on=day, theme="党课")
    ActivityFactory(organization=branch_a, kind=kind("theme-day"), held_on=day, theme="党日")
    lectures = Activity.objects.of_kind(kind("party-lecture"))
    assert set(lectures.values_list("theme", flat=True)) == {"主题党日暨党课", "党课"}
    client.force_login(secretary)
    body = client.get(
        reverse("activities:activity-list") + f"?kind={kind('party-lecture').pk}"
    ).content.decode()
    assert "主题党日暨党课" in body and "党课" in body and ">党日<" not in body
    assert both.get_absolute_url() in body


def test_the_ledger_names_every_kind_and_filters_by_a_combined_one(
    client, committee_admin, branch_a
):
    year = timezone.localdate().year
    combined(branch_a, "theme-day", "party-lecture", day=datetime.date(year, 1, 8), theme="合开")
    ActivityFactory(
        organization=branch_a, kind=kind("theme-day"), held_on=datetime.date(year, 1, 9)
    )
    client.force_login(committee_admin)
    _, rows = export(client, "activities")
    assert {r["主题"]: r["类型"] for r in rows}["合开"] == "主题党日暨党课"
    _, lectures = export(client, "activities", kind=kind("party-lecture").pk)
    assert [r["主题"] for r in lectures] == ["合开"]


def test_cockpit_parts_per_kind_count_combined_records_as_the_list_does(committee_a, branch_a):
    day = timezone.localdate()
    combined(branch_a, "theme-day", "party-lecture", day=day)
    ActivityFactory(organization=branch_a, kind=kind("party-lecture"), held_on=day)
    figure = cockpit_for(committee_a).figure("activities")
    parts = {p.label: p.value for p in figure.parts}
    assert figure.value == 2  # records, each once
    assert parts == {"党课": 2, "主题党日": 1}
    lecture = next(p for p in figure.parts if p.label == "党课")
    assert f"kind={kind('party-lecture').pk}" in lecture.url
    listed = Activity.objects.counted().filter(organization__path__startswith=committee_a.path)
    assert listed.of_kind(kind("party-lecture")).count() == lecture.value


def test_count_by_kind_is_of_kind_counted_for_every_kind(branch_a, branch_b):
    combined(branch_a, "theme-day", "party-lecture", "general-meeting")
    combined(branch_a, "theme-day", "theme-day")  # the main kind named again: once
    combined(branch_b, "party-lecture")
    records = Activity.objects.all()
    total, per_kind = records.count_by_kind()
    assert total == 3
    assert per_kind == [
        (kind(code).pk, kind(code).name, records.of_kind(kind(code)).count())
        for code in ("general-meeting", "party-lecture", "theme-day")
    ]
    assert [n for _, _, n in per_kind] == [1, 2, 2]
