"""Members and organisations as of a past day (branches/asof.py), on the hand-computed history
of tests/asof_history.py."""

import datetime

import pytest

from branches import asof
from branches.models import Member, MemberTransfer, Organization
from tests.asof_history import D0, D1, at, build_league, kept_since
from tests.factories import MemberFactory


@pytest.fixture
def league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff):
    return build_league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff)


def roll(day, place):
    snap = asof.snapshot(place, day)
    return {m.id: m for m in snap.roll()}


def test_roll_at_two_year_ends(league, committee_a):
    p = league
    before = roll(D0, committee_a)
    after = roll(D1, committee_a)
    assert set(before) == {
        p[k].pk for k in ("stay", "moved", "confirmed", "from_old", "left", "dead")
    }
    assert set(after) == {
        p[k].pk for k in ("stay", "moved", "confirmed", "from_old", "new", "received")
    }


def test_transfer_between_two_dates_moves_the_member(league, branch_a, branch_a2):
    moved = league["moved"].pk
    assert moved in roll(D0, branch_a) and moved not in roll(D0, branch_a2)
    assert moved in roll(D1, branch_a2) and moved not in roll(D1, branch_a)
    # The day before the transfer and the day of it.
    assert moved in roll(datetime.date(2025, 5, 31), branch_a)
    assert moved in roll(datetime.date(2025, 6, 1), branch_a2)


def test_confirmation_across_the_year_end(league, committee_a):
    pk = league["confirmed"].pk
    assert roll(D0, committee_a)[pk].status == Member.Status.PROBATIONARY
    assert roll(D1, committee_a)[pk].status == Member.Status.FULL
    assert roll(datetime.date(2025, 8, 31), committee_a)[pk].status == Member.Status.PROBATIONARY


def test_dissolved_branch_exists_before_and_not_after(league, committee_a):
    old = league["old"]
    assert asof.organizations_on(D0)[old.pk].exists
    assert not asof.organizations_on(D1)[old.pk].exists
    assert roll(D0, old).keys() == {league["from_old"].pk}
    assert roll(D1, old) == {}
    ids = {o.id for o in asof.snapshot(committee_a, D1).scoped_organizations()}
    assert old.pk not in ids


def test_left_and_deceased_keep_their_standing_from_the_day(league, committee_a):
    members = asof.members_on(D1)
    assert members[league["left"].pk].standing == Member.Standing.TRANSFERRED_OUT
    assert members[league["dead"].pk].standing == Member.Standing.DECEASED
    assert asof.members_on(datetime.date(2025, 2, 28))[league["left"].pk].on_roll


def test_received_member_was_outside_before_the_transfer(league):
    pk = league["received"].pk
    assert pk not in asof.members_on(datetime.date(2025, 3, 31))
    assert asof.members_on(datetime.date(2025, 4, 1))[pk].on_roll
    assert MemberTransfer.objects.filter(member_id=pk, kind=MemberTransfer.Kind.IN).exists()


def test_record_without_any_history_counts_as_it_stands(branch_a):
    member = MemberFactory(organization=branch_a)
    Member.history.filter(id=member.pk).delete()
    assert asof.members_on(D1)[member.pk].organization_id == branch_a.pk


def test_member_deleted_before_the_day_is_gone(branch_a):
    member = kept_since(MemberFactory(organization=branch_a))
    pk = member.pk
    member._history_date = at(datetime.date(2025, 3, 1))
    member.delete()
    assert pk in asof.members_on(D0)
    assert pk not in asof.members_on(D1)


def test_tree_follows_the_parent_of_the_day(league, committee_a, committee_b, branch_a2):
    branch_a2.parent = committee_b
    branch_a2._history_date = at(datetime.date(2025, 10, 1))
    branch_a2.save()
    assert branch_a2.pk in asof.subtree_ids(asof.organizations_on(D0), committee_a.pk)
    assert branch_a2.pk in asof.subtree_ids(asof.organizations_on(D1), committee_b.pk)
    assert Organization.objects.get(pk=branch_a2.pk).parent_id == committee_b.pk


def test_snapshot_queries_do_not_grow_with_rows(
    league, committee_a, branch_a, django_assert_num_queries
):
    MemberFactory.create_batch(5, organization=branch_a)
    # Organisations: recorded by the day, recorded later, untracked, founding dates; members:
    # the same three, today's dates, transfers.
    with django_assert_num_queries(9):
        asof.snapshot(committee_a, D1)


def test_corrected_person_facts_apply_to_past_days_but_changes_do_not(league):
    stay = league["stay"]
    stay.gender = Member.Gender.FEMALE  # a correction: she always was
    stay.category = Member.Category.RETIRED  # a change: retired only now
    stay.save()
    then = asof.members_on(D1)[stay.pk]
    assert then.gender == Member.Gender.FEMALE
    assert then.category == Member.Category.CIVIL_SERVANT
