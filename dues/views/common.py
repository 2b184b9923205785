"""Helpers shared by the dues views."""

from django.http import Http404
from django.utils import timezone

from activities.forms import add_service_error

__all__ = ["add_service_error", "year_param"]


def year_param(request) -> int:
    """?year=, this year by default; anything else than a sane year is a 404."""
    raw = request.GET.get("year", "")
    if not raw:
        return timezone.localdate().year
    # isascii: "²".isdigit() is true but int("²") fails.
    if not (raw.isascii() and raw.isdigit()) or not 2000 <= int(raw) <= 2100:
        raise Http404
    return int(raw)
