"""What the member page and the organisation profile show as 变更记录: every change to the
member (its own fields — including its transfers, 入党/转正 dates and standing — and what
other apps record about the member, such as training enrolments), or to the organisation,
newest first (alxa_dangjian/core/history.py).

ID numbers and phones appear masked: the change is visible, the number is not. The pages
that call these have already fetched the member or organisation through the access rule, so
whoever cannot see them cannot see their history either (404).
"""

from collections.abc import Callable

from alxa_dangjian.core.history import Change, changes
from alxa_dangjian.core.idnumber import mask_id_number

from .models import Member, Organization
from .models.members import mask_phone

PAGE_LIMIT = 10  # changes shown on the member page and the profile; the rest on their own page
RECORDS_LIMIT = 1000  # the newest historical rows read for one member or organisation
MEMBER_MASKS = {"id_number": mask_id_number, "phone": mask_phone}
MEMBER_CHANGE_SOURCES: list[Callable[[Member], list[Change]]] = []


def member_changes(member: Member) -> list[Change]:
    """The member's own changes and those other apps record about the member (their
    `member_change_source`s, e.g. training enrolments), newest first. A constant number of
    queries whatever the number of changes."""
    own = changes(
        newest(Member.history.filter(id=member.pk)),
        masks=MEMBER_MASKS,
        related_names=True,
    )
    others = [change for source in MEMBER_CHANGE_SOURCES for change in source(member)]
    return sorted(own + others, key=lambda c: c.when, reverse=True)


def member_change_source(source: Callable[[Member], list[Change]]):
    """Register a function giving another app's changes about a member (apps register theirs
    when they are ready: the member page lists them without branches importing the app)."""
    MEMBER_CHANGE_SOURCES.append(source)
    return source


def organization_changes(organization: Organization) -> list[Change]:
    return changes(newest(Organization.history.filter(id=organization.pk)), related_names=True)


def newest(records):
    return records.select_related("history_user").order_by("-history_date", "-history_id")[
        :RECORDS_LIMIT
    ]
