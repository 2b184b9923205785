"""三期护航: supervision notes on a branch during a rating round (前期导航, 中期护航,
后期纠偏). The work committee and party-committee admins keep them for the branches of their
subtree; the branch reads its own. Every change is kept in history with who and why."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from alxa_dangjian.accounts import roles, scoping
from alxa_dangjian.accounts.models import User

from ..models import Organization, SupervisionNote

NO_SUPERVISION_RIGHT = "三期护航记录由工委工作人员和上级党委管理员填写。"


def may_supervise(user: User, organization: Organization) -> bool:
    """A reviewing role above the branch (staff anywhere, a committee admin in its subtree)."""
    return (
        user.may(roles.REVIEW)
        and scoping.contains(user, organization)
        and user.organization_id != organization.pk
    )


def supervised_branches(user: User):
    """Branches a note may be written for: active, non-temporary, below the user."""
    if not user.may(roles.REVIEW):
        return Organization.objects.none()
    return (
        Organization.objects.visible_to(user)
        .filter(is_active=True, type__in=(Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH))
        .exclude(pk=user.organization_id)
    )


def possible_owners(user: User):
    """Who may be named responsible: active users of the acting user's subtree."""
    return User.objects.visible_to(user).filter(is_active=True)


@transaction.atomic
def save_note(note: SupervisionNote, *, by: User) -> SupervisionNote:
    """Create or update a note after checking who writes it and what it says."""
    organization = note.organization
    if not may_supervise(by, organization):
        raise PermissionDenied(NO_SUPERVISION_RIGHT)
    if not organization.is_branch or organization.is_temporary or not organization.is_active:
        raise ValidationError({"organization": "三期护航只针对参加评定的有效党支部。"})
    if not note.text.strip():
        raise ValidationError({"text": "请填写护航内容。"})
    if note.due_on is None:
        raise ValidationError({"due_on": "请填写完成时限。"})
    if not possible_owners(by).filter(pk=note.owner_id).exists():
        raise ValidationError({"owner": "责任人须是您管理范围内的有效用户。"})
    if note.due_on.year < note.round.year:
        message = "完成时限不能早于评定年度（{year}年）。"
        raise ValidationError({"due_on": message.format(year=note.round.year)})
    adding = note._state.adding
    note.text = note.text.strip()
    note._history_user = by
    note._change_reason = "新增三期护航记录" if adding else "更新三期护航记录"
    note.save()
    return note
