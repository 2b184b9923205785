"""Helpers shared by the dues views."""

from django.http import Http404
from django.utils import timezone

from alxa_dangjian.core import params


def year_param(request) -> int:
    """?year=, this year by default; anything else than a sane year is a 404."""
    raw = request.GET.get("year", "")
    if not raw:
        return timezone.localdate().year
    year = params.parse_integer(raw, low=params.FIRST_YEAR, high=params.LAST_YEAR)
    if year is None:
        raise Http404
    return year
