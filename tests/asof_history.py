"""A hand-computed history shared by the as-of and annual statistics tests.

Every record is "kept since" KEPT_SINCE: its creation row is moved back to that day, as if
the portal had recorded it then. Services then write their rows today with effective dates
in 2025, the way secretaries key in changes late.

On 31 Dec 2024 (D0) committee_a's roll is stay, moved, confirmed (预备), from_old (in the
branch dissolved on 30 Jun 2025), left and dead; on 31 Dec 2025 (D1) it is stay, moved
(branch_a → branch_a2 on 1 Jun 2025), confirmed (转正 1 Sep 2025), from_old (→ branch_a on
15 Jun 2025), new (admitted 1 Jul 2025, 预备) and received (转入 from outside 1 Apr 2025);
left was transferred out of the system on 1 Mar 2025 and dead died on 1 May 2025.
"""

import datetime

from branches.models import Member
from branches.services import members as services
from tests.factories import MemberFactory, OrganizationFactory

D0 = datetime.date(2024, 12, 31)
D1 = datetime.date(2025, 12, 31)
KEPT_SINCE = datetime.datetime(2020, 1, 1, 9, tzinfo=datetime.UTC)


def kept_since(obj, when=KEPT_SINCE):
    type(obj).history.filter(id=obj.pk).update(history_date=when)
    return obj


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC)


def build_league(root, committee_a, branch_a, branch_a2, committee_b, branch_b, staff):
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
    # The collection items a secretary may leave empty, complete (the statistics check them).
    Member.objects.update(
        native_place="内蒙古阿拉善", phone="13800000000", work_started_on=datetime.date(2008, 7, 1)
    )
    return people
