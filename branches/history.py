"""What the member page and the organisation profile show as 变更记录: every change to the
member (its own fields — including its transfers, 入党/转正 dates and standing — and its
training enrolments), or to the organisation, newest first (alxa_dangjian/core/history.py).

ID numbers and phones appear masked: the change is visible, the number is not. The pages
that call these have already fetched the member or organisation through the access rule, so
whoever cannot see them cannot see their history either (404).
"""

from alxa_dangjian.core.history import Change, changes
from alxa_dangjian.core.idnumber import mask_id_number

from .models import Member, Organization
from .models.members import mask_phone

PAGE_LIMIT = 10  # changes shown on the member page and the profile; the rest on their own page
RECORDS_LIMIT = 1000  # the newest historical rows read for one member or organisation
MEMBER_MASKS = {"id_number": mask_id_number, "phone": mask_phone}
ENROLLMENT_FIELDS = ["signed_in", "hours_earned", "source"]


def member_changes(member: Member) -> list[Change]:
    """The member's own changes and their enrolments' changes, newest first. A constant
    number of queries whatever the number of changes."""
    from training.models import Enrollment, TrainingClass

    own = changes(
        _newest(Member.history.filter(id=member.pk)),
        masks=MEMBER_MASKS,
        related_names=True,
    )
    records = list(_newest(Enrollment.history.filter(member_id=member.pk)))
    classes = TrainingClass.objects.in_bulk({r.training_class_id for r in records})

    def subject(record) -> str:
        training_class = classes.get(record.training_class_id)
        title = training_class.title if training_class else f"#{record.training_class_id}"
        return f"培训：{title}"

    enrolments = changes(records, fields=ENROLLMENT_FIELDS, subject=subject)
    return sorted(own + enrolments, key=lambda c: c.when, reverse=True)


def organization_changes(organization: Organization) -> list[Change]:
    return changes(_newest(Organization.history.filter(id=organization.pk)), related_names=True)


def _newest(records):
    return records.select_related("history_user").order_by("-history_date", "-history_id")[
        :RECORDS_LIMIT
    ]
