"""Writes of training schemes (培训方案) and their components, kept in the rules' history."""

from collections.abc import Iterable

from django.db import transaction

from alxa_dangjian.accounts.models import User
from alxa_dangjian.core import caching, rules

from ..models import SchemeComponent, TrainingScheme


@transaction.atomic
def save_scheme(
    scheme: TrainingScheme,
    *,
    components: Iterable[SchemeComponent],
    removed: Iterable[SchemeComponent] = (),
    by: User,
    reason: str,
) -> TrainingScheme:
    """A scheme and its changed, new and removed components, each kept in history with the
    same reason (one edit of the scheme page is one change)."""
    caching.changed(caching.RULES)
    rules.save_rule(scheme, by=by, reason=reason)
    for component in removed:
        rules.delete_rule(component, by=by, reason=reason)
    for component in components:
        component.scheme = scheme
        rules.save_rule(component, by=by, reason=reason)
    return scheme
