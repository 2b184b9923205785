"""Version counters in the shared cache: a cached result's key carries the counter, and a
write bumps it, so every entry computed before the write is simply never read again."""

from django.core.cache import cache


def current(key: str) -> int:
    cache.add(key, 1, timeout=None)
    return cache.get(key) or 1


def bump(key: str) -> None:
    cache.add(key, 1, timeout=None)
    try:
        cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 2, timeout=None)
