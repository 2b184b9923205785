"""A member's training enrolments in the member page's 变更记录 (branches/history.py)."""

from alxa_dangjian.core.history import Change, changes
from branches.history import member_change_source, newest
from branches.models import Member

from .models import Enrollment, TrainingClass

ENROLLMENT_FIELDS = ["signed_in", "hours_earned", "source"]


@member_change_source
def enrolment_changes(member: Member) -> list[Change]:
    """The changes to the member's enrolments, each titled with its class. Two queries."""
    records = list(newest(Enrollment.history.filter(member_id=member.pk)))
    classes = TrainingClass.objects.in_bulk({r.training_class_id for r in records})

    def subject(record) -> str:
        training_class = classes.get(record.training_class_id)
        title = training_class.title if training_class else f"#{record.training_class_id}"
        return f"培训：{title}"

    return changes(records, fields=ENROLLMENT_FIELDS, subject=subject)
