"""What the new-record form starts from, so a routine record takes a few taps on a phone.

The home's 去登记 link names the item's kind and a date in its period (`reminders.log_url`);
the place is the one the branch wrote on its last record of that kind (branches meet in
the same room month after month). Parameters go through `core.params`: a bad value is
ignored, never an error.
"""

from django.utils import timezone

from alxa_dangjian.core import params

from .models import Activity, ActivityKind


def initial(request, organization) -> dict:
    today = timezone.localdate()
    values = {"held_on": today}
    held_on = params.date_param(request, "held_on")
    if held_on is not None and held_on <= today:
        values["held_on"] = held_on
    kind_pk = params.pk(request, "kind")
    kind = ActivityKind.objects.filter(pk=kind_pk, is_active=True).first() if kind_pk else None
    if kind is not None:
        values["kind"] = kind.pk
        place = usual_place(organization, kind)
        if place:
            values["place"] = place
    return values


def usual_place(organization, kind) -> str:
    """The place of the branch's latest record of `kind` that names one, else ""."""
    return (
        Activity.objects.filter(organization=organization, kind=kind)
        .exclude(place="")
        .order_by("-held_on", "-pk")
        .values_list("place", flat=True)
        .first()
        or ""
    )
