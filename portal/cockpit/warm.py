"""Keeping the big cockpits warm: the root's and each party committee's cockpit of the current
year are computed by a beat-scheduled task (`core.warm_cockpit`), so the cold build — seconds
at ×10 scale, mostly the compliance engine for this year and last — runs in a worker and not
in a user's request. Scopes whose cache entry is current are skipped, so a run after no
change costs one cache read per scope."""

import datetime

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from alxa_dangjian.accounts import scoping
from branches.models import Organization

from .base import Period, Scope, cache_key, cached_cockpit

# One warming run at a time: a run over a large league may outlast the beat interval.
LOCK_KEY = "cockpit:warming"
LOCK_SECONDS = 15 * 60


def warmed_scopes():
    """The root and every active party committee (党委, 机关党委, 党总支), root first."""
    return (
        Organization.objects.active()
        .filter(scoping.root_q() | Q(type__in=Organization.COMMITTEE_TYPES))
        .order_by("depth", "path")
    )


def warm_cockpits(today: datetime.date | None = None) -> int:
    """Compute and cache the current year's cockpit of every warmed scope not already cached;
    returns how many were computed (0 when another run holds the lock)."""
    from . import CHARTS, FIGURES

    today = today or timezone.localdate()
    period = Period.of(today.year, today)
    if not cache.add(LOCK_KEY, 1, timeout=LOCK_SECONDS):
        return 0
    computed = 0
    try:
        for organization in warmed_scopes():
            scope = Scope.of(organization)
            if cache.get(cache_key(scope, period)) is not None:
                continue
            cached_cockpit(scope, period, FIGURES, CHARTS)
            computed += 1
    finally:
        cache.delete(LOCK_KEY)
    return computed
