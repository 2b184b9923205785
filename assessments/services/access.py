"""Who may write the year-end assessment: the scope every writer checks, and the work
committee's hold on the schemes."""

from django.core.exceptions import PermissionDenied

from alxa_dangjian.accounts import roles, scoping


def require_scope(by, organization) -> None:
    if not scoping.contains(by, organization):
        raise PermissionDenied("该党组织不在您的管理范围内。")


def require_scheme_setter(user) -> None:
    """Schemes bind the whole league: only the work committee may change them."""
    roles.require(user, roles.PUBLISH)
    if not scoping.is_work_committee(user):
        raise PermissionDenied("考核方案由工委统一制定。")
