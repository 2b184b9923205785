"""The access rule, in one place: a user sees the subtree of their organisation.

Every model that holds organisation data uses `ScopedQuerySet` (or a subclass) and names the
path to its organisation in `scope_field`; views fetch through `visible_to(user)` or
`get_visible_or_404`, so an object outside the user's subtree is a 404, never a 403 that
would confirm it exists. What a role may *do* inside the subtree is in `roles.py`.
"""

from django.db import models
from django.shortcuts import get_object_or_404


def scope_path(user) -> str | None:
    """Materialised path of the user's organisation, or None when they may see nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    organization = getattr(user, "organization", None)
    if organization is None or not organization.is_active:
        return None
    return organization.path


class ScopedQuerySet(models.QuerySet):
    # Lookup from this model to its Organization; "" means the model *is* Organization.
    scope_field = "organization"

    def visible_to(self, user):
        path = scope_path(user)
        if path is None:
            return self.none()
        prefix = f"{self.scope_field}__" if self.scope_field else ""
        return self.filter(**{f"{prefix}path__startswith": path})


def get_visible_or_404(queryset_or_model, user, **lookup):
    """Fetch one object through the access rule; anything outside the subtree is a 404."""
    queryset = (
        queryset_or_model._default_manager.all()
        if isinstance(queryset_or_model, type)
        else queryset_or_model
    )
    return get_object_or_404(queryset.visible_to(user), **lookup)
