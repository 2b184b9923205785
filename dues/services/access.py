"""Who may write the dues ledger: the check every dues service starts with."""

from django.core.exceptions import PermissionDenied, ValidationError

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User
from branches.models import Member, Organization

NOT_IN_SCOPE = "该党员不在您的管理范围内。"


def may_record(user: User, organization: Organization) -> bool:
    """Secretaries record their own branch's dues; editors above them may record too."""
    return user.may(roles.EDIT_RECORDS) and scoping.contains(user, organization)


def require_member(user: User, member: Member) -> None:
    if not user.may(roles.EDIT_RECORDS):
        raise PermissionDenied("您的角色无权登记党费。")
    if not scoping.contains(user, member.organization):
        raise ValidationError({"member": NOT_IN_SCOPE})
