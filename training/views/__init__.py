"""Each view module of the app declares its own `urlpatterns`; training/urls.py joins them."""

from django.core.exceptions import PermissionDenied

from alxa_dangjian.accounts import roles


def is_league_editor(user) -> bool:
    """League-wide rows (schemes, hour rules, teachers, the menu) bind every branch, so only
    the work committee — a role that publishes, placed at the root — changes them."""
    organization = getattr(user, "organization", None)
    return user.may(roles.PUBLISH) and organization is not None and organization.parent_id is None


def require_league_editor(user) -> None:
    roles.require(user, roles.PUBLISH)
    if not is_league_editor(user):
        raise PermissionDenied("该项由工委统一设置。")
