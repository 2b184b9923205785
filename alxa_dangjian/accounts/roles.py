"""What each role may do inside its subtree. Where it may do it is `scoping.py`'s business."""

from django.core.exceptions import PermissionDenied

from .models import User

Role = User.Role

MANAGE_ACCOUNTS = "manage_accounts"
REVIEW = "review"  # first-level review of records in the subtree
PUBLISH = "publish"  # final review, publication, year-end runs
EDIT_RECORDS = "edit_records"  # keep the roster, log activities, submit self-assessments
EXPORT = "export"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset({MANAGE_ACCOUNTS, REVIEW, PUBLISH, EDIT_RECORDS, EXPORT}),
    Role.STAFF: frozenset({REVIEW, PUBLISH, EDIT_RECORDS, EXPORT}),
    Role.COMMITTEE_ADMIN: frozenset({REVIEW, EDIT_RECORDS, EXPORT}),
    Role.SECRETARY: frozenset({EDIT_RECORDS, EXPORT}),
}


def role_allows(role: str, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def require(user, permission: str) -> None:
    """Refuse with the Chinese 403 page when the role may not do this at all.

    Called before any object is fetched, so the answer is the same whether or not the
    addressed object exists: it tells an outsider nothing.
    """
    if not user.may(permission):
        raise PermissionDenied("您的角色无权执行此操作。")


def record_keepers(organization) -> list:
    """The active users placed at `organization` who keep its records (its secretary, its
    committee's admins): whom a question for that organisation's side goes to."""
    from .models import User

    users = User.objects.filter(organization=organization, is_active=True)
    return [user for user in users if user.may(EDIT_RECORDS)]
