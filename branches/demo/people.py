"""Demo members, terms, committees, party groups and development cases for the demo league.

Deterministic (each organisation draws from its own seeded generator) and idempotent (an
organisation that already has members, terms or cases is left alone). Dates are anchored on
`today` so that some terms expire this year and a few are overdue whenever the demo is loaded.
"""

import datetime

from django.db import transaction

from ..models import (
    DevelopmentCase,
    Member,
    MemberTransfer,
    Organization,
)
from .development import _seed_cases
from .persons import _as_demo_person, _branch_size, _demo_persons, _IdAllocator, _member, _rng
from .terms import _seed_committees_and_groups, _seed_terms


@transaction.atomic
def seed_people(today: datetime.date | None = None) -> dict[str, int]:
    today = today or datetime.date.today()
    ids = _IdAllocator(Member.objects.values_list("id_number", flat=True))
    ids.taken.update(DevelopmentCase.objects.values_list("id_number", flat=True))
    organizations = list(Organization.objects.exclude(type=Organization.Type.TEMPORARY_BRANCH))
    populated = set(Member.objects.values_list("organization_id", flat=True).distinct())
    persons = _demo_persons()
    new_members = []
    for organization in organizations:
        if organization.is_branch and organization.pk not in populated:
            rng = _rng(organization.name, "members")
            size = _branch_size(rng, organization)
            drawn = [_member(rng, ids, organization, today) for _ in range(size)]
            if organization.name in persons:
                drawn[0] = _as_demo_person(drawn[0], persons[organization.name], ids)
            new_members += drawn
    Member.objects.bulk_create(new_members, batch_size=2000)
    created = {"members": len(new_members)}
    created["terms"] = _seed_terms(organizations, today)
    created.update(_seed_committees_and_groups(today))
    created["cases"] = _seed_cases(ids, today)
    _record_transfers_out(today)
    return created


def _record_transfers_out(today):
    """Members seeded as 转出 get the transfer that explains it."""
    from alxa_dangjian.accounts.models import User

    recorder = User.objects.filter(role=User.Role.SYSTEM_ADMIN).order_by("pk").first()
    if recorder is None:
        return
    departed = Member.objects.filter(
        standing=Member.Standing.TRANSFERRED_OUT, transfers__isnull=True
    ).order_by("pk")
    MemberTransfer.objects.bulk_create(
        [
            MemberTransfer(
                member=member,
                kind=MemberTransfer.Kind.OUT,
                from_organization_id=member.organization_id,
                external_organization="中共银川市直属机关工作委员会",
                transferred_on=today - datetime.timedelta(days=30 + member.pk % 300),
                letter_number=f"阿机工转字〔{today.year}〕{member.pk % 97 + 1}号",
                recorded_by=recorder,
            )
            for member in departed
        ]
    )
