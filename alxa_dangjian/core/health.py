"""Reachability checks behind /healthz: the database and the cache always, the broker when
configured."""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "unreachable" to a load balancer
        return f"{type(exc).__name__}: {exc}"
    return None


def check_cache() -> str | None:
    # The cache backend degrades instead of raising (core.cache_backends): a value written
    # and not read back is what an unreachable cache looks like from here.
    probe = secrets.token_hex(8)
    key = f"healthz:{probe}"
    try:
        cache.set(key, probe, 10)
        found = cache.get(key)
        cache.delete(key)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if found == probe else "cache did not keep a value"


def check_broker() -> str | None:
    if not settings.CELERY_BROKER_URL:
        return None
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
