"""Each organisation's share of the seed report's service-ledger figures.

The report's figures are league totals, so they cannot come from each organisation's own draw:
this plan, made once from the whole league, tells every organisation how many records of a
kind it keeps and with whom. At scale 1 the ledgers then hold exactly (each figure read as the
records of its type on the service ledger list, all years and statuses; the demo's window, last
year and this year to date, stands for the report's "去年以来"):

- 我为群众办实事 1,067 and 承诺践诺 2,352 (a pledge is one member's for one year);
- 10 志愿服务队 and 12 党员先锋小组, the work committee's (the report's 南田社区 project);
- 240 包联嘎查/互联互通社区 pairings: every branch pairs with one 嘎查 (201 different ones)
  and 39 branches also with a community. The report's "240个所属党支部" cannot be branches
  here (the report's own 112 = 55.72 % gives 201), so 240 is read as pairings;
- 68 结对帮扶 records, one per unit (party committees and the branches directly under the work
  committee stand for the 机关单位);
- 277 民族团结一家亲 records, one per leader (a branch's secretary, then another committee
  member), with 249 different households: 28 households are paired with two leaders;
- 43 疫情防控临时党支部 (2022): one per party committee, the rest the work committee's.

Each extended copy (--scale) gets a plan of its own with the same totals; the work committee's
own records exist once.
"""

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field

from branches.models import Organization

from .life import BRANCH_TYPES

SERVE_THE_PEOPLE = 1067
PLEDGES = 2352
PAIRED_VILLAGES = 201
VILLAGE_PAIRINGS = 240
ASSISTANCE_UNITS = 68
UNITY_LEADERS = 277
UNITY_HOUSEHOLDS = 249
EPIDEMIC_BRANCHES = 43
PLEDGE_YEARS = 2  # last year and this year
LEADERS_PER_BRANCH = 2
COPY_TAG = re.compile(r"（扩展\d+）$")


@dataclass
class Share:
    serve_the_people: int = 0
    pledges: int = 0
    villages: list[str] = field(default_factory=list)  # one pairing each
    assistance: bool = False
    households: list[str] = field(default_factory=list)  # one leader each
    epidemic_branches: int = 0


def plan_shares(
    organizations,
    *,
    members: dict[int, int],
    seats: dict[int, int],
    villages: list[str],
    communities: list[str],
    households: list[str],
) -> dict[int, Share]:
    """Organisation pk → its Share. `members` and `seats` count each branch's members in good
    standing and current committee seats; `villages`, `communities` and `households` are the
    partners to draw from (at least PAIRED_VILLAGES villages and UNITY_HOUSEHOLDS households)."""
    copies = defaultdict(list)
    for organization in organizations:
        match = COPY_TAG.search(organization.name)
        copies[match.group() if match else ""].append(organization)
    shares = defaultdict(Share)
    for tag, group in sorted(copies.items()):
        rng = random.Random(f"service-shares{tag}")
        _plan_copy(group, shares, rng, members, seats, villages, communities, households)
    return dict(shares)


def _plan_copy(group, shares, rng, members, seats, villages, communities, names) -> None:
    """One copy of the league's shares (the league itself, or one --scale extension)."""
    group = sorted(group, key=lambda o: o.path)
    branches = [o for o in group if o.type in BRANCH_TYPES and members.get(o.pk)]
    committees = [o for o in group if o.type in Organization.COMMITTEE_TYPES]
    roots = [o for o in group if o.type == Organization.Type.WORK_COMMITTEE]

    for pk, n in _spread(SERVE_THE_PEOPLE, {b.pk: 9 for b in branches}, rng, floor=2).items():
        shares[pk].serve_the_people = n
    capacity = {b.pk: PLEDGE_YEARS * members[b.pk] for b in branches}
    for pk, n in _spread(PLEDGES, capacity, rng).items():
        shares[pk].pledges = n

    paired = rng.sample(branches, min(PAIRED_VILLAGES, len(branches)))
    for branch, village in zip(paired, rng.sample(villages, len(paired)), strict=True):
        shares[branch.pk].villages.append(village)
    extra = min(VILLAGE_PAIRINGS - len(paired), len(branches))
    for branch in rng.sample(branches, extra):
        shares[branch.pk].villages.append(rng.choice(communities))

    units = committees + [b for b in branches if roots and b.parent_id == roots[0].pk]
    others = [b for b in branches if b not in units]
    if len(units) >= ASSISTANCE_UNITS:
        units = rng.sample(units, ASSISTANCE_UNITS)
    else:
        units += rng.sample(others, min(ASSISTANCE_UNITS - len(units), len(others)))
    for unit in units:
        shares[unit.pk].assistance = True

    capacity = {b.pk: min(LEADERS_PER_BRANCH, seats.get(b.pk, 0)) for b in branches}
    leaders = _spread(UNITY_LEADERS, capacity, rng)
    households = rng.sample(names, UNITY_HOUSEHOLDS)
    # Households paired twice go to two different branches: the list is dealt out in order.
    twice = households[: UNITY_LEADERS - UNITY_HOUSEHOLDS]
    dealt = iter(households + twice)
    for branch in branches:
        shares[branch.pk].households = [next(dealt) for _ in range(leaders.get(branch.pk, 0))]

    for committee in committees:
        shares[committee.pk].epidemic_branches = 1
    for root in roots:
        shares[root.pk].epidemic_branches = max(EPIDEMIC_BRANCHES - len(committees), 0)


def _spread(total: int, capacity: dict, rng, *, floor: int = 0) -> dict:
    """`total` units over the keys, each at least `floor` and at most its capacity, drawn in
    proportion to the room each has left (less when the capacities cannot hold it all)."""
    counts = {key: min(floor, room) for key, room in capacity.items()}
    left = total - sum(counts.values())
    while left > 0:
        keys = [key for key in capacity if counts[key] < capacity[key]]
        if not keys:
            break
        key = rng.choices(keys, weights=[capacity[k] - counts[k] for k in keys])[0]
        counts[key] += 1
        left -= 1
    return counts
