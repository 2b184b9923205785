from django import template

from ..progress import member_progress

register = template.Library()


@register.inclusion_tag("training/_member_hours.html")
def member_training_hours(member):
    """The "本年学时" block of a member's page: one query, whatever the member's record."""
    return {"progress": member_progress(member)}
