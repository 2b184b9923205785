"""The set-based arrears rows (one statement, cached) against `arrears()` (correlated
subqueries per member), and the arrears list flat in its rows."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alxa_dangjian.core.periods import shift_month
from branches.models import Member
from dues.arrears import ALERT, WARNING, arrears, arrears_counts, arrears_rows
from dues.models import DuesAssessment
from tests.dues.factories import assess, paid
from tests.factories import MemberFactory

JAN = datetime.date(2026, 1, 1)
AS_OF = datetime.date(2026, 7, 15)
FIELDS = ("owed_from", "reduction_now", "last_paid", "unpaid", "streak", "level")


def mixed(branches, secretary, n):
    """Members paying all, some, scattered or no months; deferred and exempt ones; one never
    assessed and one transferred out (neither listed)."""
    members = []
    for index in range(n):
        member = MemberFactory(organization=branches[index % len(branches)])
        assess(member, secretary, month=JAN)
        if index % 6 == 1:
            assess(
                member,
                secretary,
                month=datetime.date(2026, 4, 1),
                reduction=DuesAssessment.Reduction.DEFERRED,
                approval_number="支委会〔2026〕3号",
                reduction_reason="重病住院",
            )
        if index % 6 == 2:
            assess(
                member,
                secretary,
                month=datetime.date(2026, 2, 1),
                reduction=DuesAssessment.Reduction.EXEMPT,
                approval_number="党委〔2026〕1号",
            )
        months = [shift_month(JAN, m) for m in range(6)]
        paid(member, secretary, *(months[: index % 5] if index % 2 else months[::2]))
        members.append(member)
    MemberFactory(organization=branches[0])
    gone = MemberFactory(organization=branches[0])
    assess(gone, secretary, month=JAN)
    Member.objects.filter(pk=gone.pk).update(standing=Member.Standing.TRANSFERRED_OUT)
    return members


@pytest.mark.parametrize("as_of", [AS_OF, datetime.date(2027, 1, 15)])
def test_rows_are_the_arrears_querysets_rows_in_the_lists_order(
    branch_a, branch_a2, committee_admin, as_of
):
    mixed([branch_a, branch_a2], committee_admin, 24)
    expected = [
        (m.pk, *(getattr(m, f) for f in FIELDS))
        for m in arrears(Member.objects.all(), as_of=as_of).order_by(
            "level", "-streak", "organization__path", "name", "pk"
        )
    ]
    rows = arrears_rows(Member.objects.all(), as_of=as_of)
    assert [(r.member_id, *(getattr(r, f) for f in FIELDS)) for r in rows] == expected
    assert len({r.level for r in rows}) == 2
    # The cockpit's counts: the same rows by level, from the statement without its order.
    assert arrears_counts(Member.objects.all(), as_of=as_of) == {
        level: sum(r.level == level for r in rows) for level in (WARNING, ALERT)
    }


def test_rows_follow_the_members_queryset(branch_a, branch_a2, committee_admin):
    mixed([branch_a, branch_a2], committee_admin, 12)
    rows = arrears_rows(Member.objects.filter(organization=branch_a2), as_of=AS_OF)
    assert rows and {Member.objects.get(pk=r.member_id).organization_id for r in rows} == {
        branch_a2.pk
    }


def test_arrears_list_queries_are_flat_in_rows(client, secretary, branch_a):
    client.force_login(secretary)
    counts, totals = [], []
    for n in (5, 30):
        mixed([branch_a], secretary, n)
        cache.clear()  # the factories write past the services' caching.changed
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dues:arrears-list") + "?page=1")
        counts.append(len(queries))
        totals.append(response.context["page"].paginator.count)
    assert counts[0] == counts[1]
    assert totals[1] > totals[0] > 0
