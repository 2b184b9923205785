"""What the demo generators share: a seeded generator per organisation, the reference data,
and each branch's roster loaded per chunk."""

import datetime
import random
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

from alxa_dangjian.accounts.models import User
from branches.models import CommitteeSeat, Member, PartyGroup

from ..compliance import COMMITTEE_MIN_SEATS
from ..models import ActivityKind, CampaignTag, ServiceLedgerType


def rng_for(name: str, salt: str) -> random.Random:
    return random.Random(zlib.crc32(f"{salt}:{name}".encode()))


@dataclass
class Roster:
    """What one branch's generator needs, loaded per chunk in a few set-based queries."""

    members: list = field(default_factory=list)  # (pk, group_id, name, joined, lost, floating)
    seats: list = field(default_factory=list)  # (member_pk, post)
    groups: list = field(default_factory=list)  # (pk, name)

    @property
    def secretary(self):
        by_pk = {m[0]: m for m in self.members}
        for member_pk, post in self.seats:
            if post == CommitteeSeat.Post.SECRETARY and member_pk in by_pk:
                return by_pk[member_pk]
        return self.members[0] if self.members else None

    @property
    def leaders(self) -> list:
        """The committee's members in post order, the secretary first."""
        by_pk = {m[0]: m for m in self.members}
        order = {post: index for index, post in enumerate(CommitteeSeat.Post.values)}
        seats = sorted(self.seats, key=lambda seat: order[seat[1]])
        return [by_pk[member_pk] for member_pk, _ in seats if member_pk in by_pk]

    @property
    def has_committee(self) -> bool:
        return len(self.seats) >= COMMITTEE_MIN_SEATS


class Context:
    """Reference data shared by every chunk."""

    def __init__(self, today, recorder):
        self.today = today
        self.start = datetime.date(today.year - 1, 1, 1)
        self.recorder = recorder
        self.kinds = {k.code: k for k in ActivityKind.objects.all()}
        self.tags = dict(CampaignTag.objects.values_list("name", "pk"))
        self.types = {t.code: t for t in ServiceLedgerType.objects.all()}
        self.shares = {}  # organisation pk → Share, planned from the whole league
        self.users = {
            u.organization_id: u
            for u in User.objects.filter(role=User.Role.SECRETARY).order_by("-pk")
        }

    def months(self):
        day = self.start
        while day <= self.today:
            yield day.year, day.month
            day = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def load_rosters(organization_ids) -> dict[int, Roster]:
    rosters = defaultdict(Roster)
    for row in (
        Member.objects.filter(organization_id__in=organization_ids, standing=Member.Standing.NORMAL)
        .order_by("pk")
        .values_list(
            "organization_id",
            "pk",
            "party_group_id",
            "name",
            "joined_on",
            "lost_contact_since",
            "is_floating",
        )
    ):
        rosters[row[0]].members.append(row[1:])
    for org, member, post in (
        CommitteeSeat.objects.filter(organization_id__in=organization_ids, ended_on__isnull=True)
        .order_by("pk")
        .values_list("organization_id", "member_id", "post")
    ):
        rosters[org].seats.append((member, post))
    for org, pk, name in (
        PartyGroup.objects.filter(organization_id__in=organization_ids)
        .order_by("pk")
        .values_list("organization_id", "pk", "name")
    ):
        rosters[org].groups.append((pk, name))
    return rosters
