"""Organisational life and service ledgers for the demo league.

The window is **last year in full and the current year up to today**: the compliance engine
works per calendar year, so the current year's heatmap tells this year's story and last year
stands complete for year-end work. Seeded in late November that is about 26,500 activity
records at scale 1 (fewer early in the year), each with an attendance row for every member
expected: the branch for 党员大会, 党课, 主题党日, 组织生活会 and 民主评议; the committee for
支委会; the group for 党小组会; two people for a 谈心谈话.

Most branches keep the frequency rules; some are patchy (they skip months), a few stopped in the
last quarter, a few let their committee and group meetings slide, so the heatmap has red and amber
where a reader expects them. Most records are approved; recent ones are often still submitted or
drafts; a few were returned with a comment.

Deterministic (each organisation draws from its own seeded generator, members in pk order) and
idempotent (an organisation that already has activities, or service records, is left alone).
Written with bulk_create in chunks of organisations, each chunk in its own transaction, so
memory stays flat at any scale.
"""

import datetime
from collections import defaultdict

from django.db import transaction

from alxa_dangjian.accounts.models import User
from branches.models import Organization

from ..models import Activity, ServiceRecord
from .base import Context, Roster, load_rosters
from .life import BRANCH_TYPES, plan_branch, write_activities
from .service_ledgers import plan_service_shares, plan_services, write_services

CHUNK = 25  # organisations per transaction


def seed_activities(today: datetime.date | None = None) -> dict[str, int]:
    """Create the demo's organisational life and service ledgers where they are missing."""
    today = today or datetime.date.today()
    recorder = User.objects.filter(role=User.Role.SYSTEM_ADMIN).order_by("pk").first()
    counts = {"activities": 0, "attendances": 0, "service_records": 0}
    if recorder is None:
        return counts
    context = Context(today, recorder)
    organizations = list(Organization.objects.filter(is_active=True).order_by("path"))
    context.shares = plan_service_shares(organizations)
    with_activities = set(Activity.objects.values_list("organization_id", flat=True).distinct())
    with_services = set(ServiceRecord.objects.values_list("organization_id", flat=True).distinct())
    siblings = defaultdict(list)
    for organization in organizations:
        if organization.type in BRANCH_TYPES:
            siblings[organization.parent_id].append(organization.pk)
    todo = [o for o in organizations if o.pk not in with_activities or o.pk not in with_services]
    for index in range(0, len(todo), CHUNK):
        chunk = todo[index : index + CHUNK]
        with transaction.atomic():
            rosters = load_rosters([o.pk for o in chunk])
            planned, services = [], []
            for organization in chunk:
                roster = rosters.get(organization.pk, Roster())
                if organization.pk not in with_activities and organization.type in BRANCH_TYPES:
                    planned += plan_branch(organization, roster, context, siblings)
                if organization.pk not in with_services:
                    services += plan_services(organization, roster, context)
            counts["activities"] += len(planned)
            counts["attendances"] += write_activities(planned)
            counts["service_records"] += write_services(services)
    return counts
