"""Members and organisations as of a past day (branches/asof.py), on hand-computed histories.

Every record here is "kept since" KEPT_SINCE: its creation row is moved back to that day, as
if the portal had recorded it then. Services then write their rows today (December 2026)
with effective dates in 2025, the way secretaries key in changes late.
"""

import datetime

import pytest

from branches import asof, services
from branches.models import Member, MemberTransfer, Organization
from tests.factories import MemberFactory, OrganizationFactory

D0 = datetime.date(2024, 12, 31)
D1 = datetime.date(2025, 12, 31)
KEPT_SINCE = datetime.datetime(2020, 1, 1, 9, tzinfo=datetime.UTC)


def kept_since(obj, when=KEPT_SINCE):
    type(obj).history.filter(id=obj.pk).update(history_date=when)
    return obj


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC)


@pytest.fixture
def league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff):
    for organization in (root, committee_a, branch_a, branch_a2, committee_b, branch_b):
        kept_since(organization)
    old = OrganizationFactory(name="甲局已撤销党支部", parent=committee_a)
    kept_since(old)
    people = {
        "stay": MemberFactory(organization=branch_a),
        "moved": MemberFactory(organization=branch_a),
        "confirmed": MemberFactory(
            organization=branch_a,
            joined_on=datetime.date(2024, 9, 1),
            status=Member.Status.PROBATIONARY,
            confirmed_on=None,
        ),
        "from_old": MemberFactory(organization=old),
        "left": MemberFactory(organization=branch_a2),
        "dead": MemberFactory(organization=branch_a2),
        "new": MemberFactory(
            organization=branch_a,
            joined_on=datetime.date(2025, 7, 1),
            status=Member.Status.PROBATIONARY,
            confirmed_on=None,
        ),
    }
    for key, member in people.items():
        if key != "new":  # keyed in when admitted
            kept_since(member)
    kept_since(people["new"], at(datetime.date(2025, 7, 2)))
    # A transfer inside the league on 1 June 2025, recorded today.
    services.transfer_member(people["moved"], to=branch_a2, on=datetime.date(2025, 6, 1), by=staff)
    # 转正 on 1 September 2025, recorded today: probation crosses the year end 2024.
    confirmed = people["confirmed"]
    confirmed.status, confirmed.confirmed_on = Member.Status.FULL, datetime.date(2025, 9, 1)
    services.save_member(confirmed, by=staff, reason="转正")
    # The old branch's member moves on 15 June 2025; the branch is dissolved on 30 June 2025.
    services.transfer_member(
        people["from_old"], to=branch_a, on=datetime.date(2025, 6, 15), by=staff
    )
    old.is_active = False
    old._history_date = at(datetime.date(2025, 6, 30))
    old.save()
    services.transfer_member_out(
        people["left"],
        to_external="外省某党支部",
        on=datetime.date(2025, 3, 1),
        letter_number="介字001",
        by=staff,
    )
    dead = people["dead"]
    dead.standing = Member.Standing.DECEASED
    dead._history_date = at(datetime.date(2025, 5, 1))
    dead.save()
    received = Member(
        **{
            f.name: getattr(MemberFactory.build(organization=branch_a2), f.name)
            for f in Member._meta.concrete_fields
            if f.name not in ("id", "created_at", "updated_at")
        }
    )
    received.joined_on = datetime.date(2015, 7, 1)
    received.confirmed_on = datetime.date(2016, 7, 1)
    received = services.receive_member(
        received,
        from_external="外盟某党支部",
        on=datetime.date(2025, 4, 1),
        letter_number="介字002",
        by=staff,
    )
    people["received"] = received
    people["old"] = old
    return people


def roll(day, place):
    snap = asof.snapshot(place, day)
    return {m.id: m for m in snap.roll()}


def test_roll_at_two_year_ends(league, committee_a):
    p = league
    before = roll(D0, committee_a)
    after = roll(D1, committee_a)
    assert set(before) == {p[k].pk for k in ("stay", "moved", "confirmed", "from_old", "left", "dead")}
    assert set(after) == {p[k].pk for k in ("stay", "moved", "confirmed", "from_old", "new", "received")}


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
