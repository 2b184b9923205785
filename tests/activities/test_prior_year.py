"""所属年度: 组织生活会 and 民主评议党员 for year N held early in N+1 count for N — in the engine
(hence the indicators, which read its month counts), the drill-down and the record form."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities.compliance import compute, month_counts
from activities.models import Activity, ActivityKind
from activities.services import records as services
from branches.models import Organization
from tests.factories import ActivityFactory

TODAY = datetime.date(2026, 5, 15)


def kind(code):
    return ActivityKind.objects.get(code=code)


def yearly_held(branch, code, year, today=TODAY):
    report = compute(Organization.objects.filter(pk=branch.pk), year, today=today)
    (cell,) = [
        c
        for c in report.for_organization(branch.pk)
        if c.rule.kind.code == code and c.period.kind == "year"
    ]
    return cell.held


def test_seeded_windows_are_january_and_february_for_the_annual_items(db):
    windows = dict(ActivityKind.objects.values_list("code", "prior_year_months"))
    assert windows["life-meeting"] == windows["member-review"] == 2
    assert windows["theme-day"] == windows["heart-talk"] == 0


# The engine --------------------------------------------------------------------------------------


def test_a_january_record_for_the_previous_year_counts_for_that_year_only(branch_a):
    ActivityFactory(
        organization=branch_a,
        kind=kind("life-meeting"),
        held_on=datetime.date(2026, 1, 20),
        counts_for_previous_year=True,
    )
    assert yearly_held(branch_a, "life-meeting", 2025) == 1
    assert yearly_held(branch_a, "life-meeting", 2026) == 0


def test_a_january_record_for_its_own_year_counts_for_its_own_year(branch_a):
    ActivityFactory(
        organization=branch_a, kind=kind("member-review"), held_on=datetime.date(2026, 1, 20)
    )
    assert yearly_held(branch_a, "member-review", 2025) == 0
    assert yearly_held(branch_a, "member-review", 2026) == 1


def test_the_previous_year_applies_only_to_the_kinds_that_allow_it(branch_a, branch_b):
    # 主题党日暨组织生活会 held 20 January 2026 for 2025: the 组织生活会 counts for 2025, the
    # 主题党日 (no window) for January 2026, as dated.
    record = ActivityFactory(
        organization=branch_a,
        kind=kind("theme-day"),
        held_on=datetime.date(2026, 1, 20),
        counts_for_previous_year=True,
    )
    record.also_kinds.set([kind("life-meeting")])
    record.joint_organizations.add(branch_b, through_defaults={"status": "confirmed"})
    for branch in (branch_a, branch_b):  # host and joint partner alike
        assert yearly_held(branch, "life-meeting", 2025) == 1
        assert yearly_held(branch, "life-meeting", 2026) == 0
        report = compute(Organization.objects.filter(pk=branch.pk), 2026, today=TODAY)
        january = [
            c
            for c in report.for_organization(branch.pk)
            if c.rule.kind.code == "theme-day" and c.period.index == 1
        ]
        assert january[0].held == 1


def test_month_counts_put_a_carried_record_in_december(branch_a):
    ActivityFactory(
        organization=branch_a,
        kind=kind("life-meeting"),
        held_on=datetime.date(2026, 2, 28),
        counts_for_previous_year=True,
    )
    life = kind("life-meeting").pk
    branches = Organization.objects.filter(pk=branch_a.pk).values("pk")
    totals, _ = month_counts(branches, 2025, [life])
    assert totals[(branch_a.pk, life)][12] == 1 and sum(totals[(branch_a.pk, life)]) == 1
    totals, _ = month_counts(branches, 2026, [life])
    assert sum(totals[(branch_a.pk, life)]) == 0


# Writing -----------------------------------------------------------------------------------------


@pytest.fixture
def january(monkeypatch, settings):
    settings.ACTIVITY_BACKFILL_DAYS = 120
    day = datetime.date(2027, 3, 20)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
    return day


def save(branch, code, held_on, by, **kwargs):
    activity = Activity(organization=branch, kind=kind(code), held_on=held_on, theme="年度会议")
    return services.save_activity(activity, attendance={}, by=by, **kwargs)


def test_the_year_defaults_to_the_previous_one_in_january_and_february(
    january, branch_a, secretary
):
    assert (
        save(branch_a, "life-meeting", datetime.date(2027, 1, 15), secretary).belongs_to_year
        == 2026
    )
    assert (
        save(branch_a, "member-review", datetime.date(2027, 2, 28), secretary).belongs_to_year
        == 2026
    )
    assert (
        save(branch_a, "life-meeting", datetime.date(2027, 3, 1), secretary).belongs_to_year == 2027
    )
    assert (
        save(branch_a, "theme-day", datetime.date(2027, 1, 15), secretary).belongs_to_year == 2027
    )


def test_the_secretary_may_choose_the_date_year_within_the_window(january, branch_a, secretary):
    record = save(
        branch_a, "life-meeting", datetime.date(2027, 2, 10), secretary, belongs_to_year=2027
    )
    assert not record.counts_for_previous_year
    # A combined record takes the widest window of its kinds.
    combined = save(
        branch_a,
        "theme-day",
        datetime.date(2027, 1, 10),
        secretary,
        also_kinds=[kind("member-review")],
    )
    assert combined.counts_for_previous_year and combined.belongs_to_year == 2026


def test_the_previous_year_is_refused_outside_the_window(january, branch_a, secretary):
    with pytest.raises(ValidationError) as error:
        save(branch_a, "life-meeting", datetime.date(2027, 3, 2), secretary, belongs_to_year=2026)
    assert error.value.message_dict["belongs_to_year"] == [
        "所属年度只能是2027年，或在次年2月底前召开时计入2026年。"
    ]
    with pytest.raises(ValidationError) as error:
        save(branch_a, "theme-day", datetime.date(2027, 1, 5), secretary, belongs_to_year=2026)
    assert error.value.message_dict["belongs_to_year"] == [
        "该类型的所属年度按日期确定，只能是2027年。"
    ]
    assert not Activity.objects.exists()


def test_the_form_sets_the_year(january, client, secretary, branch_a):
    client.force_login(secretary)
    url = f"{reverse('activities:activity-create')}?organization={branch_a.pk}"
    data = {
        "kind": kind("life-meeting").pk,
        "held_on": "2027-01-25",
        "theme": "2026年度组织生活会",
        "joint_names": "",
    }
    assert client.post(url, {**data, "belongs_to_year": "2027"}).status_code == 302
    assert client.post(url, data).status_code == 302
    years = sorted(a.belongs_to_year for a in Activity.objects.all())
    assert years == [2026, 2027]
    refused = client.post(url, {**data, "held_on": "2027-03-05", "belongs_to_year": "2026"})
    assert "所属年度只能是2027年" in refused.content.decode()


# The drill-down ----------------------------------------------------------------------------------


def test_the_drill_down_lists_the_record_under_the_year_it_belongs_to(
    monkeypatch, client, committee_admin, branch_a
):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    cache.clear()
    ActivityFactory(
        organization=branch_a,
        kind=kind("life-meeting"),
        held_on=datetime.date(2026, 1, 20),
        counts_for_previous_year=True,
        theme="2025年度组织生活会",
    )
    client.force_login(committee_admin)
    detail = reverse("activities:compliance-detail", args=[branch_a.pk])
    december = client.get(f"{detail}?year=2025&month=12").content.decode()
    assert "2025年度组织生活会" in december
    january = client.get(f"{detail}?year=2026&month=1").content.decode()
    assert "2025年度组织生活会" not in january
