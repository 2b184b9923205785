"""The validated path for GET parameters that no form parses: a value that is missing or bad
gives None (the caller's default), never an exception, so `?year=²` or `?as_of=2026-02-30`
cannot make a 500. List filters with several fields use a form instead."""

import datetime
import re

# ASCII digits only: str.isdigit() also accepts "²" and other Unicode digits.
YEAR = re.compile(r"[0-9]{4}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIRST_YEAR = 2000
LAST_YEAR = 2100


def year_param(request, name: str = "year") -> int | None:
    raw = request.GET.get(name, "").strip()
    if not YEAR.fullmatch(raw) or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return None
    return int(raw)


def date_param(request, name: str) -> datetime.date | None:
    raw = request.GET.get(name, "").strip()
    if not DATE.fullmatch(raw):
        return None
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def flag_param(request, name: str) -> bool:
    """A checkbox-like switch: only "1" turns it on."""
    return request.GET.get(name, "") == "1"
