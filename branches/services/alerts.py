"""警示 to branches: each branch with members at an alert level is told once, through its
secretaries and the work committee's staff. The feature apps say who is listed and what the
message reads; this module says who hears it."""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable

from alxa_dangjian.accounts import scoping
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core.notifications import Message, notify_many


def alert_branches(members: Iterable, *, message: Callable[..., dict], day: datetime.date) -> int:
    """Group `members` (their organization selected) by branch and notify each branch's active
    secretaries and the active staff of the work committee; `message(branch, members)` returns
    the Message's key, title, body and url. Returns the notifications created."""
    by_branch = defaultdict(list)
    for member in members:
        by_branch[member.organization].append(member)
    if not by_branch:
        return 0
    secretaries = defaultdict(list)
    for user in User.objects.filter(
        is_active=True, role=User.Role.SECRETARY, organization__in=list(by_branch)
    ):
        secretaries[user.organization_id].append(user)
    staff = list(
        User.objects.filter(scoping.root_q("organization"), is_active=True, role=User.Role.STAFF)
    )
    messages = [
        Message(users=[*secretaries[branch.pk], *staff], **message(branch, listed))
        for branch, listed in by_branch.items()
    ]
    return len(notify_many(messages, day=day))
