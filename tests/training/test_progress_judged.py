"""The set-based `judged` rows (one GROUP BY, cached) against `with_progress` (correlated
subqueries per member), and the progress lists' queries flat in their rows."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alxa_dangjian.core import caching
from branches.models import Member
from tests.factories import CommitteeSeatFactory, MemberFactory
from tests.training.factories import TrainingClassFactory
from training.models import Enrollment
from training.progress import judged, judged_counts, with_progress

YEAR = datetime.date.today().year


def attend(member, hours, *, year=YEAR, month=3, signed_in=True):
    training_class = TrainingClassFactory(
        organization=member.organization,
        starts_on=datetime.date(year, month, 1),
        ends_on=datetime.date(year, month, 3),
        length_hours=Decimal(100),
    )
    Enrollment.objects.create(
        training_class=training_class,
        member=member,
        signed_in=signed_in,
        hours_earned=Decimal(hours),
    )


def people(branches, n):
    """`n` members spread over `branches`: some committee members (one whose seat ended last
    year, so not judged as one), hours from none to over the rule, unsigned and last year's
    enrolments that must not count."""
    members = []
    for index in range(n):
        member = MemberFactory(organization=branches[index % len(branches)])
        if index % 4 == 0:
            CommitteeSeatFactory(organization=member.organization, member=member)
        if index % 4 == 1:
            CommitteeSeatFactory(
                organization=member.organization,
                member=member,
                started_on=datetime.date(YEAR - 3, 1, 1),
                ended_on=datetime.date(YEAR - 1, 6, 30),
            )
        if index % 3:
            attend(member, Decimal(index * 3) + Decimal("0.5"))
        if index % 5 == 0:
            attend(member, 30, month=9)
        if index % 4 == 3:
            attend(member, 33)  # no seat: meets the rule of 32
        attend(member, 40, signed_in=False)
        attend(member, 40, year=YEAR - 1)
        members.append(member)
    return members


@pytest.mark.parametrize("until", [None, datetime.date(YEAR, 6, 30)])
def test_judged_rows_are_with_progress_figures(branch_a, branch_a2, branch_b, until):
    people([branch_a, branch_a2, branch_b], 24)
    members = Member.objects.in_good_standing()
    # As written (str): 16 and 16.0 are equal Decimals but not the same figure on a page.
    expected = {
        m.pk: (str(m.training_hours), m.required_hours, m.is_committee_member, str(m.hours_short))
        for m in with_progress(YEAR, members, until)
    }
    rows = judged(YEAR, members, until)
    assert {
        r.member_id: (
            str(r.training_hours),
            r.required_hours,
            r.is_committee_member,
            str(r.hours_short),
        )
        for r in rows
    } == expected
    assert {r.is_met for r in rows} == {True, False}
    assert any(r.is_committee_member for r in rows)
    ordered = list(
        members.order_by("organization__path", "name", "pk").values_list("pk", flat=True)
    )
    assert [r.member_id for r in rows] == ordered


def test_judged_rows_follow_the_members_queryset(branch_a, branch_b):
    people([branch_a, branch_b], 6)
    rows = judged(YEAR, Member.objects.filter(organization=branch_a))
    assert {r.path for r in rows} == {branch_a.path} and len(rows) == 3


def test_judged_rows_are_cached_until_a_training_write(
    branch_a, django_capture_on_commit_callbacks
):
    (member,) = people([branch_a], 1)
    before = judged(YEAR, Member.objects.all())[0].training_hours
    attend(member, 7)  # a factory write: no caching.changed, the cached rows stay
    assert judged(YEAR, Member.objects.all())[0].training_hours == before
    with django_capture_on_commit_callbacks(execute=True):
        caching.changed(caching.TRAINING)  # what the enrolment services call on commit
    assert judged(YEAR, Member.objects.all())[0].training_hours == before + 7


@pytest.mark.parametrize("name", ["progress-behind", "progress-met", "progress-overview"])
def test_progress_lists_queries_are_flat_in_members(client, staff, branch_a, branch_a2, name):
    client.force_login(staff)
    counts = []
    for n in (5, 30):
        people([branch_a, branch_a2], n)
        cache.clear()  # factories write past the services' caching.changed
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(f"training:{name}"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    if name != "progress-overview":
        assert response.context["judged"] == 35


def test_behind_list_shows_the_page_rows_with_their_figures(client, staff, branch_a, branch_b):
    people([branch_a, branch_b], 12)
    client.force_login(staff)
    response = client.get(reverse("training:progress-behind"))
    page = response.context["page"]
    shown = [(m.pk, str(m.training_hours), m.required_hours, str(m.hours_short)) for m in page]
    expected = list(
        with_progress(YEAR, Member.objects.in_good_standing())
        .filter(hours_short__gt=0)
        .order_by("-hours_short", "organization__path", "name", "pk")
        .values_list("pk", "training_hours", "required_hours", "hours_short")
    )
    expected = [(pk, str(hours), required, str(short)) for pk, hours, required, short in expected]
    assert shown == expected and len(expected) > 3


def test_judged_counts_are_the_judged_rows_counted(branch_a, branch_b):
    """The cockpit's figure counts in one aggregate what the lists read as rows, including
    members exactly at their minimum (32 for 33 - 1, 56 for a committee member) and fractional
    hours (summed as floats on SQLite)."""
    people([branch_a, branch_b], 24)
    exact = MemberFactory(organization=branch_a)
    for hours in ("10.1", "10.2", "11.7"):  # 32.0, from tenths that floats cannot hold
        attend(exact, Decimal(hours))
    seated = MemberFactory(organization=branch_b)
    CommitteeSeatFactory(organization=branch_b, member=seated)
    attend(seated, Decimal("55.9"))  # a tenth short of 56
    members = Member.objects.in_good_standing()
    for until in (None, datetime.date(YEAR, 6, 30)):
        rows = judged(YEAR, members, until)
        expected = (len(rows), sum(row.is_met for row in rows))
        assert judged_counts(YEAR, members, until) == expected
        assert 0 < expected[1] < expected[0]
    assert {r.member_id: r.is_met for r in judged(YEAR, members)}[exact.pk] is True
    assert {r.member_id: r.is_met for r in judged(YEAR, members)}[seated.pk] is False
