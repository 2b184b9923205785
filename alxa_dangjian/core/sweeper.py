"""The beat sweeper: background work that would otherwise wait forever is sent again.

Each app that queues work registers a sweeper here (in its `sweeper` module, found by
autodiscovery): a function of the current time that sends what was committed while the
broker was down, re-sends what a lost worker left, and fails what was retried enough. Each
sweeper is idempotent: run twice, the second finds nothing to do.
"""

import logging

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

_sweepers: dict = {}


def register(name: str):
    def decorator(function):
        _sweepers[name] = function
        return function

    return decorator


def sweep(now=None) -> dict[str, int]:
    """Run every registered sweeper; returns what each one handled (rows sent or failed)."""
    autodiscover_modules("sweeper")
    now = now or timezone.now()
    handled = {}
    for name, function in sorted(_sweepers.items()):
        try:
            handled[name] = function(now)
        except Exception:  # one app's failure must not keep the others' work waiting
            logger.exception("sweeper %s failed", name)
            handled[name] = 0
    if any(handled.values()):
        logger.info("sweeper: %s", handled)
    return handled
