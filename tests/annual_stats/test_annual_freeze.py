"""Submitting a report: checks first, numbers kept whatever is corrected later, a correction
is a new version with its reason and its diff."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annual_stats import services
from annual_stats.models import FrozenReport, StatRow, StatTable
from branches.models import Member
from tests.asof_history import D1, build_league
from tests.factories import MemberFactory

FREEZE = reverse("annual_stats:frozenreport-create")


@pytest.fixture
def league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff):
    return build_league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff)


def value(frozen, code, label):
    table = next(t for t in frozen.tables if t["code"] == code)
    return next(v for _p, name, v in table["rows"] if name == label)


def test_frozen_numbers_survive_a_later_correction(league, committee_a, committee_admin):
    frozen = services.freeze_report(place=committee_a, day=D1, by=committee_admin)
    assert (frozen.version, value(frozen, "党1", "党员总数")) == (1, 6)
    stay = Member.objects.get(pk=league["stay"].pk)
    stay.gender = Member.Gender.FEMALE  # a correction keyed in after submission
    stay.save()
    frozen.refresh_from_db()
    assert value(frozen, "党1", "其中：女党员") == 0
    with pytest.raises(ValidationError, match="更正说明"):
        services.freeze_report(place=committee_a, day=D1, by=committee_admin)
    second = services.freeze_report(place=committee_a, day=D1, by=committee_admin, note="更正性别")
    assert second.version == 2 and value(second, "党1", "其中：女党员") == 1
    changed = services.differences(frozen, second)
    assert [(d.label, d.before, d.after) for d in changed] == [("党1 其中：女党员", 0, 1)]


def test_unchanged_numbers_are_not_a_new_version(league, committee_a, committee_admin):
    services.freeze_report(place=committee_a, day=D1, by=committee_admin)
    with pytest.raises(ValidationError, match="第1版相同"):
        services.freeze_report(place=committee_a, day=D1, by=committee_admin, note="再交一次")


def test_a_simultaneous_first_submission_is_told_in_chinese(
    league, committee_a, committee_admin, monkeypatch
):
    """Two first submissions at once: the first version has no row to lock, so the later one
    meets the one-version rule and gets a Chinese message, not a 500 (simulated: the other
    submission's version 1 is written after this one looked for a previous version)."""
    other = services.freeze_report(place=committee_a, day=D1, by=committee_admin)
    monkeypatch.setattr(type(FrozenReport.objects.none()), "first", lambda self: None, raising=True)
    with pytest.raises(ValidationError, match="他人刚刚提交"):
        services.freeze_report(place=committee_a, day=D1, by=committee_admin, note="同时提交")
    assert list(FrozenReport.objects.values_list("pk", flat=True)) == [other.pk]


def test_a_failing_check_blocks_submission(league, committee_a, committee_admin, branch_a):
    StatRow.objects.create(
        table=StatTable.objects.get(code="党1"), position=99, label="坏栏目", dimension="x"
    )
    with pytest.raises(ValidationError, match="数据检查未通过"):
        services.freeze_report(place=committee_a, day=D1, by=committee_admin)
    assert not FrozenReport.objects.exists()


def test_freeze_through_the_page(client, league, committee_admin, committee_a):
    client.force_login(committee_admin)
    data = {"as_of": D1.isoformat(), "org": committee_a.pk, "confirm": "1"}
    response = client.post(FREEZE, data)
    frozen = FrozenReport.objects.get()
    assert response.status_code == 302 and response.url == frozen.get_absolute_url()
    page = client.get(frozen.get_absolute_url())
    assert page.status_code == 200 and "第1版" in page.content.decode()
    report = client.get(reverse("annual_stats:report"), {"as_of": D1.isoformat()})
    assert report.context["versions"] == [frozen]


def test_freeze_without_confirmation_changes_nothing(client, league, committee_admin):
    client.force_login(committee_admin)
    client.post(FREEZE, {"as_of": D1.isoformat()})
    assert not FrozenReport.objects.exists()


def test_outsider_cannot_freeze_or_see_another_subtree(
    client, league, outsider, committee_a, committee_admin
):
    frozen = services.freeze_report(place=committee_a, day=D1, by=committee_admin)
    client.force_login(outsider)
    assert client.post(FREEZE, {"org": committee_a.pk, "confirm": "1"}).status_code == 404
    assert client.get(frozen.get_absolute_url()).status_code == 404
    assert FrozenReport.objects.count() == 1


def test_bad_day_is_refused_in_chinese(client, league, committee_admin):
    client.force_login(committee_admin)
    response = client.post(FREEZE, {"as_of": "2025-02-30", "confirm": "1"}, follow=True)
    assert "统计截止日" in response.content.decode()
    assert not FrozenReport.objects.exists()


def test_freeze_needs_post(client, league, committee_admin):
    client.force_login(committee_admin)
    assert client.get(FREEZE).status_code == 405


def test_added_member_after_freezing_shows_in_the_next_version(
    league, committee_a, committee_admin, branch_a
):
    first = services.freeze_report(place=committee_a, day=D1, by=committee_admin)
    MemberFactory(
        organization=branch_a,
        joined_on=datetime.date(2025, 3, 1),
        status=Member.Status.PROBATIONARY,
        confirmed_on=None,
        native_place="内蒙古阿拉善",
        phone="13900000000",
        work_started_on=datetime.date(2020, 7, 1),
    )
    second = services.freeze_report(place=committee_a, day=D1, by=committee_admin, note="补录")
    assert value(first, "党1", "党员总数") == 6 and value(second, "党1", "党员总数") == 7


def test_an_incomplete_record_is_listed_and_blocks_submission(league, committee_a, committee_admin):
    stay = league["stay"]
    Member.objects.filter(pk=stay.pk).update(phone="")
    with pytest.raises(ValidationError, match="采集项"):
        services.freeze_report(place=committee_a, day=D1, by=committee_admin)
    from annual_stats import report as reports

    result = reports.build(
        committee_a,
        D1,
        visible=[o.pk for o in [committee_a]]
        + [o for o in committee_a.children.values_list("pk", flat=True)],
    )
    check = next(c for c in result.checks if "采集项" in c.label)
    assert not check.ok and check.detail == f"{stay.name}缺联系电话"
