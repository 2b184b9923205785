"""The portal's cached figures and who invalidates them.

Every cached result (the cockpit, the compliance engine's reports and heatmaps, the service
ledger counts, the organisation profile's sections) is stored under a key that folds in the
version of each *topic* it reads: `caching.key("cockpit", path, year, topics=caching.ALL)`.
Every service that changes an input calls `caching.changed(topic, ...)`; the versions are bumped
when its transaction commits, so the next request computes afresh and nothing computed before
the write is read again. Bulk writers, imports and admin edits call it too: invalidation is
owned by the writes, never by model signals, which bulk_create and QuerySet.update bypass.

The versions live in the shared cache (every web process and worker sees them). A version
starts from the clock, so a counter that was evicted restarts above every value it had and
an old entry cannot be mistaken for a current one.
"""

import time

from django.core.cache import cache
from django.db import transaction

# Organisations and their structure: the tree, terms, committee seats, party groups.
ORGANIZATIONS = "organizations"
MEMBERS = "members"  # members, transfers, contact and standing
ACTIVITIES = "activities"  # activity records (三会一课, 主题党日 …) and their attendance
SERVICES = "services"  # service ledger records (我为群众办实事, 承诺践诺 …)
DEVELOPMENT = "development"  # development cases and their steps
RATINGS = "ratings"  # rating rounds, applications, titles (最强党支部)
TRAINING = "training"  # classes, sessions, enrolments, hours
LISTS = "lists"  # responsibility lists, items and checkpoints
ASSESSMENTS = "assessments"  # year-end runs, results, score cards
DUES = "dues"  # assessments, payments, months, remittances
# Rule and reference rows every figure above is counted by: frequency rules, exemptions,
# activity kinds, hour rules, dues settings, indicators, ledger types …
RULES = "rules"

ALL = (
    ORGANIZATIONS,
    MEMBERS,
    ACTIVITIES,
    SERVICES,
    DEVELOPMENT,
    RATINGS,
    TRAINING,
    LISTS,
    ASSESSMENTS,
    DUES,
    RULES,
)

TIMEOUT = 600  # bounds staleness where processes do not share one cache (locmem)


def _version_key(topic: str) -> str:
    return f"caching:version:{topic}"


def _check(topics) -> None:
    unknown = set(topics) - set(ALL)
    if unknown:
        raise ValueError(f"unknown cache topics: {sorted(unknown)}")


def versions(topics=ALL) -> str:
    """The current versions of `topics` as one key fragment (one cache round trip)."""
    _check(topics)
    keys = [_version_key(topic) for topic in topics]
    found = cache.get_many(keys)
    missing = [k for k in keys if k not in found]
    if missing:
        start = time.time_ns() // 1000
        for k in missing:
            cache.add(k, start, timeout=None)
        found |= cache.get_many(missing)
    return ".".join(str(found.get(k, 0)) for k in keys)


def key(name: str, *parts, topics=ALL) -> str:
    """A cache key for `name` and `parts` that changes whenever one of `topics` changes."""
    return ":".join([name, versions(topics), *map(str, parts)])


def cached(cache_key: str, build, timeout: int = TIMEOUT):
    """The value under `cache_key`, built and stored when missing."""
    value = cache.get(cache_key)
    if value is None:
        value = build()
        cache.set(cache_key, value, timeout)
    return value


def changed(*topics: str) -> None:
    """Say that the inputs of `topics` changed: their versions are bumped when the current
    transaction commits (at once outside a transaction, never when it rolls back), so no
    request can cache the old figures under the new version before the write is visible."""
    _check(topics)
    transaction.on_commit(lambda: _bump(topics))


def _bump(topics) -> None:
    for topic in topics:
        k = _version_key(topic)
        try:
            cache.incr(k)
        except ValueError:  # never read yet, or evicted: start above any earlier value
            cache.set(k, time.time_ns() // 1000, timeout=None)


def recovered() -> None:
    """The shared cache is reachable again after an outage (core.cache_backends): the bumps
    of the writes made meanwhile were lost, so every topic moves on and nothing computed
    before the outage is read again."""
    _bump(ALL)


class InvalidatingAdmin:
    """A ModelAdmin mixin for rows edited in /django-admin/ (reference data, rules, the
    tree): a save or delete there says that `cache_topics` changed, like a service would."""

    cache_topics: tuple[str, ...] = (RULES,)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed(*self.cache_topics)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        changed(*self.cache_topics)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        changed(*self.cache_topics)
