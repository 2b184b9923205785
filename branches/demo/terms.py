"""Demo terms, committee seats and party groups: some terms expire this year and a few are
overdue whenever the demo is loaded."""

import datetime

from ..models import (
    CommitteeSeat,
    Member,
    Organization,
    PartyGroup,
    Term,
    TermLengthRule,
    add_years,
)
from .persons import _demo_persons, _rng


def _term_end_and_years(readings: list, end: datetime.date) -> tuple[datetime.date, int]:
    """A term that ends on or nearest `end` and was elected under the reading in force on its
    election day (党章 2022: a branch elected before 2022-10-22 serves 3 years, after it 5, so
    no branch term ends between those two windows). `readings` are (effective_from, years)."""
    readings = sorted(readings)
    best = None
    for index, (effective_from, years) in enumerate(readings):
        first = add_years(effective_from, years)
        if index + 1 < len(readings):
            last = add_years(readings[index + 1][0] - datetime.timedelta(days=1), years)
        else:
            last = datetime.date.max
        candidate = min(max(end, first), last)
        if best is None or abs((candidate - end).days) < abs((best[0] - end).days):
            best = (candidate, years)
    return best


def _seed_terms(organizations, today) -> int:
    rules_by_type: dict[str, list] = {}
    for organization_type, effective_from, years in TermLengthRule.objects.values_list(
        "organization_type", "effective_from", "years"
    ):
        rules_by_type.setdefault(organization_type, []).append((effective_from, years))
    with_terms = set(Term.objects.values_list("organization_id", flat=True).distinct())
    terms = []
    for organization in organizations:
        if organization.pk in with_terms or not organization.holds_elections:
            continue
        if organization.type not in rules_by_type:
            continue
        rng = _rng(organization.name, "terms")
        roll = rng.random()
        if roll < 0.15:  # ends later this year
            end = datetime.date(today.year, 12, rng.randint(1, 28))
            end = max(end, today + datetime.timedelta(days=1))
        elif roll < 0.19:  # overdue: ended months ago, no election recorded
            end = today - datetime.timedelta(days=rng.randint(30, 300))
        else:
            end = today + datetime.timedelta(days=rng.randint(40, 5 * 365 - 40))
        readings = rules_by_type[organization.type]
        end, years = _term_end_and_years(readings, end)
        elected = add_years(end, -years)
        # The previous term is closed by this election (a late one when its due end, snapped
        # to its own reading, falls before).
        previous_end, previous_years = _term_end_and_years(readings, elected)
        number = rng.randint(2, 9)
        previous = Term(
            organization=organization,
            number=number - 1,
            elected_on=add_years(min(previous_end, elected), -previous_years),
            length_years=previous_years,
            actual_end=elected,
        )
        current = Term(
            organization=organization, number=number, elected_on=elected, length_years=years
        )
        for term in (previous, current):
            term.planned_end = add_years(term.elected_on, term.length_years)
            term.due_end = term.planned_end
        terms += [previous, current]
    Term.objects.bulk_create(terms, batch_size=2000)
    return len(terms)


def _seed_committees_and_groups(today) -> dict[str, int]:
    staffed = set(CommitteeSeat.objects.values_list("organization_id", flat=True).distinct())
    # A committee is elected with its term: no seat starts before the current term did.
    term_starts = dict(Term.objects.current().values_list("organization_id", "elected_on"))
    # Branch pk → (name, post) of the demo account who sits on its committee.
    persons = _demo_persons()
    seated = {
        pk: persons[name][1:3]
        for pk, name in Organization.objects.filter(name__in=persons).values_list("pk", "name")
        if persons[name][2]
    }
    members_by_branch: dict[int, list[Member]] = {}
    for member in Member.objects.filter(standing=Member.Standing.NORMAL).order_by("pk"):
        members_by_branch.setdefault(member.organization_id, []).append(member)
    seats, groups = [], []
    for organization_id, members in members_by_branch.items():
        if organization_id in staffed:
            continue
        full = [m for m in members if m.status == Member.Status.FULL]
        if not full:
            continue
        rng = _rng(str(organization_id), "committee")
        started = today - datetime.timedelta(days=rng.randint(60, 900))
        if organization_id in term_starts:
            started = max(started, term_starts[organization_id])
        posts = [CommitteeSeat.Post.SECRETARY]
        # Branches of 7+ full members elect a committee; a few have not (a warning).
        if len(full) >= 7 and rng.random() > 0.08:
            posts += [
                CommitteeSeat.Post.ORGANIZATION,
                CommitteeSeat.Post.PUBLICITY,
                CommitteeSeat.Post.DISCIPLINE,
            ]
            if rng.random() < 0.3:
                posts.append(CommitteeSeat.Post.DEPUTY_SECRETARY)
        holders = rng.sample(full, min(len(posts), len(full)))
        if organization_id in seated:
            holders = _seat_demo_person(holders, full, posts, *seated[organization_id])
        for post, member in zip(posts, holders, strict=False):
            seats.append(
                CommitteeSeat(
                    organization_id=organization_id, member=member, post=post, started_on=started
                )
            )
        if len(members) > 24:
            for n in range(1, 3 + (len(members) > 40)):
                groups.append(
                    PartyGroup(organization_id=organization_id, name=f"第{'一二三'[n - 1]}党小组")
                )
    CommitteeSeat.objects.bulk_create(seats, batch_size=2000)
    PartyGroup.objects.bulk_create(groups, batch_size=2000)
    _assign_groups(members_by_branch)
    return {"seats": len(seats), "party_groups": len(groups)}


def _seat_demo_person(holders, full, posts, name, post):
    """The drawn holders with the demo account's member in `post` (whoever drew it swaps).
    Her record is the branch's first (`_as_demo_person`), so a namesake cannot take it."""
    person = next(m for m in full if m.name == name)
    index = posts.index(post)
    holders = list(holders)
    if person in holders:
        other = holders.index(person)
        holders[index], holders[other] = holders[other], holders[index]
    else:
        holders[index] = person
    return holders


def _assign_groups(members_by_branch):
    groups_by_branch: dict[int, list[PartyGroup]] = {}
    for group in PartyGroup.objects.filter(leader__isnull=True).order_by("pk"):
        groups_by_branch.setdefault(group.organization_id, []).append(group)
    changed_members, changed_groups = [], []
    for organization_id, groups in groups_by_branch.items():
        members = members_by_branch.get(organization_id, [])
        for index, member in enumerate(members):
            member.party_group = groups[index % len(groups)]
            changed_members.append(member)
        for group in groups:
            leader = next((m for m in members if m.party_group_id == group.pk), None)
            if leader:
                group.leader = leader
                changed_groups.append(group)
    Member.objects.bulk_update(changed_members, ["party_group"], batch_size=2000)
    PartyGroup.objects.bulk_update(changed_groups, ["leader"], batch_size=2000)
