"""Each view module of the app declares its own `urlpatterns`; training/urls.py joins them."""

from django.core.exceptions import PermissionDenied

from alxa_dangjian.accounts import roles, scoping


def require_league_editor(user) -> None:
    """League-wide rows (schemes, hour rules, teachers, the menu) bind every branch, so only
    the work committee — a role that publishes, placed at the root — changes them."""
    roles.require(user, roles.PUBLISH)
    if not scoping.is_work_committee(user):
        raise PermissionDenied("该项由工委统一设置。")
