"""The access rule, in one place: a user sees the subtree of their organisation.

Every model that holds organisation data uses `ScopedQuerySet` (or a subclass) and names the
path to its organisation in `scope_field`; views fetch through `visible_to(user)` or
`get_visible_or_404`, so an object outside the user's subtree is a 404, never a 403 that
would confirm it exists. What a role may *do* inside the subtree is in `roles.py`.

Every other access question is answered here too, so no app knows the path format:
`contains(user, organization)` for one object, `is_work_committee(user)` for the league-wide
role, `within(queryset, place)` / `subtree_q(place)` for any model's rows in a subtree,
`in_subtree(organization, place)` for one organisation against another, and `is_root` /
`root_q` for the top of the tree. Only the tree module (branches/models/organizations.py)
writes paths.
"""

from django.db import models
from django.db.models import Q
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
        return self.filter(subtree_q(path, self.scope_field))


def _path(place) -> str:
    """A materialised path ("000001/000007/", trailing separator included) or anything with
    one (an Organization, a cockpit Scope)."""
    return place if isinstance(place, str) else place.path


def subtree_q(place, field: str = "organization") -> Q:
    """Rows whose organisation (reached through `field`; "" when the rows are organisations)
    lies in `place`'s subtree, `place` included."""
    prefix = f"{field}__" if field else ""
    return Q(**{f"{prefix}path__startswith": _path(place)})


def within(queryset, place, field: str = "organization"):
    """`queryset` narrowed to `place`'s subtree: one filter on the path, no extra query."""
    return queryset.filter(subtree_q(place, field))


def in_subtree(organization, place) -> bool:
    """Whether `organization` (or a path) lies in `place`'s subtree, `place` included."""
    return _path(organization).startswith(_path(place))


def contains(user, organization) -> bool:
    """Whether `organization` lies in the subtree the user may see (and so act on, as far
    as their role allows)."""
    path = scope_path(user)
    return path is not None and in_subtree(organization, path)


def is_root(organization) -> bool:
    """The work committee (党工委/机关工委): the root of the tree."""
    return organization is not None and organization.parent_id is None


def root_q(field: str = "") -> Q:
    """Rows whose organisation (through `field`; "" for organisations) is the root."""
    prefix = f"{field}__" if field else ""
    return Q(**{f"{prefix}parent__isnull": True})


def is_work_committee(user) -> bool:
    """A publishing role placed at the root of the tree: the only one that changes what binds
    the whole league (schemes, rules, rates, standards) and decides ratings."""
    from .roles import PUBLISH

    return (
        user.may(PUBLISH)
        and is_root(getattr(user, "organization", None))
        and scope_path(user) is not None
    )


def get_visible_or_404(queryset_or_model, user, **lookup):
    """Fetch one object through the access rule; anything outside the subtree is a 404."""
    queryset = (
        queryset_or_model._default_manager.all()
        if isinstance(queryset_or_model, type)
        else queryset_or_model
    )
    return get_object_or_404(queryset.visible_to(user), **lookup)
